"""New stories: a file name, a free ref and a draft that passes the checker as written, with
placeholders the checker recognises (a warning in a draft, an error once the story is proposed)."""

from __future__ import annotations

import re
import unicodedata

import yaml

from .model import Criterion
from .rules import REQUIRED_SECTIONS, propose_ref
from .rules.placeholders import SECTION_HINTS, USE_CASE_EXAMPLE

__all__ = ["AUTHOR_PATTERN", "propose_ref", "slugify", "story_text"]

# The story schema's pattern for an author: 'Name' or 'Name <email>'.
AUTHOR_PATTERN = re.compile(r"^[^<>\s][^<>]*?( <[^<>@\s]+@[^<>\s]+>)?$")


def slugify(title: str) -> str:
    """Return the story id for a title: accents dropped ('Découverte' -> 'decouverte'), words joined by hyphens."""
    # Decomposition, not a transliteration library: the same title gives the same id on every machine.
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")


def rubric_comment(criteria: dict[str, Criterion]) -> str:
    """Return YAML comment lines that explain how to score a story on each criterion (empty: no ranking)."""
    if not criteria:
        return ""
    lines = ["# Score the story from 0 to 5 on each criterion once you know it (required when accepted):"]
    for c in criteria.values():
        lines.append(f"#   {c.name} (weight {c.weight}){': ' + c.question if c.question else ''}")
        if c.low or c.high:
            lines.append(f"#     0 = {c.low or '-'}; 5 = {c.high or '-'}")
    example = ", ".join(f"{name}: 0" for name in criteria)
    lines.append(f"# weights: {{{example}}}")
    return "\n".join(lines) + "\n"


def story_text(title: str, ref: str, projects: list[str], author: str, criteria: dict[str, Criterion] | None = None) -> str:
    """Return the Markdown of a new draft story with every section and a placeholder in each."""
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
        text = USE_CASE_EXAMPLE.format(ref=ref) if section == "Use cases" else SECTION_HINTS[section].format(ref=ref)
        body.append(f"## {section}\n{text}\n")
    return f"---\n{front}{rubric_comment(criteria or {})}---\n\n" + "\n".join(body)
