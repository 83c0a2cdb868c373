"""`interlock diff`'s pull-request comment against hostile titles, ids, names and paths, read back
through cmark-gfm, the renderer GitHub itself uses: whatever a value holds, the comment has exactly
the elements the template makes, shows the value as text, and mentions or references no one."""

from __future__ import annotations

import functools
import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import cmarkgfm
import pytest
from bs4 import BeautifulSoup
from cmarkgfm.cmark import Options
from hypothesis import example, given
from hypothesis import strategies as st

from conftest import FIXTURES, copy_site
from interlock import build_roadmap, load_settings
from interlock.changes import RoadmapChanges, ScoreMove, StoryMove, compare_roadmaps, render_changes
from interlock.linking import Roadmap
from interlock.model import Diagnostic, StoryProject
from interlock.siteconfig import read_site_options

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "<details open><summary>Approved</summary>",
    "<!-- hidden --> <https://evil.example>",
    "[click](https://evil.example) ![pixel](https://evil.example/p.png) [ref]",
    "https://evil.example/x www.evil.example mail@evil.example",
    "@octocat, @github/security and (@admin)",
    "#1 owner/repo#2 GH-3 gh-4 owner/repo@abc1234",
    "**bold** __strong__ _em_ ~strike~ ~~strike~~",
    "`code` ``two`` ``` ~~~ ~~~~~",
    "cell | broken | table \\| \\\\|",
    "# heading",
    "> quote",
    "- item",
    "1. item",
    "- [x] task",
    "line\nbreak\r\n### heading\rthree\u2028four\u2029five\x85six\x0bseven\x0ceight",
    "\n---\n",
    "=== \n===",
    "&#64;octocat &lt;b&gt; &amp;",
    "trailing \\",
    "\\`",
    "`",
    "\u202eevil\u202c and \x00\x07\x1b[31m",
    "[ref]: https://evil.example",
    ":+1: *",
]
ZWSP = "\u200b"
# The elements and attributes the template makes: headings, the summary paragraph, tables, lists,
# code, bold and one fenced block (cmark-gfm writes its info string as `lang`, as GitHub does).
ELEMENTS = {"h3", "h4", "p", "table", "thead", "tbody", "tr", "th", "td", "ul", "li", "code", "strong", "pre"}
SECTIONS = [
    "Stories added",
    "Stories removed",
    "Stories renamed",
    "Status changes",
    "Score and rank",
    "Projects added or dropped",
    "Alignment with team priorities",
    "Liaisons",
    "Priority lists",
    "Checker",
]
# What GitHub links after rendering (its mention and issue-reference filters, paraphrased).
REFERENCES = re.compile(r"@[A-Za-z0-9]|#[0-9]|\bGH-[0-9]", re.IGNORECASE)
INVISIBLE = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def to_html(markdown: str) -> BeautifulSoup:
    """Return the comment as GitHub renders it."""
    # Comments keep their line breaks (HARDBREAKS); UNSAFE lets raw HTML through as HTML, so any that
    # escaped the filters shows up below as an element instead of being dropped by the renderer.
    html = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_HARDBREAKS)
    return BeautifulSoup(html, "html.parser")


def visible(text: str) -> str:
    """Return text as a reader compares it: no zero-width spaces or invisible controls, spacing collapsed."""
    return " ".join(INVISIBLE.sub("", text.replace(ZWSP, "")).split())


def unspaced(text: str) -> str:
    """Return the visible characters of text, without any spacing."""
    return "".join(visible(text).split())


def shape(soup: BeautifulSoup) -> list[tuple[str, list[tuple[str, str]]]]:
    """Return every element of a rendering in order, with its attributes: its structure without its text."""
    return [(tag.name, sorted((k, str(v)) for k, v in tag.attrs.items())) for tag in soup.find_all(True)]


def assert_inert(soup: BeautifulSoup) -> None:
    """Check that a rendering holds only the template's elements, whole table rows, and no references."""
    assert {tag.name for tag in soup.find_all(True)} <= ELEMENTS
    assert not soup.find_all(["a", "img"])
    assert all(tag.attrs == ({"lang": "text"} if tag.name == "pre" else {}) for tag in soup.find_all(True))
    for table in soup.find_all("table"):
        columns = len(table.find_all("th"))
        assert all(len(row.find_all("td")) == columns for row in table.find("tbody").find_all("tr"))
    # Code too: an e-mail reply quotes the comment as plain text, and GitHub reads mentions in that.
    assert not REFERENCES.search(soup.get_text())


