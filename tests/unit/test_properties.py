"""Property tests: no input, however broken, makes the loader, the rules, the linking or the
templates raise; every problem ends as a diagnostic at a line of the file.

CI runs a bounded number of examples; `bench/fuzz` runs many more (HYPOTHESIS_PROFILE=fuzz)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from conftest import FIXTURES
from interlock.export import export_model
from interlock.linking import build_roadmap
from interlock.render import Renderer
from interlock.rules import load_settings
from interlock.siteconfig import read_site_options
from interlock.urls import Urls

VALID = (FIXTURES / "minimal" / "stories" / "planned.md").read_text("utf-8")


class Site:
    """The minimal fixture's configuration and priority lists, with one story file to vary."""

    def __init__(self, root: Path) -> None:
        shutil.copy(FIXTURES / "minimal" / "mkdocs.yml", root / "mkdocs.yml")
        shutil.copytree(FIXTURES / "minimal" / "priorities", root / "priorities")
        shutil.copytree(FIXTURES / "minimal" / "stories", root / "stories")
        options, base = read_site_options(root / "mkdocs.yml")
        self.settings = load_settings(options, base)
        self.story = root / "stories" / "fuzzed.md"

    def check(self, raw: bytes) -> None:
        """Load, check, link and render with `raw` as one story; assert every diagnostic is well placed."""
        self.story.write_bytes(raw)
        roadmap = build_roadmap(self.settings)
        lines = raw.count(b"\n") + 2  # a problem may sit just after the last line (a missing section)
        for d in roadmap.diagnostics:
            assert d.code.startswith("R") and d.message, d
            assert d.severity in ("error", "warning"), d
            if d.path == "stories/fuzzed.md":
                assert 1 <= d.line <= lines and d.col >= 1, d
        renderer = Renderer(roadmap, Urls())
        for story in roadmap.stories.values():
            renderer.story_page(story)
        for project in roadmap.projects.values():
            renderer.project_page(project)
        renderer.stories_index()
        renderer.ranking_page()
        export_model(roadmap, Urls())


@pytest.fixture(scope="module")
def fuzz_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return Site(tmp_path_factory.mktemp("fuzz"))


@given(st.binary(max_size=2000))
def test_arbitrary_bytes(fuzz_site: Site, raw: bytes) -> None:
    fuzz_site.check(raw)


@given(st.binary(max_size=500))
def test_arbitrary_bytes_after_a_front_matter_fence(fuzz_site: Site, raw: bytes) -> None:
    fuzz_site.check(b"---\n" + raw)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=40,
)


@given(
    st.dictionaries(
        st.sampled_from(["title", "status", "ref", "authors", "projects", "weights", "related", "x"]) | st.text(max_size=8),
        json_values,
        max_size=8,
    )
)
def test_arbitrary_yaml_front_matter(fuzz_site: Site, front: dict[str, object]) -> None:
    text = "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n\n## Problem description\ntext\n"
    fuzz_site.check(text.encode("utf-8"))


mutations = st.sampled_from(
    [
        "drop",
        "duplicate",
        "rename",
        "retype_list",
        "retype_map",
        "huge",
        "deep",
        "unicode",
        "tab",
        "alias",
        "blank",
    ]
)


def mutate(text_lines: list[str], index: int, kind: str, noise: str) -> list[str]:
    lines = list(text_lines)
    i = index % len(lines)
    line = lines[i]
    key, sep, value = line.partition(":")
    if kind == "drop":
        del lines[i]
    elif kind == "duplicate":
        lines.insert(i, line)
    elif kind == "rename" and sep:
        lines[i] = key + noise[:5] + sep + value
    elif kind == "retype_list" and sep:
        lines[i] = key + sep + " [1, [2, {a: b}]]\n"
    elif kind == "retype_map" and sep:
        lines[i] = key + sep + " {x: 1, y: [true, null]}\n"
    elif kind == "huge" and sep:
        lines[i] = key + sep + ' "' + "x" * 200_000 + '"\n'
    elif kind == "deep" and sep:
        lines[i] = key + sep + " " + "[" * 60 + "]" * 60 + "\n"
    elif kind == "unicode":
        lines[i] = line.rstrip("\n") + " " + noise + "\n"
    elif kind == "tab":
        lines[i] = "\t" + line
    elif kind == "alias" and sep:
        lines[i] = key + sep + " &a [x, *a]\n"
    elif kind == "blank":
        lines[i] = "\n"
    return lines


@given(
    st.lists(st.tuples(st.integers(0, 200), mutations, st.text(max_size=8)), min_size=1, max_size=4),
    st.booleans(),
    st.booleans(),
)
def test_mutated_valid_story(fuzz_site: Site, steps: list[tuple[int, str, str]], bom: bool, crlf: bool) -> None:
    lines = VALID.splitlines(keepends=True)
    for index, kind, noise in steps:
        lines = mutate(lines, index, kind, noise) or ["\n"]
    text = "".join(lines)
    if crlf:
        text = text.replace("\n", "\r\n")
    raw = text.encode("utf-8", "surrogatepass")
    fuzz_site.check((b"\xef\xbb\xbf" if bom else b"") + raw)


def test_the_unmutated_story_is_clean(fuzz_site: Site) -> None:
    s = fuzz_site
    s.story.write_text(VALID.replace("ref: PLA", "ref: FUZ").replace("PLA0", "FUZ0"), "utf-8")
    roadmap = build_roadmap(s.settings)
    assert [d for d in roadmap.diagnostics if d.path == "stories/fuzzed.md"] == []
