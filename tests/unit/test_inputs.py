"""The input folders: every entry is read or reported; links, reserved names and folders outside the site are refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import FIXTURES, copy_site
from interlock import build_roadmap, load_settings
from interlock.rules import SettingsError
from interlock.siteconfig import read_site_options


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return copy_site(FIXTURES / "minimal", tmp_path)


def problems(root: Path) -> list[str]:
    options, base = read_site_options(root / "mkdocs.yml")
    roadmap = build_roadmap(load_settings(options, base))
    return [f"{d.path} {d.code}" for d in roadmap.diagnostics if d.code in ("R007", "R008", "R010", "R011")]


def test_links_out_of_the_repository_and_loops_are_refused(site: Path, tmp_path: Path) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-secret.md"
    outside.write_text("---\ntitle: Secret\n---\n", "utf-8")
    (site / "stories" / "leak.md").symlink_to(outside)
    (site / "stories" / "loop.md").symlink_to(site / "stories" / "loop.md")
    (site / "stories" / "dangling.md").symlink_to(site / "stories" / "nothing.md")
    (site / "stories" / "inside.md").symlink_to(site / "stories" / "planned.md")
    (site / "priorities" / "etc.yaml").symlink_to("/etc/hostname")
    found = problems(site)
    assert found == [
        "priorities/etc.yaml R010",
        "stories/dangling.md R010",
        "stories/leak.md R010",
        "stories/loop.md R010",
    ]
    options, base = read_site_options(site / "mkdocs.yml")
    roadmap = build_roadmap(load_settings(options, base))
    assert "leak" not in roadmap.stories and "inside" in roadmap.stories
    assert roadmap.stories["inside"].path == "stories/inside.md"  # the link's own name, never its target's path


def test_every_entry_is_read_or_reported(site: Path) -> None:
    (site / "stories" / ".gitkeep").write_text("", "utf-8")
    (site / "stories" / "notes.txt").write_text("x", "utf-8")
    (site / "stories" / "misc").mkdir()
    (site / "stories" / "planned").mkdir()  # a story's own folder: its attachments
    (site / "stories" / "index.md").write_text("---\ntitle: x\n---\n", "utf-8")
    (site / "stories" / "Mixed Case.md").write_text("---\ntitle: x\n---\n", "utf-8")
    (site / "priorities" / "index.yaml").write_text("project: index\n", "utf-8")
    assert problems(site) == [
        "priorities/index.yaml R011",
        "stories/.gitkeep R008",
        "stories/Mixed Case.md R007",
        "stories/index.md R011",
        "stories/misc R008",
        "stories/notes.txt R008",
    ]


@pytest.mark.parametrize("value", ["../elsewhere", "/etc", "~/stories", "stories/../../x"])
def test_input_folders_must_stay_inside_the_site(site: Path, value: str) -> None:
    with pytest.raises(SettingsError, match="outside the site's folder"):
        load_settings({"releases": ["a"], "criteria": {"x": 1}, "stories_dir": value}, site)


def test_an_input_folder_that_links_out_is_refused(site: Path, tmp_path: Path) -> None:
    (tmp_path.parent / f"{tmp_path.name}-elsewhere").mkdir()
    os.symlink(tmp_path.parent / f"{tmp_path.name}-elsewhere", site / "linked")
    with pytest.raises(SettingsError, match="outside the site's folder"):
        load_settings({"releases": ["a"], "criteria": {"x": 1}, "stories_dir": "linked"}, site)


def test_a_missing_input_folder_is_a_configuration_error(site: Path) -> None:
    with pytest.raises(SettingsError, match="the folder 'stories-typo' does not exist"):
        load_settings({"releases": ["a"], "criteria": {"x": 1}, "stories_dir": "stories-typo"}, site)


@pytest.mark.parametrize(("releases", "message"), [(["index"], "address of a generated page"), (["A b", "a-b"], "would share")])
def test_release_names_that_clash_with_pages(site: Path, releases: list[str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings({"releases": releases, "criteria": {"x": 1}}, site)
