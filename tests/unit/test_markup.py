"""The body converter skips inline patterns that cannot match a text: the HTML must be exactly that
of Python-Markdown trying every pattern, on real bodies and on generated ones."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import frontmatter
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_gfm import CASES

from conftest import REPO
from interlock.markup import expression_key, make_markdown, needles_of

sys.path.insert(0, str(REPO / "bench"))
from corpus import proposal_sections  # noqa: E402 - the bench's generator of real-sized proposals

NEEDLES = make_markdown()
PLAIN = make_markdown(needles=False)


def both(text: str) -> tuple[tuple[str, object], tuple[str, object]]:
    found: list[tuple[str, object]] = []
    for md in (NEEDLES, PLAIN):
        md.reset()
        try:
            found.append((md.convert(text), md.toc_tokens))
        except Exception as exc:  # noqa: BLE001 - an extension's own failure must be the same both ways
            found.append(("failed", type(exc).__name__))
    return found[0], found[1]


def test_every_inline_pattern_of_the_body_converter_is_known() -> None:
    # A new pattern, or a library's changed expression, is always tried (correct, and slower): this says so.
    unknown = [f"{type(p).__name__} {expression_key(p)}" for p in NEEDLES.inlinePatterns if needles_of(p) is None]
    assert unknown == [], "add these to markup._NEEDLES, with what every match of each holds"


def test_the_needle_processor_is_the_one_that_runs() -> None:
    assert type(NEEDLES.treeprocessors["inline"]).__name__ == "_NeedleInlineProcessor"
    assert type(PLAIN.treeprocessors["inline"]).__name__ == "InlineProcessor"


@pytest.mark.parametrize("path", sorted((REPO / "stories").glob("*.md")), ids=lambda p: p.name)
def test_demo_stories_convert_the_same(path: Path) -> None:
    text = frontmatter.loads(path.read_text("utf-8")).content
    a, b = both(text)
    assert a == b


def test_gfm_cases_convert_the_same() -> None:
    for _, case, text, _ in CASES:
        a, b = both(text)
        assert a == b, case


@pytest.mark.parametrize("seed", range(6))
def test_generated_proposals_convert_the_same(seed: int) -> None:
    text = proposal_sections(random.Random(seed), "ABC", f"story-{seed}", range(seed % 3, 4 + seed % 5), seed % 2 == 0)
    a, b = both(text)
    assert a == b


# What the inline patterns look for, and what is near it: every needle, cut and in other cases.
_PIECES = st.sampled_from(
    [
        *("`", "``", "\\", "\\\n", "[", "]", "(", ")", "![", "[^1]", "[^1]: note\n", "<", ">", "@", "&", ";", "&amp;", "&#65;"),
        *("*", "**", "_", "__", "~", "~~", "  \n", "\n", "\n\n", " ", "a", "word", ":", "/", "://", "http", "HTTPS://", "www.", "WwW."),
        *("ftp.", "x@y.io", "<a@b.c>", "<http://h.io>", "[t](u)", "[t][r]\n\n[r]: /u\n", "<b>", "</b>", "<!-- c -->", "- ", "1. "),
        *("\u0130", "\u017f", "# ", "## h\n", "| a |\n|---|\n", "```\n"),
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
@example("www.example.org and http://h.io/x, <a@b.c> & [x](y) `c` ~~d~~ *e* \\\n")
def test_generated_texts_convert_the_same(text: str) -> None:
    a, b = both(text)
    assert a == b


def test_the_converter_keeps_the_differences_of_its_last_conversion() -> None:
    from interlock.body import github_differences
    from interlock.markup import found_differences

    text = "- one\n* two\n"  # a '*' item after '-' items: R313
    NEEDLES.reset()
    NEEDLES.convert(text)
    assert found_differences(NEEDLES) == github_differences(text) != []
    NEEDLES.reset()
    assert found_differences(NEEDLES) is None  # reset forgets them
    NEEDLES.convert("")  # no lines read: nothing found, nothing left from before
    assert found_differences(NEEDLES) is None
