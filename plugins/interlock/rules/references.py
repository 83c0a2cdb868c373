"""Rules that need every story at once: refs used twice, and `related` entries naming no story."""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Iterable, Iterator

from ..model import Diagnostic, Project, Story
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


RELATION_KEYS = ("related", "depends_on", "supersedes")
OPEN_STATUSES = ("accepted", "in-progress")
# Near-duplicates: titles this similar (token order ignored), or problem statements this similar.
TITLE_SIMILARITY = 90
PROBLEM_SIMILARITY = 92
_PROBLEM_CHARS = 400  # enough to tell two statements apart, bounded so the comparison stays fast
MIN_TITLE, MIN_PROBLEM = 16, 40


def iter_corpus_problems(docs: dict[str, Document], stories: dict[str, Story], changed: set[str] | None = None) -> Iterator[Diagnostic]:
    """Yield problems that need all stories at once: duplicate refs, relations, cycles, near-duplicates.

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
        for key in RELATION_KEYS:
            for i, other in enumerate(getattr(story, key)):
                if other == story.id:
                    yield doc.problem((key, i), "R207", f"story '{story.id}' lists itself in '{key}'; remove it", value=True)
                elif other not in stories:
                    by_title = nearest_title(other, stories) if " " in other or other != other.lower() else None
                    hint = f" (that is the title of '{by_title}': write its id)" if by_title else suggest(other, stories)
                    yield doc.problem(
                        (key, i), "R206", f"no story '{other}'{hint}; '{key}' takes story ids (file names without .md)", value=True
                    )
    yield from _iter_cycles(docs, stories)
    for story in stories.values():
        for i, other in enumerate(story.supersedes):
            old = stories.get(other)
            if old is not None and old.status in OPEN_STATUSES:
                yield docs[story.id].problem(
                    ("supersedes", i),
                    "R212",
                    f"'{other}' is superseded by this story but is still '{old.status}'; set its status to 'parked' or 'rejected'",
                    value=True,
                )
    yield from _iter_near_duplicates(docs, stories)


def _iter_cycles(docs: dict[str, Document], stories: dict[str, Story]) -> Iterator[Diagnostic]:
    """Yield one R211 per cycle of depends_on, at the dependency that closes it."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(stories):
        if state.get(start):
            continue
        path: list[str] = []
        stack: list[tuple[str, int]] = [(start, 0)]
        while stack:
            node, index = stack.pop()
            if index == 0:
                state[node] = 1
                path.append(node)
            deps = [d for d in stories[node].depends_on if d in stories and d != node]
            if index < len(deps):
                stack.append((node, index + 1))
                nxt = deps[index]
                if state.get(nxt) == 1:
                    cycle = path[path.index(nxt) :] + [nxt]
                    position = stories[node].depends_on.index(nxt)
                    yield docs[node].problem(
                        ("depends_on", position),
                        "R211",
                        f"dependency cycle: {' -> '.join(cycle)}; one of these stories must not depend on the next",
                        value=True,
                    )
                elif not state.get(nxt):
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                path.pop()


def _problem_text(story: Story) -> str:
    section = next((s for s in story.sections if s.title.lower() == "problem description"), None)
    return " ".join((section.text if section else "").split())[:_PROBLEM_CHARS]


def _iter_near_duplicates(docs: dict[str, Document], stories: dict[str, Story]) -> Iterator[Diagnostic]:
    """Yield a warning on the later of two stories whose titles or problem statements nearly match."""
    if len(stories) < 2:
        return
    from rapidfuzz import fuzz, process

    ids = sorted(stories)
    titles = [stories[sid].title.lower() for sid in ids]
    problems = [_problem_text(stories[sid]).lower() for sid in ids]
    seen: set[tuple[str, str]] = set()
    for kind, texts, scorer, cutoff in (
        ("title", titles, fuzz.token_sort_ratio, TITLE_SIMILARITY),
        ("problem description", problems, fuzz.ratio, PROBLEM_SIMILARITY),
    ):
        shortest = MIN_TITLE if kind == "title" else MIN_PROBLEM
        for i, text in enumerate(texts):
            if len(text) < shortest:
                continue  # too short to call a duplicate: 'Quotas' and 'Quota' are two stories
            for _, _, offset in process.extract(text, texts[i + 1 :], scorer=scorer, score_cutoff=cutoff, limit=None):
                j = i + 1 + offset
                if (ids[i], ids[j]) in seen or len(texts[j]) < shortest:
                    continue
                seen.add((ids[i], ids[j]))
                first, later = stories[ids[i]], stories[ids[j]]
                yield docs[later.id].problem(
                    ("title",),
                    "R213",
                    f"the {kind} is nearly the same as that of {first.path} ('{first.title}'); merge the two stories, "
                    "or say how they differ and list each other under 'related'",
                    severity="warning",
                )


def iter_answer_problems(project_docs: list[tuple[Document, Project]], stories: dict[str, Story]) -> Iterator[Diagnostic]:
    """Yield problems of the teams' answers: stories named by items or declined that do not exist,
    do not ask the team, or are both served and declined."""
    for doc, project in project_docs:
        served: dict[str, tuple[str | int, ...]] = {}
        releases = doc.get(("releases",))
        for release, plan in releases.items() if isinstance(releases, dict) else []:
            for kind in ("priorities", "without_plan"):
                for i, item in enumerate(_list(plan.get(kind) if isinstance(plan, dict) else None)):
                    for j, sid in enumerate(_list(item.get("stories") if isinstance(item, dict) else None)):
                        where: tuple[str | int, ...] = ("releases", release, kind, i, "stories", j)
                        yield from _iter_named(doc, project, stories, sid, where, "serves")
                        if isinstance(sid, str):
                            served.setdefault(sid, where)
        for i, entry in enumerate(_list(doc.get(("declined",)))):
            sid = entry.get("story") if isinstance(entry, dict) else None
            where = ("declined", i, "story")
            yield from _iter_named(doc, project, stories, sid, where, "declines")
            if isinstance(sid, str) and sid in served:
                yield doc.problem(
                    where,
                    "R505",
                    f"'{sid}' is declined here and served by an item at line {doc.where(served[sid], value=True)[0]}; keep one answer",
                    value=True,
                )


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _iter_named(
    doc: Document, project: Project, stories: dict[str, Story], sid: object, where: tuple[str | int, ...], verb: str
) -> Iterator[Diagnostic]:
    if not isinstance(sid, str):
        return
    story = stories.get(sid)
    if story is None:
        yield doc.problem(
            where, "R501", f"no story '{sid}'{suggest(sid, stories)}; name stories by id (file names without .md)", value=True
        )
    elif project.id not in story.projects:
        yield doc.problem(
            where,
            "R503",
            f"{project.id} {verb} '{sid}', which asks nothing of {project.id}; the story must list '{project.id}' under 'projects' first",
            value=True,
        )
