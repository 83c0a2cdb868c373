"""The checks .ci/platforms runs on other builders' output (.ci/sites.py, .ci/dist.py), and what a
newcomer's first build prints."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

from conftest import REPO, copy_site


def load_ci_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, REPO / ".ci" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sites = load_ci_script("sites")
dist = load_ci_script("dist")

PAGE = """<!doctype html>
<html><head>
<meta name="generator" content="{generator}">
<title>{title}</title>
</head><body>
<p>one</p>
<p>two</p>
</body></html>
"""


def write_site(root: Path, pages: dict[str, str], generator: str) -> Path:
    for path, title in pages.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(PAGE.format(generator=generator, title=title), "utf-8")
    return root


def test_sites_that_differ_only_in_their_generator_tag_are_the_same(tmp_path: Path) -> None:
    pages = {"index.html": "Home", "stories/a/index.html": "A"}
    mkdocs = write_site(tmp_path / "mkdocs", pages, "mkdocs-1.6.1, mkdocs-material-9.8.2")
    properdocs = write_site(tmp_path / "properdocs", pages, "mkdocs-ProperDocs 1.6.7, mkdocs-material-9.8.2")
    assert list(sites.iter_differences(mkdocs, properdocs)) == []


def test_every_differing_or_missing_page_is_named_with_its_first_difference(tmp_path: Path) -> None:
    a = write_site(tmp_path / "a", {"index.html": "Home", "stories/a/index.html": "A", "404.html": "Lost"}, "x")
    b = write_site(tmp_path / "b", {"index.html": "Home", "stories/a/index.html": "B", "new/index.html": "New"}, "y")
    problems = list(sites.iter_differences(a, b))
    assert [problem.splitlines()[0] for problem in problems] == [
        f"404.html: only in {a}",
        f"new/index.html: only in {b}",
        "stories/a/index.html: differs; first difference:",
    ]
    assert "-<title>A</title>" in problems[2].splitlines()
    assert "+<title>B</title>" in problems[2].splitlines()


def test_an_empty_build_is_not_the_same_as_another_empty_build(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert list(sites.iter_differences(tmp_path / "a", tmp_path / "b")) == [f"{tmp_path / 'a'}: no HTML page at all"]


def test_the_demo_expects_a_page_for_every_story_project_and_release() -> None:
    pages = sites.expected_pages(REPO)
    assert len([p for p in pages if p.startswith("stories/")]) == len(list((REPO / "stories").glob("*.md")))
    assert len([p for p in pages if p.startswith("projects/")]) == len(list((REPO / "priorities").glob("*.yaml")))
    assert [p for p in pages if p.startswith("releases/")] == [
        "releases/2025.1/index.html",
        "releases/2025.2/index.html",
        "releases/2026.1/index.html",
    ]
    assert "projects/nova/index.html" in pages


def test_a_build_without_a_story_page_is_incomplete(tmp_path: Path) -> None:
    site = tmp_path / "site"
    for page in sites.expected_pages(REPO):
        (site / page).parent.mkdir(parents=True, exist_ok=True)
        (site / page).write_text("<html></html>", "utf-8")
    assert list(sites.iter_missing(REPO, site)) == []
    (site / "stories" / "instance-ha" / "index.html").unlink()
    assert list(sites.iter_missing(REPO, site)) == [f"{site}: stories/instance-ha/index.html is missing"]


def test_a_wheel_missing_a_template_or_an_entry_point_is_refused(tmp_path: Path) -> None:
    wheel = tmp_path / "interlock-0.2.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("interlock/__init__.py", "")
        archive.writestr("interlock-0.2.0.dist-info/entry_points.txt", "[mkdocs.plugins]\ninterlock = interlock.plugin:InterlockPlugin\n")
    assert list(dist.iter_wheel_problems(wheel, ["interlock/__init__.py", "interlock/templates/home.html"])) == [
        f"{wheel.name}: interlock/templates/home.html is missing (a package-data pattern in pyproject.toml does not match it)",
        f"{wheel.name}: no `interlock` entry point in [properdocs.plugins]",
    ]


def test_every_package_file_git_tracks_is_looked_for() -> None:
    package = dist.tracked_package_files(REPO)
    assert {"interlock/plugin.py", "interlock/py.typed", "interlock/templates/home.html", "interlock/theme/main.html"} <= set(package)


# Material for MkDocs prints this when its theme is imported, unless NO_MKDOCS_2_WARNING is set.
MATERIAL_BANNER = ("Material for MkDocs reaches end of life", "NO_MKDOCS_2_WARNING")


def readme_serve_command() -> str:
    """Return the last step of the README's first command: what a newcomer runs to serve the demo."""
    readme = (REPO / "README.md").read_text("utf-8")
    first = readme.split("```bash\n", 1)[1].split("```", 1)[0].strip()
    return first.split("&&")[-1].strip()


def test_the_readme_serves_the_demo_without_a_banner_that_is_not_ours(tmp_path: Path) -> None:
    """Material prints its banner while MkDocs reads `theme:`, before any plugin is imported, so the
    plugin cannot silence it: the README's command sets the variable Material reads, and runs quietly."""
    command = readme_serve_command()
    assert command == "NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs serve", command
    (tmp_path / "demo").mkdir()
    root = copy_site(REPO, tmp_path / "demo")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_MKDOCS_2_WARNING", "DISABLE_MKDOCS_2_WARNING")}
    env["NO_MKDOCS_2_WARNING"] = "1"  # as the README's command sets it
    # The `mkdocs` script, as the README runs it (Material looks at the program's name); build, not serve.
    mkdocs = Path(sys.executable).parent / "mkdocs"
    result = subprocess.run(
        [str(mkdocs), "build", "--strict", "-d", str(tmp_path / "site")], cwd=root, capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr
    printed = result.stdout + result.stderr
    assert not [text for text in MATERIAL_BANNER if text in printed], printed[:2000]
    assert "WARNING" not in printed, printed[:2000]
