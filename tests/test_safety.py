"""The command line given hostile or mistaken input: every case ends in exit 0, 1 or 2 with a message,
never a traceback, a read outside the repository or a write outside the output."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, GitRepo, copy_site, run_mkdocs
from interlock.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return status, captured.out, captured.err


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    for name in ("stories", "priorities", "weighing"):
        shutil.copytree(REPO / name, tmp_path / name)
    shutil.copy(REPO / "mkdocs.yml", tmp_path / "mkdocs.yml")
    return tmp_path


# -- no false pass


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("stories/no-such-story.md", "no such file or folder"),
        ("mkdocs.yml", "is not in stories/ or priorities/"),
        ("../elsewhere", "no such file or folder"),
    ],
)
def test_check_refuses_paths_that_are_not_inputs(
    demo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, path: str, message: str
) -> None:
    monkeypatch.chdir(demo)
    status, _, err = run(capsys, "check", path)
    assert status == 2 and message in err and path in err


def test_check_refuses_a_file_in_an_input_folder_that_is_no_input(
    demo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (demo / "stories" / "notes.txt").write_text("x", "utf-8")
    monkeypatch.chdir(demo)
    status, _, err = run(capsys, "check", "stories/notes.txt")
    assert status == 2 and "is not a story (.md) or a priority list (.yaml)" in err


def test_commands_find_the_configuration_from_a_subfolder(
    demo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(demo / "stories")
    status, out, _ = run(capsys, "check", "rolling-upgrades.md")
    assert status == 0 and out.startswith("interlock check: no problems")


def test_strict_build_fails_whatever_the_log_level(tmp_path: Path) -> None:
    root = copy_site(FIXTURES / "broken", tmp_path)
    result = run_mkdocs(root, "-q")
    errors = sum(": error: " in line for line in (Path(__file__).parent / "golden" / "broken.txt").read_text("utf-8").splitlines())
    assert result.returncode == 1 and f"interlock: {errors} errors in the stories or priority lists (strict build)" in result.stderr
    assert "R403" in result.stderr and "Traceback" not in result.stderr


def test_export_writes_but_exits_1_when_the_roadmap_has_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(
        capsys, "export", "--format", "csv", "-o", str(tmp_path / "out.csv"), "-f", str(FIXTURES / "broken" / "mkdocs.yml")
    )
    assert status == 1 and "written, but the roadmap has" in err
    assert (tmp_path / "out.csv").read_text("utf-8").startswith("story,title,status")


# -- git refs and revisions


@pytest.mark.parametrize("ref", ["--output=stolen.txt", "-p", "HEAD@{999}", "@{-1}", "no-such-branch", "HEAD\nx", ""])
def test_refs_are_verified_before_git_sees_them(
    committed_site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, ref: str
) -> None:
    monkeypatch.chdir(committed_site)
    status, _, err = run(capsys, "check", f"--changed-since={ref}")
    assert status == 2 and "--changed-since" in err
    status, _, err = run(capsys, "diff", "--", ref or "x", "HEAD")  # after '--', as a CI job passes a branch name
    assert status == 2
    assert not (committed_site / "stolen.txt").exists()


@pytest.mark.parametrize("ref", ["HEAD@{0}", "HEAD~0", "main"])
def test_reflog_and_relative_forms_work(
    committed_site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, ref: str
) -> None:
    monkeypatch.chdir(committed_site)
    status, out, _ = run(capsys, "check", f"--changed-since={ref}")
    assert status == 0 and "checked 0 files changed since" in out


@pytest.mark.parametrize("folder", ["../../..", "/etc", "../outside"])
def test_diff_never_reads_outside_the_commit(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, folder: str
) -> None:
    root = copy_site(FIXTURES / "minimal", git_repo.root)
    files = {p.relative_to(root).as_posix(): p.read_text("utf-8") for p in root.rglob("*") if p.is_file() and ".git" not in p.parts}
    git_repo.commit("2024-01-01T00:00:00+00:00", files)
    hostile = (root / "mkdocs.yml").read_text("utf-8").replace("  - interlock:\n", f"  - interlock:\n      stories_dir: {folder}\n")
    git_repo.commit("2024-01-02T00:00:00+00:00", {"mkdocs.yml": hostile})
    (root / "mkdocs.yml").write_text(files["mkdocs.yml"], "utf-8")  # the trusted configuration of the checkout
    monkeypatch.chdir(root)
    status, out, err = run(capsys, "diff", "HEAD~1", "HEAD")
    assert status == 2 and "outside the site's folder" in err and out == ""


def test_diff_compares_with_the_fork_point_like_git(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_site(FIXTURES / "minimal", git_repo.root)
    files = {p.relative_to(root).as_posix(): p.read_text("utf-8") for p in root.rglob("*") if p.is_file() and ".git" not in p.parts}
    git_repo.commit("2024-01-01T00:00:00+00:00", files)
    draft = files["stories/draft.md"]
    repo = git_repo.repo
    repo.git.branch("topic")
    git_repo.commit("2024-01-02T00:00:00+00:00", {"stories/landed-on-main.md": draft.replace("ref: DRA", "ref: LOM")})
    repo.git.checkout("topic")
    git_repo.commit("2024-01-03T00:00:00+00:00", {"stories/from-the-branch.md": draft.replace("ref: DRA", "ref: FTB")})
    monkeypatch.chdir(root)
    _, out, _ = run(capsys, "diff", "main")
    assert "from-the-branch" in out and "landed-on-main" not in out
    _, out, _ = run(capsys, "diff", "main", "--two-dot")
    assert "from-the-branch" in out and "landed-on-main" in out  # main's newer story reads as removed
    _, out_three, _ = run(capsys, "diff", "main...HEAD")
    _, out_two, _ = run(capsys, "diff", "main..HEAD")
    assert "landed-on-main" not in out_three and "landed-on-main" in out_two


def test_staged_checks_the_index_not_the_working_tree(
    committed_site: Path, git_repo: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(committed_site)
    story = committed_site / "stories" / "unplanned.md"
    good = story.read_text("utf-8")
    story.write_text(good.replace("status: proposed", "status: maybe"), "utf-8")
    git_repo.repo.index.add(["stories/unplanned.md"])
    story.write_text(good, "utf-8")  # fixed in the working tree, not staged
    status, out, _ = run(capsys, "check", "--staged")
    assert status == 1 and "stories/unplanned.md:3:9: error: R105 'status': 'maybe'" in out
    git_repo.repo.index.add(["stories/unplanned.md"])
    story.write_text(good.replace("status: proposed", "status: maybe"), "utf-8")  # broken, but not staged
    status, out, _ = run(capsys, "check", "--staged")
    assert status == 0 and "staged or referring to them" in out


# -- new


@pytest.mark.parametrize(
    ("title", "extra", "message"),
    [
        ("", [], "the title is empty"),
        ("   ", [], "the title is empty"),
        ("x" * 121, [], "keep it under 120"),
        ("!!!", [], "gives no file name"),
        ("Index", [], "which the site reserves"),
        ("Fine title", ["--author", "Bad <x>"], "is not 'Name' or 'Name <email>'"),
        ("Fine title", ["--projects", "novva"], "(did you mean 'nova'?)"),
    ],
)
def test_new_refuses_with_a_message(
    demo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, title: str, extra: list[str], message: str
) -> None:
    monkeypatch.chdir(demo)
    args = ["new", title, "--projects", "nova", *extra] if "--projects" not in extra else ["new", title, *extra]
    status, _, err = run(capsys, *args)
    assert status == 2 and message in err


def test_new_matches_projects_and_slugs_as_people_write_them(
    demo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(demo)
    assert run(capsys, "new", "Découverte des réseaux", "--projects", "Neutron,NOVA")[0] == 0
    text = (demo / "stories" / "decouverte-des-reseaux.md").read_text("utf-8")
    assert "  neutron:\n" in text and "  nova:\n" in text


def test_new_never_writes_through_a_link(
    demo: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path_factory.mktemp("victim") / "file.txt"
    target.write_text("keep me", "utf-8")
    (demo / "stories" / "planted.md").symlink_to(target)
    monkeypatch.chdir(demo)
    status, _, err = run(capsys, "new", "Planted", "--projects", "nova")
    assert status == 1 and "exists" in err
    assert target.read_text("utf-8") == "keep me"


@pytest.mark.parametrize(("options", "line"), [("  - interlock: [1, 2]\n", 3), ("  interlock: 42\n", 3)])
def test_malformed_plugin_options_name_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], options: str, line: int) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: x\nplugins:\n" + options, "utf-8")
    status, _, err = run(capsys, "check", "-f", str(tmp_path / "mkdocs.yml"))
    assert status == 2 and f"mkdocs.yml:{line}: the 'interlock' plugin's options must be a mapping" in err


def test_plugins_written_as_a_mapping_are_read(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = (demo / "mkdocs.yml").read_text("utf-8").replace("  - search\n  - interlock:\n", "  search: {}\n  interlock:\n")
    (demo / "mkdocs.yml").write_text(config, "utf-8")
    status, out, _ = run(capsys, "check", "-f", str(demo / "mkdocs.yml"))
    assert status == 0 and "15 stories" in out


def test_a_file_with_thousands_of_problems_costs_the_first_few(
    demo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by an attack: 20,000 unknown priorities, each message listing 20,000 items, took 8 GB."""
    items = ",".join(f"x{i}" for i in range(20_000))
    story = demo / "stories" / "rolling-upgrades.md"
    story.write_text(story.read_text("utf-8").replace("priorities: [upgrades]", f"priorities: [{items}]"), "utf-8")
    monkeypatch.chdir(demo)
    status, out, _ = run(capsys, "check", "stories/rolling-upgrades.md")
    lines = out.splitlines()
    assert status == 1 and len(lines) == 202 and sum("more than 200 problems in this file" in line for line in lines) == 1
    assert max(len(line) for line in lines) < 2000


