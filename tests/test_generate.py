"""`interlock generate`: the site source as a plain docs tree, built without the plugin."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import REPO, copy_site, run_mkdocs
from interlock.cli import main


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's generated tree, inside a copy of the project, built by MkDocs with no interlock plugin."""
    root = copy_site(REPO, tmp_path_factory.mktemp("generated"))
    assert main(["generate", "--out", str(root / "build" / "source"), "-f", str(root / "mkdocs.yml")]) == 0
    config = yaml.safe_load((root / "build" / "source" / "mkdocs.yml").read_text("utf-8"))
    assert config["plugins"] == ["search"]
    result = run_mkdocs(root, "-f", str(root / "build" / "source" / "mkdocs.yml"))
    assert result.returncode == 0, result.stderr
    return root / "site"


def article(site: Path, url: str) -> str:
    """Return the page's content as generated (the theme's edit link is right only where the plugin knows the input)."""
    found = BeautifulSoup((site / url / "index.html").read_text("utf-8"), "html.parser").select_one("article div.rm-page")
    assert found is not None, url
    return str(found).replace(" rm-page--generated", "")


def test_every_generated_page_is_built_as_the_plugin_builds_it(generated: Path, demo_site: Path) -> None:
    plugin_pages = sorted(p.relative_to(demo_site) for p in demo_site.rglob("index.html"))
    plain_pages = sorted(p.relative_to(generated) for p in generated.rglob("index.html"))
    assert plugin_pages == plain_pages
    for page in plugin_pages:
        url = page.parent.as_posix() if page.parent != Path(".") else ""
        if url.split("/")[0] in ("stories", "projects", "releases", "print", "ranking"):
            assert article(generated, url) == article(demo_site, url), url
    home = [
        BeautifulSoup((site / "index.html").read_text("utf-8"), "html.parser").select_one("div.rm-home-summary")
        for site in (generated, demo_site)
    ]
    assert home[0] is not None and str(home[0]) == str(home[1])
    assert (generated / "roadmap.json").read_bytes() == (demo_site / "roadmap.json").read_bytes()


def test_the_plugin_gives_generated_pages_a_table_of_contents(demo_site: Path) -> None:
    toc = BeautifulSoup((demo_site / "projects" / "nova" / "index.html").read_text("utf-8"), "html.parser")
    entries = [a.get_text(strip=True) for a in toc.select("nav.md-nav--secondary a.md-nav__link")]
    assert "Asks for 2026.1 (the current release) (6)" in entries and "The team's priority lists" in entries


@pytest.mark.parametrize("where", [".", "stories", "site_src", "site_src/sub", ".."])
def test_generate_refuses_folders_it_would_destroy(tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str) -> None:
    (tmp_path / "project").mkdir()
    root = copy_site(REPO, tmp_path / "project")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert main(["generate", "--out", str(root / where), "-f", str(root / "mkdocs.yml")]) == 2
    assert "give a folder of its own" in capsys.readouterr().err
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_generate_replaces_only_its_own_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_site(REPO, tmp_path)
    other = root / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("mine", "utf-8")
    assert main(["generate", "--out", str(other), "-f", str(root / "mkdocs.yml")]) == 2
    assert "was not written by `interlock generate`" in capsys.readouterr().err
    assert (other / "keep.txt").read_text("utf-8") == "mine"
    out = root / "build" / "src"
    assert main(["generate", "--out", str(out), "-f", str(root / "mkdocs.yml")]) == 0
    (out / "docs" / "stale.md").write_text("old", "utf-8")
    assert main(["generate", "--out", str(out), "-f", str(root / "mkdocs.yml")]) == 0
    assert not (out / "docs" / "stale.md").exists() and (out / "docs" / "stories" / "rolling-upgrades.md").is_file()


def test_generate_keeps_tags_of_the_site_configuration(tmp_path: Path) -> None:
    root = copy_site(REPO, tmp_path)
    config = (root / "mkdocs.yml").read_text("utf-8")
    config += "extra:\n  analytics_key: !ENV [SITE_KEY, none]\n"
    config = config.replace(
        "  - admonition\n", "  - admonition\n  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
    )
    (root / "mkdocs.yml").write_text(config, "utf-8")
    assert main(["generate", "--out", str(root / "out"), "-f", str(root / "mkdocs.yml")]) == 0
    written = (root / "out" / "mkdocs.yml").read_text("utf-8")
    assert "!ENV [SITE_KEY, none]" in written.replace("\n  - ", " ").replace("!ENV\n", "!ENV ") or "!ENV" in written
    assert "!!python/name:material.extensions.emoji.twemoji" in written
    result = run_mkdocs(root, "-f", str(root / "out" / "mkdocs.yml"))
    assert result.returncode == 0, result.stderr


def test_generate_never_writes_or_reads_outside_the_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Found by an attack: a committed `build -> /elsewhere` link, and `docs_dir: /etc/apt`."""
    (tmp_path / "project").mkdir()
    root = copy_site(REPO, tmp_path / "project")
    (tmp_path / "elsewhere").mkdir()
    (root / "build").symlink_to(tmp_path / "elsewhere")
    assert main(["generate", "--out", str(root / "build" / "source"), "-f", str(root / "mkdocs.yml")]) == 2
    assert "build is a symbolic link" in capsys.readouterr().err and not any((tmp_path / "elsewhere").iterdir())
    config = (root / "mkdocs.yml").read_text("utf-8").replace("docs_dir: site_src", f"docs_dir: {tmp_path / 'elsewhere'}")
    (root / "mkdocs.yml").write_text(config, "utf-8")
    assert main(["generate", "--out", str(root / "out"), "-f", str(root / "mkdocs.yml")]) == 2
    assert "is outside the site's folder" in capsys.readouterr().err and not (root / "out").exists()


def test_the_generated_tree_builds_from_its_own_folder(tmp_path: Path) -> None:
    """Snippets of the hand-written pages are found from the project folder and from inside the tree."""
    root = copy_site(REPO, tmp_path)
    out = root / "build" / "source"
    assert main(["generate", "--out", str(out), "-f", str(root / "mkdocs.yml")]) == 0
    config = yaml.safe_load((out / "mkdocs.yml").read_text("utf-8"))
    snippets = next(e["pymdownx.snippets"] for e in config["markdown_extensions"] if isinstance(e, dict) and "pymdownx.snippets" in e)
    assert snippets["base_path"] == ["site_src", "docs"]
    result = run_mkdocs(out)
    assert result.returncode == 0, result.stderr
    page = BeautifulSoup((out / "site" / "contributing" / "index.html").read_text("utf-8"), "html.parser").get_text()
    assert "Example GitHub Actions workflow for a roadmap repository" in page  # the snippet, included
