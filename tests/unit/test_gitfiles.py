"""`check --changed-since` lists the input files git says changed. `check --staged` reads the working
tree in place only when its input folders are the index's, byte for byte; whatever the working tree
and the index hold, it reports what a check of a copy of the index reports."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import interlock.gitfiles as gitfiles
from conftest import FIXTURES, GitRepo, copy_site
from interlock import cli

STORY = (FIXTURES / "minimal" / "stories" / "draft.md").read_text("utf-8")


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def staged_check(root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *, in_place: bool) -> tuple[int, str]:
    monkeypatch.chdir(root)
    if not in_place:
        monkeypatch.setattr(gitfiles, "staged_in_place", lambda _settings: None)
    status = cli.main(["check", "--staged", "--format", "json"])
    monkeypatch.undo()
    return status, capsys.readouterr().out


@pytest.fixture
def site(git_repo: GitRepo) -> Path:
    root = copy_site(FIXTURES / "minimal", git_repo.root)
    (root / "stories" / "planned").mkdir()
    (root / "stories" / "planned" / "flow.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "site", "--no-verify")
    return root


def stage_edit(root: Path) -> None:
    story = root / "stories" / "draft.md"
    story.write_text(story.read_text("utf-8").replace("status: draft", "status: maybe"), "utf-8")
    git(root, "add", "-A")


EDITS: dict[str, Callable[[Path], None]] = {
    "a staged edit": stage_edit,
    "an edit not staged": lambda root: (root / "stories" / "draft.md").write_text(STORY.replace("ref: DRA", "ref: XYZ"), "utf-8"),
    "a story git does not track": lambda root: (root / "stories" / "new-one.md").write_text(STORY.replace("ref: DRA", "ref: NEW"), "utf-8"),
    "a staged new story": lambda root: (
        (root / "stories" / "new-one.md").write_text(STORY.replace("ref: DRA", "ref: PLA"), "utf-8"),
        git(root, "add", "-A"),
    ),
    "a story deleted from the tree only": lambda root: (root / "stories" / "unplanned.md").unlink(),
    "a staged deletion": lambda root: git(root, "rm", "-q", "stories/unplanned.md"),
    "an empty folder": lambda root: (root / "stories" / "payload").mkdir(),
    "an attachment not staged": lambda root: (root / "stories" / "planned" / "flow.png").write_bytes(b"not a png"),
    "a staged broken attachment": lambda root: (
        (root / "stories" / "planned" / "flow.png").write_bytes(b"not a png"),
        git(root, "add", "-A"),
    ),
    "a link": lambda root: (root / "stories" / "linked.md").symlink_to("draft.md"),
    "line ends converted": lambda root: (
        (root / ".gitattributes").write_text("*.md text eol=crlf\n", "utf-8"),
        git(root, "add", "-A"),
        (root / "stories" / "draft.md").unlink(),
        git(root, "checkout", "--", "stories/draft.md"),  # written with CRLF; the index holds LF
    ),
}
IN_PLACE = {"a staged edit", "a staged new story", "a staged deletion", "a staged broken attachment"}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_in_place_only_when_the_tree_is_the_index_and_then_the_same_answer(
    edit: str, site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("INTERLOCK_CACHE")
    assert gitfiles.staged_in_place(cli._settings(site / "mkdocs.yml")) == set()  # nothing staged yet
    EDITS[edit](site)
    found = gitfiles.staged_in_place(cli._settings(site / "mkdocs.yml"))
    assert (found is not None) == (edit in IN_PLACE), found
    with_copy = staged_check(site, monkeypatch, capsys, in_place=False)
    assert staged_check(site, monkeypatch, capsys, in_place=True) == with_copy  # with the cache the copy's run made
    assert staged_check(site, monkeypatch, capsys, in_place=True) == with_copy  # and answered from it


def test_what_is_staged_is_what_changed_against_head(site: Path) -> None:
    stage_edit(site)
    (site / "stories" / "new-one.md").write_text(STORY.replace("ref: DRA", "ref: NEW"), "utf-8")
    git(site, "add", "-A")
    assert gitfiles.staged_in_place(cli._settings(site / "mkdocs.yml")) == {"stories/draft.md", "stories/new-one.md"}
    git(site, "commit", "-qm", "more", "--no-verify")
    assert gitfiles.staged_in_place(cli._settings(site / "mkdocs.yml")) == set()


def test_a_repository_without_commits_has_everything_staged(tmp_path: Path) -> None:
    root = copy_site(FIXTURES / "minimal", tmp_path)
    git(root, "init", "-q")
    git(root, "add", "-A")
    found = gitfiles.staged_in_place(cli._settings(root / "mkdocs.yml"))
    assert found is not None and "stories/draft.md" in found and "priorities/alpha.yaml" in found


def test_outside_git_nothing_is_claimed(tmp_path: Path) -> None:
    root = copy_site(FIXTURES / "minimal", tmp_path)
    assert gitfiles.staged_in_place(cli._settings(root / "mkdocs.yml")) is None


def test_blob_ids_are_gits(tmp_path: Path) -> None:
    for data in (b"", b"text\n", bytes(range(256)) * 3):
        (tmp_path / "f").write_bytes(data)
        made = subprocess.run(["git", "hash-object", str(tmp_path / "f")], capture_output=True, text=True, check=True).stdout.strip()
        assert gitfiles.blob_id(data) == made


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.sampled_from(sorted(EDITS)), min_size=1, max_size=3))
def test_any_mix_of_edits_gives_the_copys_answer(
    steps: list[str], tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("INTERLOCK_CACHE", raising=False)
    root = copy_site(FIXTURES / "minimal", tmp_path_factory.mktemp("site"))
    GitRepo(root)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "site", "--no-verify")
    for step in steps:
        with contextlib.suppress(OSError, subprocess.CalledProcessError):  # a step the earlier ones made impossible
            EDITS[step](root)
    with_copy = staged_check(root, monkeypatch, capsys, in_place=False)
    assert staged_check(root, monkeypatch, capsys, in_place=True) == with_copy


def test_changed_since_lists_committed_staged_unstaged_deleted_and_new_files(site: Path) -> None:
    base = subprocess.run(["git", "-C", str(site), "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    (site / "stories" / "new-committed.md").write_text(STORY.replace("ref: DRA", "ref: NCO"), "utf-8")
    git(site, "add", "-A")
    git(site, "commit", "-qm", "more", "--no-verify")
    stage_edit(site)
    (site / "priorities" / "alpha.yaml").write_text("not: staged\n", "utf-8")
    (site / "stories" / "unplanned.md").unlink()
    (site / "stories" / "untracked.md").write_text("---\n---\n", "utf-8")
    (site / "elsewhere.md").write_text("not an input\n", "utf-8")
    settings = cli._settings(site / "mkdocs.yml")
    assert gitfiles.changed_since(settings, base) == {
        "stories/new-committed.md",
        "stories/draft.md",
        "priorities/alpha.yaml",
        "stories/unplanned.md",
        "stories/untracked.md",
    }
    assert gitfiles.changed_since(settings, "HEAD") == {
        "stories/draft.md",
        "priorities/alpha.yaml",
        "stories/unplanned.md",
        "stories/untracked.md",
    }
    for ref in ("--output=x", "no-such-branch", "HEAD\n", "", f"{base}:stories"):
        with pytest.raises(gitfiles.RevisionError):
            gitfiles.changed_since(settings, ref)
    assert not (site / "x").exists()


def test_changed_since_outside_git_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_site(FIXTURES / "minimal", tmp_path)
    with pytest.raises(gitfiles.NotInGit):
        gitfiles.changed_since(cli._settings(root / "mkdocs.yml"), "HEAD")
    assert cli.main(["check", "-f", str(root / "mkdocs.yml"), "--changed-since", "HEAD"]) == 2
    assert "--changed-since needs a git repository" in capsys.readouterr().err


def test_folders_nested_deeper_than_pythons_recursion_are_walked(site: Path) -> None:
    deep = site / "stories" / "planned"
    for _ in range(1100):
        deep = deep / "d"
        deep.mkdir()
    (deep / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    try:
        git(site, "add", "-A")
        assert gitfiles.staged_in_place(cli._settings(site / "mkdocs.yml")) == {f"{deep.relative_to(site).as_posix()}/x.png"}
    finally:  # from the bottom: pytest's clean-up of old runs recurses
        (deep / "x.png").unlink()
        while deep != site / "stories" / "planned":
            deep.rmdir()
            deep = deep.parent


def test_an_input_folder_linked_out_of_the_repository_is_a_usage_error(
    site: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (site / "priorities").rename(outside / "priorities")
    (site / "priorities").symlink_to(outside / "priorities")
    git(site, "add", "-A")
    monkeypatch.chdir(site)
    for args in (["--staged"], ["--changed-since", "HEAD"]):  # refused with the settings, before git is asked
        assert cli.main(["check", *args]) == 2, args
        err = capsys.readouterr().err
        assert "'priorities_dir': 'priorities' is outside the site's folder" in err and "Traceback" not in err, err
