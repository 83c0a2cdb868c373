"""Rules that need every story at once: refs used twice, and `related` entries naming no story."""

from __future__ import annotations

import bisect
import itertools
import math
import re
import string
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..cache import Store, digest
from ..model import Diagnostic, Project, Story
from ..parallel import forked_map
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


def iter_corpus_problems(
    docs: dict[str, Document], stories: dict[str, Story], changed: set[str] | None = None, store: Store | None = None
) -> Iterator[Diagnostic]:
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
    yield from _iter_near_duplicates(docs, stories, store)


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


def problem_text(story: Story) -> str:
    """Return the start of the story's problem statement, its white space collapsed."""
    section = next((s for s in story.sections if s.title.lower() == "problem description"), None)
    return collapsed_start(section.text if section else "", _PROBLEM_CHARS)


def collapsed_start(text: str, size: int) -> str:
    """Return `" ".join(text.split())[:size]`, splitting only as much of a long text as it takes."""
    window = 4 * size
    while window < len(text):
        words = text[:window].split()[:-1]  # the last word may go on past the window
        start = " ".join(words)
        if len(start) >= size:
            return start[:size]
        window *= 4
    return " ".join(text.split())[:size]


def _similar_pairs(
    kind: str, text_of: Callable[[int], str], count: int, store: Store, shortest: int, sources: list[str] | None = None
) -> set[tuple[int, int]]:
    """Return the pairs (i, j), i < j, of texts at least `shortest` long that are near-duplicates,
    of `count` texts, the i-th of which `text_of(i)` returns.

    Similarity is a function of the two texts alone, so the pairs found among texts seen in an
    earlier run are kept in the cache (by the texts' digests) and only new texts are compared: an
    edit to one story costs one row of comparisons, not all of them. With `sources` (the digests of
    the files the texts come from), the cache also keeps each file's text digest and length, and the
    texts compared: the text of an unchanged file is not made again (nor is its body read)."""
    cutoff = TITLE_SIMILARITY if kind == "title" else PROBLEM_SIMILARITY
    entry = digest("near-duplicates", kind, str(cutoff), str(shortest))
    cached = store.get("similar", entry)
    kept: dict[str, str] = {}  # the texts seen before, as compared, by digest
    kept_of: dict[str, Any] = {}
    if isinstance(cached, dict) and isinstance(cached.get("texts"), dict):
        kept = {k: t for k, t in cached["texts"].items() if isinstance(t, str) and digest(t) == k}
        kept_of = cached["of"] if isinstance(cached.get("of"), dict) else {}
    texts: dict[str, str] = {}  # the texts compared, by digest
    keys: list[str] = []
    lengths: list[int] = []
    of: dict[str, list[Any]] = {}
    for i in range(count):
        source = sources[i] if sources else ""
        hit = kept_of.get(source) if source else None
        if isinstance(hit, list) and len(hit) == 2 and type(hit[1]) is int and (hit[0] in kept or hit[1] < shortest):
            key, length = hit
        else:
            text = text_of(i)
            length, prepared = len(text), _prepared(kind, text)
            key = digest(prepared)
            texts[key] = prepared
        keys.append(key)
        lengths.append(length)
        if source:
            of[source] = [key, length]
    by_key: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        if lengths[i] >= shortest:
            by_key.setdefault(key, []).append(i)
            texts.setdefault(key, kept.get(key, ""))
    similar: set[tuple[str, str]] = set()
    if isinstance(cached, dict) and isinstance(cached.get("pairs"), list):
        try:
            similar = {(a, b) for a, b in cached["pairs"] if a in by_key and b in by_key and a in kept and b in kept}
        except (TypeError, ValueError):
            similar = set()
    seen = sorted(k for k in by_key if k in kept)
    new = sorted(k for k in by_key if k not in kept)
    order = seen + new  # each new text is compared with the texts seen before, and with the new ones after it
    ordered = [texts[k] for k in order]

    if new:  # imported only when there is something to compare (and before the workers fork)
        from rapidfuzz import fuzz, process
        from rapidfuzz.distance import LCSseq

        # Texts are compared in two bands of lengths (the longest, as most texts are cut to one length,
        # and the others): the prefix test is sharper for a band's own lengths than for all of them.
        longest = max(map(len, ordered))
        sizes = set(map(len, ordered))
        bands: list[tuple[list[int], list[str], list[str], dict[int, tuple[int, int]]]] = []
        for band in ([k for k, t in enumerate(ordered) if len(t) == longest], [k for k, t in enumerate(ordered) if len(t) < longest]):
            if band:
                low, high = min(len(ordered[k]) for k in band), max(len(ordered[k]) for k in band)
                tests = {size: _prefix_test(size, cutoff, low, high) for size in sizes}
                slack = max(slack for _, slack in tests.values())
                members = [ordered[k] for k in band]
                bands.append((band, members, [text[: _PREFIX + slack] for text in members], tests))

    def matches(at: int, begin: int, end: int) -> list[int]:
        """Return the indexes k in [begin, end) of the texts near-duplicate of the at-th."""
        query = ordered[at]
        found: list[int] = []
        for band, members, starts, tests in bands:
            first, last = bisect.bisect_left(band, begin), bisect.bisect_left(band, end)
            need, _ = tests[len(query)]
            if first == last:
                continue
            if need <= 0:  # too short for a prefix to tell: compared whole
                scored = process.extract(query, members[first:last], scorer=fuzz.ratio, score_cutoff=cutoff, limit=None)
                found += [band[first + offset] for _, _, offset in scored]
                continue
            # Only the texts whose start keeps enough of the query's prefix (an exact bound: _prefix_test)
            kept = process.extract(query[:_PREFIX], starts[first:last], scorer=LCSseq.similarity, score_cutoff=need, limit=None)
            candidates = sorted(first + offset for _, _, offset in kept)
            scored = process.extract(query, [members[c] for c in candidates], scorer=fuzz.ratio, score_cutoff=cutoff, limit=None)
            found += [band[candidates[offset]] for _, _, offset in scored]
        return found

    def similar_to(n: int) -> list[int]:
        at = len(seen) + n
        return matches(at, 0, len(seen)) + matches(at, at + 1, len(ordered))

    # A cold run compares every pair: by forked workers when there are many texts.
    rows = forked_map(similar_to, range(len(new))) or [similar_to(n) for n in range(len(new))]
    for key, row in zip(new, rows, strict=True):
        for at in row:
            similar.add(tuple(sorted((key, order[at]))))  # type: ignore[arg-type]
    if new or len(seen) != len(kept) or of != kept_of:
        store.put("similar", entry, {"texts": {k: texts[k] for k in sorted(by_key)}, "pairs": sorted(similar), "of": of})
    pairs = {(i, j) for group in by_key.values() for i, j in itertools.combinations(group, 2)}  # the same text twice
    for a, b in similar:
        pairs.update((min(i, j), max(i, j)) for i in by_key[a] for j in by_key[b])
    return pairs