def test_the_site_configuration_may_not_use_aliases(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "stories").mkdir()
    (tmp_path / "priorities").mkdir()
    lol = "\n".join(f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9))
    (tmp_path / "mkdocs.yml").write_text(
        f"site_name: x\nextra:\n  a0: &a0 [lol]\n{lol}\nplugins:\n  - interlock:\n      releases: ['a']\n      personas: *a8\n", "utf-8"
    )
    status, _, err = run(capsys, "check", "-f", str(tmp_path / "mkdocs.yml"))
    assert status == 2 and "anchors and aliases are not allowed in the site configuration" in err


@pytest.mark.parametrize("folder", ['"stor\\0ies"', "mkdocs.yml", "mkdocs.yml/x", "a" * 5000])
def test_diff_refuses_folders_a_commit_cannot_have(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, folder: str
) -> None:
    root = copy_site(FIXTURES / "minimal", git_repo.root)
    files = {p.relative_to(root).as_posix(): p.read_text("utf-8") for p in root.rglob("*") if p.is_file() and ".git" not in p.parts}
    git_repo.commit("2024-01-01T00:00:00+00:00", files)
    hostile = files["mkdocs.yml"].replace("  - interlock:\n", f"  - interlock:\n      stories_dir: {folder}\n")
    git_repo.commit("2024-01-02T00:00:00+00:00", {"mkdocs.yml": hostile})
    (root / "mkdocs.yml").write_text(files["mkdocs.yml"], "utf-8")
    monkeypatch.chdir(root)
    status, _, err = run(capsys, "diff", "HEAD~1", "HEAD")
    assert status == 2 and "interlock plugin options at one revision" in err


def test_a_linked_story_is_checked_when_only_its_target_changed(
    committed_site: Path, git_repo: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by an attack: the pull request edits notes/linked.md, the target of stories/linked.md."""
    notes = committed_site / "notes"
    notes.mkdir()
    (notes / "linked.md").write_text((committed_site / "stories" / "draft.md").read_text("utf-8").replace("ref: DRA", "ref: LNK"), "utf-8")
    (committed_site / "stories" / "linked.md").symlink_to("../notes/linked.md")
    git_repo.repo.git.add("-A")
    git_repo.repo.git.commit("-qm", "link", "--no-verify")
    monkeypatch.chdir(committed_site)
    (notes / "linked.md").write_text((notes / "linked.md").read_text("utf-8").replace("status: draft", "status: maybe"), "utf-8")
    status, out, _ = run(capsys, "check", "--changed-since", "HEAD")
    assert status == 1 and "stories/linked.md:3:9: error: R105" in out
    git_repo.repo.git.add("-A")
    status, out, _ = run(capsys, "check", "--staged")
    assert status == 1 and "stories/linked.md:3:9: error: R105" in out
