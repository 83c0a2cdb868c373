"""New stories: a file name, a free ref and a draft that passes the checker as written."""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Iterable

import yaml

from .schema import REQUIRED_SECTIONS

HINTS = {
    "Problem description": "What goes wrong for users or operators today, and how often?",
    "Opportunity": "Why solving it matters: who gains, what it unlocks, what it costs not to.",
    "Usage scenarios": "A concrete story of someone using the result, start to finish.",
    "Acceptance criteria": "- Replace with a testable criterion that names the use cases it covers ({ref}001).",
}


def slugify(title: str) -> str:
    """Return the story id for a title: lowercase words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "story"


def propose_ref(title: str, taken: Iterable[str]) -> str:
    """Return a free three-letter ref, from the title's initials when possible."""
    used = set(taken)
    letters = [c for c in title.upper() if c in string.ascii_uppercase]
    initials = [w[0] for w in re.findall(r"[A-Za-z]+", title.upper())]
    candidates = ["".join(initials[:3]) + "".join(letters)[: 3 - len(initials[:3])]] if letters else []
    candidates += ["".join(c) for c in itertools.combinations(letters, 3)][:200]
    candidates += ["".join(c) for c in itertools.product(string.ascii_uppercase, repeat=3)]
    return next(c for c in candidates if len(c) == 3 and c not in used)


def story_text(title: str, ref: str, projects: list[str], author: str) -> str:
    """Return the Markdown of a new draft story with every section and a hint in each."""
    front = yaml.safe_dump(
        {
            "title": title,
            "status": "draft",
            "ref": ref,
            "authors": [author],
            "projects": {p: {"gap": "", "priorities": []} for p in projects},
        },
        sort_keys=False,
        allow_unicode=True,
        width=1000,
    )
    body = []
    for section in REQUIRED_SECTIONS:
        use_case = f"- {ref}001 As a cloud operator, I want ..., so that ..."
        text = use_case if section == "Use cases" else HINTS[section].format(ref=ref)
        body.append(f"## {section}\n{text}\n")
    return f"---\n{front}---\n\n" + "\n".join(body)