_PREFIX = 100  # characters of each text a first, cheaper comparison looks at


def _prefix_test(length: int, cutoff: float, shortest: int, longest: int) -> tuple[int, int]:
    """Return (need, slack) for a text `length` long: any text `shortest` to `longest` long whose
    fuzz.ratio with it reaches `cutoff` has a start (its first _PREFIX + slack characters) holding a
    common subsequence of at least `need` characters with the text's first _PREFIX (need <= 0: the
    test rules nothing out).

    Why: the ratio of texts a and b is 200 * L / (|a| + |b|), L their longest common subsequence,
    so L >= Lmin = cutoff * (|a| + |b|) / 200. In that subsequence, a drops |a| - L characters and b
    |b| - L; a character of a's first P that is kept is matched in b's first P + |b| - L. So a's first
    P and b's first P + (|b| - Lmin) hold a common subsequence of P - (|a| - Lmin) characters or more.
    Taken over every length b may have, that is the bound; the ratio is then computed only for the
    texts that pass, so the pairs found are exactly those of comparing all."""

    def least(other: int) -> int:  # Lmin; the float ratio may round up, so one less is safe
        return math.ceil(cutoff * (length + other) / 200 - 1e-6)

    def possible(other: int) -> bool:
        return least(other) <= min(length, other)

    if length <= _PREFIX or cutoff <= 0 or cutoff >= 200:
        return 0, 0
    # The lengths b may have make an interval: Lmin - |b| never grows with |b|, and Lmin never shrinks.
    # Start below its low end and above its high end (a length past either is impossible), then step in.
    low = max(1, shortest, int(length * cutoff / (200 - cutoff)) - 2)
    while low <= longest and not possible(low):
        low += 1
    high = min(longest, int(length * (200 - cutoff) / cutoff) + 2)
    while high >= low and not possible(high):
        high -= 1
    if high < low:
        return 0, 0  # no text can be near this one: they are compared whole (and none matches)
    # |a| - Lmin is largest for the shortest b, |b| - Lmin for the longest.
    return _PREFIX - (length - least(low)), high - least(high)


def _prepared(kind: str, text: str) -> str:
    """Return the text as it is compared: a title's words sorted (token order is ignored, as
    token_sort_ratio does, with each text sorted once)."""
    return " ".join(sorted(text.split())) if kind == "title" else text


def _iter_near_duplicates(docs: dict[str, Document], stories: dict[str, Story], store: Store | None = None) -> Iterator[Diagnostic]:
    """Yield a warning on the later of two stories whose titles or problem statements nearly match."""
    if len(stories) < 2:
        return
    store = store if store is not None else Store.off()
    ids = sorted(stories)
    sources = [docs[sid].source_digest for sid in ids]

    def title(i: int) -> str:
        return stories[ids[i]].title.lower()

    def problem(i: int) -> str:
        return problem_text(stories[ids[i]]).lower()

    seen: set[tuple[int, int]] = set()
    for kind, text_of, shortest in (("title", title, MIN_TITLE), ("problem description", problem, MIN_PROBLEM)):
        # too short to call a duplicate: 'Quotas' and 'Quota' are two stories
        for i, j in sorted(_similar_pairs(kind, text_of, len(ids), store, shortest, sources if store.enabled else None)):
            if (i, j) in seen:
                continue
            seen.add((i, j))
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