def load(root: Path) -> Roadmap:
    options, site = read_site_options(root / "mkdocs.yml")
    return build_roadmap(load_settings(options, site))


@functools.cache
def minimal_roadmap() -> Roadmap:
    """The minimal fixture's roadmap, loaded once; `every_kind_of_change` copies what it changes."""
    return load(FIXTURES / "minimal")


@functools.cache
def plain_report() -> BeautifulSoup:
    """The report with every section filled with a plain word, to compare hostile ones with."""
    changes, head = every_kind_of_change(minimal_roadmap(), "plain")
    return to_html(render_changes(changes, minimal_roadmap(), head))


@pytest.fixture
def minimal() -> Roadmap:
    return minimal_roadmap()


def every_kind_of_change(roadmap: Roadmap, value: str) -> tuple[RoadmapChanges, Roadmap]:
    """Return changes with every section of the report filled with `value`, and the head roadmap they refer to."""
    head = replace(roadmap, stories=dict(roadmap.stories), scores=dict(roadmap.scores), ranks=dict(roadmap.ranks))
    head.stories[value] = replace(roadmap.stories["draft"], id=value, title=value, status=value, projects={value: StoryProject(value)})
    head.scores[value], head.ranks[value] = 12.5, 7
    move = ScoreMove(value, value, 50.0, 40.0, 2, 3)
    changes = RoadmapChanges(
        value,
        value,
        added=[(value, value)],
        removed=[(value, value), (value, value)],
        renamed=[(value, value, value)],
        statuses=[StoryMove(value, value, value, value)] * 2,
        scores=[move],
        rank_shifts=[replace(move, score_after=50.0)],
        projects=[StoryMove(value, value, value, value)],
        alignments=[(value, value, value, value, value)],
        liaisons=[(value, value, value, value, value)],
        priority_lists=[(value, value)],
        new_diagnostics=[
            Diagnostic(value, 1, 2, "R101", "error", f"unknown project '{value}'"),
            Diagnostic(value, 3, 4, "R102", "error", value),
        ],
        fixed_diagnostics=1,
        base_stories=4,
        head_stories=5,
    )
    return changes, head


def check_report(value: str) -> None:
    """Render every section with `value` everywhere and compare it with the same report made of plain words."""
    changes, head = every_kind_of_change(minimal_roadmap(), value)
    report = to_html(render_changes(changes, minimal_roadmap(), head))
    plain = plain_report()
    assert_inert(report)
    assert shape(report) == shape(plain)
    # The value shows in full wherever the plain word did: escaped, not dropped. (Spacing is left out
    # of the comparison: a line break in a value becomes a space, and text, unlike code, collapses runs.)
    assert unspaced(report.get_text()) == unspaced(plain.get_text().replace("plain", value))


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_value_anywhere_in_the_report_is_shown_as_text(value: str) -> None:
    check_report(value)


# Any text, and text made of the pieces Markdown and GitHub give a meaning to, so that examples
# combine them far more often than random characters would.
PIECES = [*"<>[]()!*_~`#|\\@-+=.:/&;'\" \t\n\r", "\u2028", "a", "1", "www.", "http://", "GH-", "&#64;", "<b>", "](", "```"]


@given(st.one_of(st.text(), st.lists(st.sampled_from(PIECES)).map("".join)).filter(lambda text: visible(text) != ""))
@example("0@.A")  # found by this test: GitHub's e-mail autolinks ignore the escapes of '@' and '.'
def test_no_value_changes_the_structure_of_the_report(value: str) -> None:
    check_report(value)


def test_the_report_has_the_template_headings_and_one_row_per_entry(minimal: Roadmap) -> None:
    changes, head = every_kind_of_change(minimal, "<h1>@octocat</h1>\n# x\n| a | b |")
    report = to_html(render_changes(changes, minimal, head))
    revision = f"<h1>@{ZWSP}octocat</h1> # x | a | b |"
    assert [h.get_text() for h in report.find_all(["h1", "h2", "h3", "h5", "h6"])] == [f"Roadmap changes: {revision} → {revision}"]
    assert [h.get_text() for h in report.find_all("h4")] == SECTIONS
    rows = [len(table.find("tbody").find_all("tr")) for table in report.find_all("table")]
    assert rows == [1, 2, 1, 1, 1, 1]  # added, statuses, scores, projects, alignments, liaisons
    assert [len(ul.find_all("li")) for ul in report.find_all("ul")] == [2, 1, 1]  # removed, renamed, priority lists


