"""'Did you mean' for unknown names: the nearest candidate by edit similarity, bounded in time.

rapidfuzz compares in C++ (2,000 unknown ids against 15,000 names take about two seconds where
difflib takes minutes) and is imported only when a name is unknown, so a clean check never pays for it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

MAX_NAME = 200
CUTOFF = 70  # percent similarity: below it a suggestion misleads more than it helps
_FEW = 64  # candidates few enough to rule out by their letters before importing rapidfuzz


def nearest(name: str, candidates: Iterable[str]) -> str | None:
    """Return the candidate most similar to `name` (ties: the greatest), or None below the cutoff."""
    if len(name) > MAX_NAME:
        return None  # nothing is like a name that long, and comparing it costs time
    choices = [c for c in candidates if c != name]
    if len(choices) <= _FEW:
        # The similarity is 200 * (longest common subsequence) / (both lengths): the letters the two
        # share bound it. A heading far from every known section name costs no import.
        letters = Counter(name)
        choices = [c for c in choices if 200 * sum((letters & Counter(c)).values()) >= CUTOFF * (len(name) + len(c))]
    if not choices or not name:
        return None
    from rapidfuzz import fuzz, process

    found = process.extract(name, choices, scorer=fuzz.ratio, score_cutoff=CUTOFF, limit=8)
    if not found:
        return None
    best = max(score for _, score, _ in found)
    # Ties go to the greatest name, as difflib breaks them: the newest of two releases, say.
    return str(max(choice for choice, score, _ in found if score == best))


def suggest(name: str, candidates: Iterable[str]) -> str:
    """Return " (did you mean 'x'?)" for the nearest candidate, or ''."""
    match = nearest(name, candidates)
    return f" (did you mean '{match}'?)" if match else ""


MAX_NAMES = 15  # a message lists at most this many names: a list of thousands helps nobody


def names(values: Iterable[str]) -> str:
    """Return values as a comma-separated list for a message, the first few of a long one."""
    listed = list(values)
    if not listed:
        return "(none configured)"
    shown = ", ".join(listed[:MAX_NAMES])
    return shown if len(listed) <= MAX_NAMES else f"{shown} and {len(listed) - MAX_NAMES} more"
