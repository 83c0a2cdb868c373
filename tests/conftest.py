from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def copy_site(src: Path, dest: Path) -> Path:
    """Copy a site (mkdocs.yml, inputs, hand-written pages) into `dest` and return it."""
    for name in ("mkdocs.yml", "stories", "priorities", "site_src", "docs"):
        if (src / name).is_dir():
            shutil.copytree(src / name, dest / name)
        elif (src / name).is_file():
            shutil.copy(src / name, dest / name)
    return dest


def run_mkdocs(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `mkdocs build --strict` in `root` into root/site."""
    env = {"NO_MKDOCS_2_WARNING": "1", "PATH": str(Path(sys.executable).parent)}
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