def test_no_diagnostic_can_close_the_fenced_block(minimal: Roadmap) -> None:
    messages = ["ok", "~~~", "\n~~~~~~\n# Approved\n<img src=x>", "```", "~~~ ~~~~ ~"]
    changes = RoadmapChanges("base", "head", new_diagnostics=[Diagnostic("stories/a.md", 1, 1, "R102", "error", m) for m in messages])
    markdown = render_changes(changes, minimal, minimal)
    assert "\n~~~~~~~text\n" in markdown  # one tilde more than the longest run in any message
    report = to_html(markdown)
    assert_inert(report)
    (block,) = report.find_all("pre")
    assert block.get_text().splitlines() == [f"stories/a.md:1:1: error: R102 {' '.join(m.splitlines())}" for m in messages]
    assert [h.get_text() for h in report.find_all("h4")] == ["Checker"]


def test_revisions_and_ids_keep_their_backticks_pipes_and_spaces(minimal: Roadmap) -> None:
    for value in ["`a`", "a``b", " a ", "a|b", "a\\|b", "|"]:
        changes, head = every_kind_of_change(minimal, value)
        report = to_html(render_changes(changes, minimal, head))
        codes = [c.get_text() for c in report.find_all("code") if c.parent.name != "pre" and c.get_text() != "interlock check"]
        assert codes and set(codes) == {value}, value


def test_hostile_inputs_from_pull_request_files_reach_the_report_as_text(tmp_path: Path) -> None:
    """The real path: two sites of the minimal fixture, the second with hostile titles, names and file names."""
    (tmp_path / "base").mkdir()
    base = copy_site(FIXTURES / "minimal", tmp_path / "base")
    head = tmp_path / "head"
    shutil.copytree(base, head)
    title = "<details><summary>LGTM</summary> @octocat [x](https://evil.example) #1 | `"
    unplanned = (head / "stories" / "unplanned.md").read_text("utf-8")
    unplanned = unplanned.replace("title: Unplanned story", f"title: {json.dumps(title)}").replace("status: proposed", "status: parked")
    unplanned = unplanned.replace("  alpha:\n", f"  {json.dumps('@github/admins|x')}:\n    gap: none\n  alpha:\n")
    (head / "stories" / "unplanned.md").write_text(unplanned, "utf-8")
    planned = (head / "stories" / "planned.md").read_text("utf-8")
    bob = "<img src=x onerror=window.__pwned=1> Bob"  # a liaison the fixture's alpha list already has
    (head / "stories" / "planned.md").write_text(planned.replace("liaison: Ann Lee", f"liaison: {json.dumps(bob)}"), "utf-8")
    project = "@octocat`|#2"
    beta = (head / "priorities" / "beta.yaml").read_text("utf-8").replace("project: beta", f"project: {json.dumps(project)}")
    (head / "priorities" / f"{project}.yaml").write_text(beta, "utf-8")
    (head / "stories" / "x\n~~~~\n# Approved <img src=x> @octocat.md").write_text(
        (head / "stories" / "draft.md").read_text("utf-8"), "utf-8"
    )

    before, after = load(base), load(head)
    changes = compare_roadmaps(before, after, {})
    report = to_html(render_changes(changes, before, after))
    assert_inert(report)
    sections = [h.get_text() for h in report.find_all("h4")]
    assert {"Status changes", "Projects added or dropped", "Liaisons", "Checker"} <= set(sections) <= set(SECTIONS)
    cells = [visible(td.get_text()) for td in report.find_all("td")]
    assert f"unplanned {visible(title)}" in cells
    assert "@github/admins|x" in cells and visible(bob) in cells
    (block,) = report.find_all("pre")
    lines = [visible(line) for line in block.get_text().splitlines()]
    assert lines == [visible(d.format()) for d in changes.new_diagnostics]
    assert any("# Approved" in line for line in lines)
    # A project file name that is not a valid id is reported, one that is becomes a priority list.
    items = [visible(li.get_text()) for li in report.find_all("li")]
    assert items == [f"{project} added"] or any(f"{project}.yaml" in line for line in lines)
