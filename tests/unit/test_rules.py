"""One rule at a time: a valid story with one change, and the codes it must produce."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock import build_roadmap, load_settings
from interlock.rules import SettingsError
from interlock.rules.suggest import CUTOFF, nearest

PRIORITIES = """\
project: alpha
name: Alpha
liaisons: [{name: Ann Lee}]
releases:
  "2025.1":
    priorities: [{id: upgrades, title: Upgrades}]
    without_plan: [{id: quotas, title: Quotas}]
"""

VALID = """\
---
title: A story
status: accepted
ref: ABC
authors: [Ann Author <ann@example.org>]
personas: [cloud operator]
target_release: "2025.1"
weights: {impact: 3, reach: 2}
projects:
  alpha:
    gap: Missing.
    priorities: [upgrades]
    liaison: Ann Lee
---

## Problem description
Text.

## Opportunity
Text.

## Use cases
- ABC001 As a cloud operator, I want x, so that y.

## Usage scenarios
Text.

## Acceptance criteria
- Works (ABC001).
"""


def codes_for(tmp_path: Path, story: str, name: str = "story") -> list[str]:
    (tmp_path / "stories").mkdir(exist_ok=True)
    (tmp_path / "priorities").mkdir(exist_ok=True)
    (tmp_path / "priorities" / "alpha.yaml").write_text(PRIORITIES, "utf-8")
    (tmp_path / "stories" / f"{name}.md").write_text(story, "utf-8")
    settings = load_settings({"releases": ["2025.1"], "personas": ["cloud operator"], "criteria": {"impact": 2, "reach": 1}}, tmp_path)
    return [d.code for d in build_roadmap(settings).diagnostics]


def test_valid_story_has_no_problem(tmp_path: Path) -> None:
    assert codes_for(tmp_path, VALID) == []


@pytest.mark.parametrize(
    ("old", "new", "codes"),
    [
        ("title: A story", "title: A story\ntitel: x", ["R101"]),
        ("title: A story\n", "", ["R102"]),
        ("status: accepted", "status: acepted", ["R105"]),
        ("status: accepted", "status: accepted\nstatus: draft", ["R004"]),
        ("ref: ABC", "ref: abc", ["R107"]),
        ("ref: ABC", "ref: 123", ["R104"]),
        ("authors: [Ann Author <ann@example.org>]", "authors: []", ["R108"]),
        ("authors: [Ann Author <ann@example.org>]", "authors: Ann", ["R103"]),
        ('target_release: "2025.1"', "target_release: 2025.1", ["R104"]),
        # An unknown release is one root cause: the priority items are not checked against it as well.
        ('target_release: "2025.1"', 'target_release: "2030.1"', ["R205"]),
        ('target_release: "2025.1"\n', "", ["R102"]),
        ("personas: [cloud operator]", "personas: [cloud operater]", ["R204"]),
        ("personas: [cloud operator]", "personas: [no]", ["R104"]),
        ("{impact: 3, reach: 2}", "{impact: 6, reach: 2}", ["R106"]),
        ("{impact: 3, reach: 2}", "{impact: 3}", ["R209"]),
        ("{impact: 3, reach: 2}", "{impact: 3, reach: 2, fun: 1}", ["R210"]),
        ("{impact: 3, reach: 2}", "{impact: 3, reach: '2'}", ["R103"]),
        ("  alpha:", "  alpah:", ["R201"]),
        ("[upgrades]", "[upgrade]", ["R202"]),
        ("[upgrades]", "[quotas]", []),
        ("liaison: Ann Lee", "liaison: Ann Le", ["R203"]),
        ("    liaison: Ann Lee\n", "", ["R102"]),
        ("    gap: Missing.\n", "", ["R102"]),
        ("    gap: Missing.", "    gap: ''", ["R102"]),
        (
            "    liaison: Ann Lee",
            "    liaison: Ann Lee\n    tracking: [{type: spec, title: x, url: 'javascript:x', status: pending}]",
            ["R109"],
        ),
        ("    liaison: Ann Lee", "    liaison: Ann Lee\n    tracking: [{type: spec, title: x, status: done}]", ["R105"]),
        ("    liaison: Ann Lee", "    liaison: Ann Lee\nrelated: [story]", ["R207"]),
        ("    liaison: Ann Lee", "    liaison: Ann Lee\nrelated: [other]", ["R206"]),
        ("## Opportunity\nText.", "## Opportunity\nNone.", ["R302"]),
        ("## Opportunity\nText.", "## Opportunity/Justification\nText.", []),
        ("## Usage scenarios\nText.\n", "", ["R301"]),
        ("- ABC001 As", "- As", ["R303", "R305"]),
        ("- ABC001 As", "- XYZ001 As", ["R303", "R305", "R306"]),
        ("- ABC001 As a cloud operator, I want x, so that y.", "- ABC001 x\n- ABC001 y", ["R304"]),
        ("- Works (ABC001).", "- Works (ABC001, ABC002).", ["R305"]),
        ("- Works (ABC001).", "- Works.", ["R308", "R306"]),
        ("Text.\n\n## Use", "<iframe src=x></iframe>\n\n## Use", ["R307"]),
        ("Text.\n\n## Use", "[x](javascript:alert(1))\n\n## Use", ["R307"]),
        ("Text.\n\n## Use", "```html\n<script>shown as code</script>\n```\n\n## Use", []),
    ],
)
def test_single_rule(tmp_path: Path, old: str, new: str, codes: list[str]) -> None:
    assert old in VALID
    assert sorted(codes_for(tmp_path, VALID.replace(old, new, 1))) == sorted(codes)


def test_drafts_are_lenient(tmp_path: Path) -> None:
    draft = "---\ntitle: Idea\nstatus: draft\nref: IDE\nauthors: [Ann]\nprojects:\n  alpha:\n---\nJust an idea.\n"
    assert codes_for(tmp_path, draft) == []


@pytest.mark.parametrize(("name", "codes"), [("Bad Name", ["R007"]), ("index", ["R011"]), ("good-name-2", [])])
def test_story_file_names(tmp_path: Path, name: str, codes: list[str]) -> None:
    assert codes_for(tmp_path, VALID, name) == codes


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"releases": [2025.1], "criteria": {"a": 1}}, "put it in quotes"),
        ({"releases": ["a"], "current_release": "b", "criteria": {"a": 1}}, "'current_release': 'b' is not in 'releases'"),
        ({"releases": ["a", "a"], "criteria": {"a": 1}}, "listed twice"),
        ({"releases": ["a"], "criteria": [1]}, "'criteria' must map"),
        ({"releases": ["a"], "criteria": {"a": 0}}, "positive whole number"),
        ({"releases": ["a"], "criteria": {"a": {"weight": 2, "questoin": "x"}}}, "unknown key 'questoin'"),
    ],
)
def test_settings_problems(tmp_path: Path, options: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(options, tmp_path)
    assert any(message in problem for problem in info.value.problems)


def test_current_release_defaults_to_newest(tmp_path: Path) -> None:
    (tmp_path / "stories").mkdir()
    (tmp_path / "priorities").mkdir()
    assert load_settings({"releases": ["a", "b"], "criteria": {"x": 1}}, tmp_path).current_release == "b"


@settings(max_examples=300, deadline=None)
@given(st.text("abcdeé ", max_size=12), st.lists(st.text("abcdeé ", max_size=12), max_size=8))
def test_the_letter_bound_never_changes_a_suggestion(name: str, candidates: list[str]) -> None:
    # nearest() drops candidates whose shared letters cannot reach the cutoff before asking rapidfuzz.
    from rapidfuzz import fuzz, process

    choices = [c for c in candidates if c != name]
    found = process.extract(name, choices, scorer=fuzz.ratio, score_cutoff=CUTOFF, limit=8) if name and choices else []
    best = max((score for _, score, _ in found), default=None)
    expected = max((c for c, score, _ in found if score == best), default=None)
    assert nearest(name, candidates) == expected


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(["TODO", "TO", "DO", "TBD", "N/A", "n/a", "/", ".", "..", "...", "\u2026", "`", "``", " ", "x", ",", ")"]),
        max_size=14,
    ).map("".join)
)
def test_placeholders_are_found_as_by_the_plain_search(text: str) -> None:
    # find_placeholder passes lines without any placeholder word before searching: it must find the same.
    from interlock.rules.placeholders import _CODE_SPAN, _WORDS, find_placeholder

    match = _WORDS.search(_CODE_SPAN.sub("", text))
    assert find_placeholder(text) == (match.group(0) if match else None)
