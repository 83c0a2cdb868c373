"""Git history of stories, from repositories built in tmp_path with fixed dates."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import GitRepo
from interlock.history import FileHistory, HistoryCache, collect_history, open_repo, utc_date


def story(status: str, title: str = "A story") -> str:
    return f"---\ntitle: {title}\nstatus: {status}\nref: AST\n---\n\n## Problem description\nstatus: not this one\n"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def history_of(repo: GitRepo, site: str = ".") -> dict[str, FileHistory]:
    root = (repo.root / site).resolve()
    opened = open_repo(root)
    assert opened is not None
    return collect_history(opened, root, root / "stories").files


def test_dates_contributors_and_status_timeline_follow_renames(git_repo: GitRepo) -> None:
    git_repo.commit("2024-01-05T09:00:00+00:00", {"stories/a.md": story("draft")})
    git_repo.commit("2024-02-10T12:00:00+01:00", {"stories/a.md": story("proposed")}, author=("Bob Builder", "bob@example.org"))
    git_repo.commit("2024-03-01T08:00:00+00:00", renames={"stories/a.md": "stories/renamed.md"}, author=("Ann E.", "ANN@example.org"))
    git_repo.commit("2024-04-20T23:30:00-05:00", {"stories/renamed.md": story("proposed", "Retitled")})
    git_repo.commit("2024-05-02T10:00:00+00:00", {"stories/renamed.md": story("accepted", "Retitled")}, author=("Cy", "cy@example.org"))
    git_repo.commit("2024-06-01T10:00:00+00:00", {"stories/other.md": story("draft")})

    files = history_of(git_repo)
    assert sorted(files) == ["stories/other.md", "stories/renamed.md"]
    found = files["stories/renamed.md"]
    assert found.created == at("2024-01-05T09:00:00+00:00")
    assert found.created_as == "stories/a.md"
    assert found.updated == at("2024-05-02T10:00:00+00:00")
    assert found.commits == 5
    # Deduplicated by email, case-insensitively; the most recent name wins.
    assert [(c.name, c.email, c.commits) for c in found.contributors] == [
        ("Ann Example", "ann@example.org", 3),
        ("Bob Builder", "bob@example.org", 1),
        ("Cy", "cy@example.org", 1),
    ]
    assert [(utc_date(c.date), c.status) for c in found.statuses] == [
        ("2024-01-05", "draft"),
        ("2024-02-10", "proposed"),
        ("2024-05-02", "accepted"),
    ]
    # 23:30 at UTC-5 is the next day in UTC.
    assert utc_date(at("2024-04-20T23:30:00-05:00")) == "2024-04-21"


def test_a_deleted_and_recreated_file_starts_again(git_repo: GitRepo) -> None:
    git_repo.commit("2023-01-01T00:00:00+00:00", {"stories/a.md": story("draft")})
    git_repo.commit("2023-02-01T00:00:00+00:00", {"stories/a.md": None})
    git_repo.commit("2023-03-01T00:00:00+00:00", {"stories/a.md": story("proposed")}, author=("Dee", "dee@example.org"))
    found = history_of(git_repo)["stories/a.md"]
    assert found.created == at("2023-03-01T00:00:00+00:00")
    assert [c.email for c in found.contributors] == ["dee@example.org"]
    assert [c.status for c in found.statuses] == ["proposed"]


def test_uncommitted_files_and_files_outside_stories_have_no_history(git_repo: GitRepo) -> None:
    git_repo.commit("2023-01-01T00:00:00+00:00", {"stories/a.md": story("draft"), "README.md": "hello\n"})
    (git_repo.root / "stories" / "new.md").write_text(story("draft"), "utf-8")
    files = history_of(git_repo)
    assert list(files) == ["stories/a.md"]


def test_a_site_in_a_subfolder_of_the_repository(git_repo: GitRepo) -> None:
    git_repo.commit("2023-01-01T00:00:00+00:00", {"site/stories/a.md": story("draft"), "stories/elsewhere.md": story("draft")})
    assert list(history_of(git_repo, "site")) == ["stories/a.md"]


def test_no_repository_and_no_commits(tmp_path_factory: pytest.TempPathFactory, git_repo: GitRepo) -> None:
    plain = tmp_path_factory.mktemp("plain")
    (plain / "stories").mkdir(parents=True)
    assert HistoryCache().get(plain, plain / "stories").reason == "not a git repository"
    empty = HistoryCache().get(git_repo.root, git_repo.root / "stories")
    assert (empty.reason, empty.files) == ("no commits yet", {})


def test_the_cache_walks_again_only_when_head_moves(git_repo: GitRepo) -> None:
    git_repo.commit("2023-01-01T00:00:00+00:00", {"stories/a.md": story("draft")})
    cache = HistoryCache()
    first = cache.get(git_repo.root, git_repo.root / "stories")
    assert cache.get(git_repo.root, git_repo.root / "stories") is first
    assert cache.walks == 1
    git_repo.commit("2023-01-02T00:00:00+00:00", {"stories/a.md": story("proposed")})
    second = cache.get(git_repo.root, git_repo.root / "stories")
    assert cache.walks == 2
    assert [c.status for c in second.files["stories/a.md"].statuses] == ["draft", "proposed"]


def test_a_shallow_clone_warns_and_still_gives_dates(git_repo: GitRepo, tmp_path: Path) -> None:
    git_repo.commit("2023-01-01T00:00:00+00:00", {"stories/a.md": story("draft")})
    git_repo.commit("2023-05-01T00:00:00+00:00", {"stories/a.md": story("proposed")})
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{git_repo.root}", str(clone)], check=True)
    history = HistoryCache().get(clone, clone / "stories")
    assert len(history.warnings) == 1
    assert "shallow git clone" in history.warnings[0] and "fetch-depth: 0" in history.warnings[0]
    # Only the fetched commit is known: the file looks created then.
    assert history.files["stories/a.md"].created == datetime(2023, 5, 1, tzinfo=timezone.utc)


def test_changed_since(git_repo: GitRepo) -> None:
    git_repo.commit("2023-01-01T00:00:00+00:00", {"stories/old.md": story("draft"), "stories/new.md": story("draft")})
    git_repo.commit("2023-06-01T00:00:00+00:00", {"stories/new.md": story("proposed")})
    history = HistoryCache().get(git_repo.root, git_repo.root / "stories")
    assert history.changed_since(at("2023-03-01T00:00:00+00:00")) == ["stories/new.md"]
    assert history.changed_since(at("2022-12-31T00:00:00+00:00")) == ["stories/new.md", "stories/old.md"]


def test_hostile_commit_metadata_gives_no_crash(tmp_path: Path) -> None:
    """Author names and dates come from pull requests too: a field separator in a name, or an offset
    git accepts but no calendar has, must not stop the history (or the build)."""
    (tmp_path / "stories").mkdir()
    story = tmp_path / "stories" / "s.md"

    def run(*args: str, **env: str) -> None:
        subprocess.run(args, cwd=tmp_path, check=True, capture_output=True, env={**os.environ, **env})

    run("git", "init", "-q")
    story.write_text("---\nstatus: draft\n---\n", "utf-8")
    run("git", "add", "-A")
    run("git", "-c", "user.email=e@x", "commit", "-qm", "a", GIT_AUTHOR_NAME="Eve\x02Mallory\x01 ::error::x")
    story.write_text("---\nstatus: proposed\n---\n", "utf-8")
    run("git", "add", "-A")
    run("git", "-c", "user.name=Bo", "-c", "user.email=b@x", "commit", "-qm", "b", GIT_AUTHOR_DATE="@1700000000 +2400")
    repo = open_repo(tmp_path)
    assert repo is not None
    found = collect_history(repo, tmp_path, tmp_path / "stories").of("stories/s.md")
    assert found is not None and found.commits == 2
    assert sorted(c.email for c in found.contributors) == ["b@x", "e@x"]
    assert sorted(s.status for s in found.statuses) == ["draft", "proposed"]  # ordered by the dates the authors gave
