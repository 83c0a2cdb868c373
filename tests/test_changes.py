"""`interlock diff`: what a commit does to the roadmap, read from two git trees."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import FIXTURES, GitRepo, copy_site
from interlock.cli import main

GOLDEN = Path(__file__).parent / "golden" / "diff.md"


@pytest.fixture
def changed_repo(tmp_path: Path) -> GitRepo:
    """The minimal site at a base commit, then one commit that touches every kind of change."""
    (tmp_path / "site").mkdir()
    root = copy_site(FIXTURES / "minimal", tmp_path / "site")
    inputs = {p.relative_to(tmp_path).as_posix(): p.read_text("utf-8") for p in root.rglob("*") if p.is_file()}
    repo = GitRepo(tmp_path)
    repo.commit("2024-01-01T00:00:00+00:00", inputs, message="base")
    repo.repo.create_tag("base")
    planned = (root / "stories" / "planned.md").read_text("utf-8")
    planned = planned.replace("impact: 5", "impact: 1").replace("    liaison: Ann Lee\n", "")
    unplanned = (root / "stories" / "unplanned.md").read_text("utf-8")
    unplanned = unplanned.replace("status: proposed", "status: parked").replace("title: Unplanned story", "title: Quotas | one <place>")
    unplanned = unplanned.replace("    priorities: [quotas]\n", "    priorities: [quotas]\n  beta:\n    gap: Beta keeps its own quotas.\n")
    gamma = (root / "priorities" / "beta.yaml").read_text("utf-8").replace("project: beta", "project: gamma")
    alpha = (root / "priorities" / "alpha.yaml").read_text("utf-8")
    alpha = alpha.replace('    without_plan:\n      - {id: quotas, title: "<script>', '      - {id: quotas, title: "<script>')
    new_story = (root / "stories" / "draft.md").read_text("utf-8").replace("ref: DRA", "ref: NEW").replace("Draft story", "A new ask")
    beta = (root / "priorities" / "beta.yaml").read_text("utf-8") + "declined:\n  - {story: draft-renamed, reason: Not this year.}\n"
    weighing = "organisation: Acme\nscores:\n  planned: {impact: 4, reach: 4}\nbacking:\n  planned: {people: {alpha: 2}}\n"
    repo.commit(
        "2024-02-01T00:00:00+00:00",
        {
            "site/stories/planned.md": planned,
            "site/stories/unplanned.md": unplanned,
            "site/priorities/alpha.yaml": alpha,
            "site/stories/new-ask.md": new_story,
            "site/stories/payload.md": None,
            "site/priorities/gamma.yaml": gamma,
            "site/priorities/beta.yaml": beta,
            "site/weighing/2025.1/acme.yaml": weighing,
        },
        renames={"site/stories/draft.md": "site/stories/draft-renamed.md"},
        message="head",
    )
    return repo


def test_diff_reports_every_kind_of_change(changed_repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    # Uncommitted edits must not count: diff reads commits only.
    (changed_repo.root / "site" / "stories" / "planned.md").write_text("garbage", "utf-8")
    assert main(["diff", "base", "HEAD", "-f", str(changed_repo.root / "site" / "mkdocs.yml")]) == 0
    actual = capsys.readouterr().out
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(actual, "utf-8")
    assert actual == GOLDEN.read_text("utf-8")
    assert changed_repo.repo.is_dirty()  # the working tree was left alone


def test_diff_of_a_commit_with_itself_says_nothing_changed(changed_repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "HEAD", "HEAD", "-f", str(changed_repo.root / "site" / "mkdocs.yml")]) == 0
    assert capsys.readouterr().out == "### Roadmap changes: `HEAD` → `HEAD`\n\nNo change to the roadmap (4 stories).\n"


def test_diff_writes_a_file_and_refuses_unknown_revisions(
    changed_repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(changed_repo.root / "site")
    out = tmp_path / "comment.md"
    assert main(["diff", "base", "--output", str(out)]) == 0
    assert out.read_text("utf-8") == GOLDEN.read_text("utf-8")
    assert main(["diff", "no-such-branch"]) == 2
    assert "'no-such-branch' is not a commit git knows" in capsys.readouterr().err


def test_diff_outside_git_is_a_usage_error(tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_site(FIXTURES / "minimal", tmp_path_factory.mktemp("nogit"))
    assert main(["diff", "HEAD", "-f", str(root / "mkdocs.yml")]) == 2
    assert "is not in a git repository" in capsys.readouterr().err
