"""Rules that need every story at once: refs used twice, and `related` entries naming no story."""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Iterable, Iterator

from ..model import Diagnostic, Story
from ..yamldoc import Document
from .frontmatter import nearest_title
from .suggest import suggest


def propose_ref(title: str, taken: Iterable[str]) -> str:
    """Return a free three-letter ref, from the title's initials when possible."""
    used = set(taken)
    letters = [c for c in title.upper() if c in string.ascii_uppercase]
    initials = [w[0] for w in re.findall(r"[A-Za-z]+", title.upper())]
    candidates = ["".join(initials[:3]) + "".join(letters)[: 3 - len(initials[:3])]] if letters else []
    candidates += ["".join(c) for c in itertools.combinations(letters, 3)][:200]
    candidates += ["".join(c) for c in itertools.product(string.ascii_uppercase, repeat=3)]
    return next(c for c in candidates if len(c) == 3 and c not in used)


def iter_corpus_problems(docs: dict[str, Document], stories: dict[str, Story], changed: set[str] | None = None) -> Iterator[Diagnostic]:
    """Yield problems that need all stories at once: duplicate refs and related stories.

    A ref used twice is reported on the later story by id; with `changed` paths, unchanged stories
    keep their refs and the changed story is the one told to pick another."""
    by_ref: dict[str, Story] = {}
    for story_id in sorted(stories, key=lambda sid: (changed is not None and stories[sid].path in changed, sid)):
        story = stories[story_id]
        doc = docs[story_id]
        if story.ref and isinstance(doc.get(("ref",)), str):
            first = by_ref.setdefault(story.ref, story)
            if first is not story:
                free = propose_ref(story.title, {s.ref for s in stories.values()})
                yield doc.problem(
                    ("ref",), "R208", f"ref '{story.ref}' is already used by {first.path}; choose another, e.g. '{free}' (free)", value=True
                )
        for i, other in enumerate(story.related):
            if other != story.id and other not in stories:
                by_title = nearest_title(other, stories) if " " in other or other != other.lower() else None
                hint = f" (that is the title of '{by_title}': write its id)" if by_title else suggest(other, stories)
                yield doc.problem(
                    ("related", i),
                    "R206",
                    f"no story '{other}'{hint}; 'related' takes story ids (file names without .md)",
                    value=True,
                )
