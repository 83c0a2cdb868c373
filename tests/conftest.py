from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests: CI runs a bounded number of examples, `bench/fuzz` many more.
settings.register_profile("ci", max_examples=150, deadline=None)
settings.register_profile("fuzz", max_examples=5000, deadline=None)
# .ci/platforms on the other supported Pythons: the same properties over fewer inputs (those runs test the
# interpreter), with no example database, which two runs at once would share.
settings.register_profile("compat", max_examples=15, deadline=None, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def no_cache_in_the_source_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    """Checks run in the fixture folders themselves: no test leaves a .cache/ there. The cache has
    its own tests (tests/unit/test_cache.py), which turn it back on in tmp_path."""
    monkeypatch.setenv("INTERLOCK_CACHE", "0")


FIXTURES = Path(__file__).resolve().parent / "fixtures"


def copy_site(src: Path, dest: Path) -> Path:
    """Copy a site (mkdocs.yml, inputs, hand-written pages) into `dest` and return it."""
    for name in ("mkdocs.yml", "stories", "priorities", "weighing", "site_src", "docs"):
        if (src / name).is_dir():
            shutil.copytree(src / name, dest / name)
        elif (src / name).is_file():
            shutil.copy(src / name, dest / name)
    return dest


def run_mkdocs(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `mkdocs build --strict` in `root` into root/site."""
    env = {"NO_MKDOCS_2_WARNING": "1", "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.defpath])}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(root / "site"), *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's demo roadmap, built once per test session."""
    root = copy_site(REPO, tmp_path_factory.mktemp("demo"))
    result = run_mkdocs(root)
    assert result.returncode == 0, result.stderr
    return root / "site"


class GitRepo:
    """A git repository in tmp_path whose commits carry fixed author and committer dates."""

    def __init__(self, root: Path) -> None:
        import git

        self.root = root
        self.repo = git.Repo.init(root, initial_branch="main")
        with self.repo.config_writer() as config:
            config.set_value("user", "name", "Test Runner")
            config.set_value("user", "email", "runner@example.org")

    def commit(
        self,
        when: str,
        files: dict[str, str | None] | None = None,
        *,
        author: tuple[str, str] = ("Ann Example", "ann@example.org"),
        renames: dict[str, str] | None = None,
        message: str = "change",
    ) -> str:
        """Write (or, for None, delete) files and rename others, then commit at `when` (ISO 8601)."""
        import git

        for old, new in (renames or {}).items():
            self.repo.index.move([old, new])
        for rel, text in (files or {}).items():
            path = self.root / rel
            if text is None:
                self.repo.index.remove([rel], working_tree=True)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, "utf-8")
            self.repo.index.add([rel])
        actor = git.Actor(*author)
        stamp = datetime.fromisoformat(when)
        commit = self.repo.index.commit(message, author=actor, committer=actor, author_date=stamp, commit_date=stamp)
        return commit.hexsha


@pytest.fixture
def git_repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path)


@pytest.fixture
def committed_site(git_repo: GitRepo) -> Path:
    """The minimal site committed, with one problem already in an unchanged story."""
    root = copy_site(FIXTURES / "minimal", git_repo.root)
    draft = (root / "stories" / "draft.md").read_text("utf-8")
    (root / "stories" / "draft.md").write_text(draft.replace("authors:", "personas: [nobody]\nauthors:"), "utf-8")
    inputs = {p.relative_to(root).as_posix(): p.read_text("utf-8") for p in root.rglob("*") if p.is_file() and ".git" not in p.parts}
    git_repo.commit("2024-01-01T00:00:00+00:00", inputs)
    return root
