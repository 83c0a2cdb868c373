"""The checker's body rules judge the HTML the site would publish: prose and code are never findings,
text a build would drop is reported at its line, and what GitHub's preview shows otherwise is a
warning (R313) that says the portable way to write it."""

from __future__ import annotations

from pathlib import Path

import pytest

from interlock import Diagnostic, build_roadmap, load_settings

PRIORITIES = """\
project: alpha
name: Alpha
liaisons: [{name: Ann Lee}]
releases:
  "2025.1":
    priorities: [{id: upgrades, title: Upgrades}]
"""

STORY = """\
---
title: Upgrades without downtime
status: draft
ref: UPG
authors: [Ann Author <ann@example.org>]
personas: [cloud operator]
target_release: "2025.1"
projects:
  alpha:
    gap: Alpha restarts every service at once.
---

## Problem description
"""
BODY_LINE = STORY.count("\n") + 1  # the file line of the first line of text below the heading


def diagnostics(tmp_path: Path, text: str) -> list[Diagnostic]:
    for folder in ("stories", "priorities"):
        (tmp_path / folder).mkdir(exist_ok=True)
    (tmp_path / "priorities" / "alpha.yaml").write_text(PRIORITIES, "utf-8")
    (tmp_path / "stories" / "upgrades.md").write_text(STORY + text, "utf-8")
    settings = load_settings({"releases": ["2025.1"], "personas": ["cloud operator"], "criteria": {"impact": 1}}, tmp_path)
    return list(build_roadmap(settings).diagnostics)


@pytest.mark.parametrize(
    "text",
    [
        "Requires Javascript: >= v0.10.3 on the dashboard hosts.\n",
        "Links that start with javascript: are refused by the dashboard.\n",
        "Call `type(<object>)` to see the class.\n",
        "```python\nprint(type(<object>))\n<script>alert(1)</script>\n```\n",
        "    <iframe src=https://other.example.org></iframe>\n",
        "- In a list:\n  ```\n  <script>alert(1)</script>\n  ```\n- and `<object>` inline\n",
        '--8<-- "notes.md"\n',
        "See <![ here.\n",
        "A comparison: 3 < 5 and <5% of hosts.\n",
    ],
)
def test_prose_and_code_are_never_findings(tmp_path: Path, text: str) -> None:
    assert [d for d in diagnostics(tmp_path, text) if d.severity == "error"] == []


@pytest.mark.parametrize(
    ("text", "line", "code"),
    [
        ("Text.\n\nUse type(<object>) here.\n", 3, "R307"),  # not code: the page would hold an <object> element
        ("Text.\n<![CDATA[ the rest\n\nis hidden\n", 2, "R312"),
        ("Text.\n\n<!-- never closed\n\nhidden\n", 3, "R312"),
        ("- a\n  - b\n    <img src=x onerror=alert(1)>\n", 3, "R307"),
    ],
)
def test_what_the_page_would_do_is_reported_at_its_line(tmp_path: Path, text: str, line: int, code: str) -> None:
    found = [(d.line, d.code) for d in diagnostics(tmp_path, text) if d.severity == "error"]
    assert found == [(BODY_LINE + line - 1, code)]


def test_github_differences_are_warnings_at_their_line(tmp_path: Path) -> None:
    text = "Steps:\n- drain\n+ upgrade\n\n| Host | State |\n| --- | --- |\n"
    found = [(d.line, d.code, d.severity) for d in diagnostics(tmp_path, text)]
    assert found == [(BODY_LINE + 2, "R313", "warning"), (BODY_LINE + 4, "R313", "warning")]


def test_lists_written_the_github_way_pass_without_a_word(tmp_path: Path) -> None:
    text = "We need:\n- live migration\n  - of every instance\n1) drain\n2) upgrade\n- [x] spec\n\n~~old~~ https://example.org\n"
    assert diagnostics(tmp_path, text) == []
