"""The near-duplicate rule compares texts through a prefix test first: it must rule out only pairs
that comparing whole texts rules out, so the pairs found are exactly those of comparing all."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq

from interlock.cache import Store
from interlock.rules.references import _PREFIX, _prefix_test, _similar_pairs

WORDS = [
    "the",
    "a",
    "quota",
    "volume",
    "network",
    "node",
    "share",
    "image",
    "limit",
    "per",
    "tenant",
    "upgrade",
    "rolling",
    "live",
    "migrate",
]


def prose(rng: random.Random, size: int) -> str:
    words: list[str] = []
    while len(" ".join(words)) < size:
        words.append(rng.choice(WORDS))
    return " ".join(words)[:size]


def edited(rng: random.Random, text: str, edits: int) -> str:
    chars = list(text)
    for _ in range(edits):
        at = rng.randrange(len(chars) + 1)
        kind = rng.random()
        if kind < 0.4 and chars:
            del chars[min(at, len(chars) - 1)]
        elif kind < 0.8:
            chars.insert(at, rng.choice("abcdefgh "))
        elif chars:
            chars[min(at, len(chars) - 1)] = rng.choice("xyz")
    return "".join(chars)


def all_pairs(texts: list[str], cutoff: float, shortest: int) -> set[tuple[int, int]]:
    """The pairs comparing every text with every other finds."""
    return {
        (i, j)
        for i, j in itertools.combinations(range(len(texts)), 2)
        if len(texts[i]) >= shortest and len(texts[j]) >= shortest and fuzz.ratio(texts[i], texts[j]) >= cutoff
    }


@settings(max_examples=400, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    size=st.integers(_PREFIX + 1, 450),
    edits=st.integers(0, 70),
    cutoff=st.sampled_from([80, 88, 90, 92, 95, 99]),
)
def test_a_pair_that_reaches_the_cutoff_passes_the_prefix_test(seed: int, size: int, edits: int, cutoff: int) -> None:
    rng = random.Random(seed)
    a = prose(rng, size)
    b = edited(rng, a, edits)
    assume(b and fuzz.ratio(a, b) >= cutoff)
    for query, other in ((a, b), (b, a)):
        need, slack = _prefix_test(len(query), cutoff, min(len(a), len(b)), max(len(a), len(b)))
        assert LCSseq.similarity(query[:_PREFIX], other[: _PREFIX + slack]) >= need


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32), cutoff=st.sampled_from([85, 90, 92]))
def test_the_pairs_found_are_those_of_comparing_every_pair(seed: int, cutoff: int) -> None:
    rng = random.Random(seed)
    texts: list[str] = []
    while len(texts) < 70:  # originals and their near copies, many cut to one length as problem statements are
        size = rng.choice([400, 400, 400, rng.randrange(20, 400)])
        original = prose(rng, size)
        texts.append(original)
        for _ in range(rng.randrange(3)):
            copy = edited(rng, original, rng.randrange(40))
            texts.append(copy[:400])
    rng.shuffle(texts)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("interlock.rules.references.PROBLEM_SIMILARITY", cutoff)
        found = _similar_pairs("problem description", texts.__getitem__, len(texts), Store.off(), 40)
    assert found == all_pairs(texts, cutoff, 40)


def test_most_pairs_are_ruled_out_by_the_prefix() -> None:
    """Texts cut to 400 characters near a cutoff of 92: the prefix keeps a third of the comparison's
    characters and asks for two thirds of a match."""
    need, slack = _prefix_test(400, 92, 400, 400)
    assert (need, slack) == (_PREFIX - 32, 32)
    assert _prefix_test(_PREFIX, 92, 1, 400) == (0, 0)  # no longer than the prefix: compared whole
    assert _prefix_test(300, 92, 1, 40)[0] <= 0 or _prefix_test(300, 92, 1, 40) == (0, 0)  # no partner can be near
