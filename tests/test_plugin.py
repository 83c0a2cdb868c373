"""Full `mkdocs build --strict` runs of fixture sites in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from conftest import FIXTURES, REPO, GitRepo, copy_site, run_mkdocs
from interlock import build_roadmap, load_settings
from interlock.siteconfig import read_site_options


@pytest.fixture(scope="module")
def minimal_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_site(FIXTURES / "minimal", tmp_path_factory.mktemp("minimal"))
    result = run_mkdocs(root)
    assert result.returncode == 0, result.stderr
    return root / "site"


def soup(site: Path, url: str) -> BeautifulSoup:
    return BeautifulSoup((site / url / "index.html").read_text("utf-8"), "html.parser")


def article(site: Path, url: str) -> BeautifulSoup:
    found = soup(site, url).find("article")
    assert found is not None
    return found


def test_every_internal_link_of_every_page_resolves(demo_site: Path, minimal_site: Path) -> None:
    for site in (demo_site, minimal_site):
        pages = list(site.rglob("*.html"))
        assert len(pages) > 10
        for page in pages:
            base = "/" + page.relative_to(site).as_posix()
            for a in BeautifulSoup(page.read_text("utf-8"), "html.parser").find_all("a", href=True):
                href = a["href"]
                if urlsplit(href).scheme or href.startswith(("#", "mailto:")):
                    continue
                target = unquote(urlsplit(urljoin(base, href)).path).lstrip("/")
                path = site / target
                assert path.is_file() or (path / "index.html").is_file(), f"{base}: broken link {href}"
                fragment = urlsplit(href).fragment
                if fragment and (path / "index.html").is_file():
                    ids = {tag["id"] for tag in BeautifulSoup((path / "index.html").read_text("utf-8"), "html.parser").find_all(id=True)}
                    assert fragment in ids, f"{base}: link {href} names a missing anchor"


def test_contract_urls_exist(demo_site: Path) -> None:
    for url in ("stories/rolling-upgrades", "stories", "projects/nova", "projects", "releases/2026.1", "releases", "ranking", ""):
        assert (demo_site / url / "index.html").is_file(), url
    assert (demo_site / "roadmap.json").is_file()
    assert (demo_site / "schemas" / "story.schema.json").is_file()


def test_project_page_lists_exactly_the_stories_that_name_it(demo_site: Path) -> None:
    model = json.loads((demo_site / "roadmap.json").read_text("utf-8"))
    for project in model["projects"]:
        expected = {s["id"] for s in model["stories"] if any(p["project"] == project["id"] for p in s["projects"])}
        tables = article(demo_site, f"projects/{project['id']}").select("table.rm-asks")
        linked = {a["href"].rstrip("/").split("/")[-1] for table in tables for a in table.find_all("a") if "stories/" in a["href"]}
        assert linked == expected, project["id"]


def test_story_page_header_and_edit_link(minimal_site: Path) -> None:
    page = article(minimal_site, "stories/planned")
    facts = page.find("table", class_="rm-facts").get_text(" ", strip=True)
    # Two of the four stories are scored: the rank counts the ranked ones.
    assert "accepted" in facts and "PLA" in facts and "100.0" in facts and "rank 1 of 2 ; self-scored" in facts
    row = page.find("table", class_="rm-projects").find("tbody").find("tr")
    cells = [td.get_text(" ", strip=True) for td in row.find_all("td")]
    assert cells[0] == "Alpha service" and cells[1].startswith("planned Rolling upgrades") and cells[2] == "no answer yet"
    assert cells[4] == "Ann Lee" and "50%" in cells[5]  # one complete of two live items; the abandoned one does not count
    score = [[c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])] for tr in page.select("table.rm-score tbody tr")]
    assert score == [["impact", "5.0", "× 3", "75.0"], ["reach", "5.0", "× 1", "25.0"], ["Total", "", "", "100.0 of 100"]]
    assert page.find("a", href="../../stories/unplanned/") is not None  # related, made symmetric
    edit = soup(minimal_site, "stories/planned").find("a", title="Edit this page")
    assert edit["href"] == "https://git.example.org/acme/roadmap/edit/main/stories/planned.md"


def test_project_page_groups_asks_by_release(minimal_site: Path) -> None:
    page = article(minimal_site, "projects/alpha")
    assert page.find(id="alpha-2025.1-upgrades").find("a").get_text() == "Planned story"
    # The fixture's current release is 2025.2 (the newest): the story targeting 2025.1 is earlier, folded.
    groups = {table["id"]: [a.get_text() for a in table.select("td.rm-asks__story > a")] for table in page.select("table.rm-asks")}
    payload = '<script>window.__pwned=1</script>Payload "quoted" & <b>bold</b>'
    assert groups == {"asks-untargeted": ["Unplanned story", payload], "asks-earlier": ["Planned story"]}
    kinds = {row.select_one("td.rm-asks__story > a").get_text(): row["data-alignment"] for row in page.select("table.rm-asks tbody tr")}
    assert kinds["Planned story"] == "planned" and kinds["Unplanned story"] == "unplanned"
    assert page.select_one("details#group-earlier") is not None
    beta = article(minimal_site, "projects/beta")
    assert "none: nobody carries the stories below" in beta.get_text()


def test_front_matter_text_is_escaped_everywhere(minimal_site: Path) -> None:
    for page in minimal_site.rglob("*.html"):
        html = page.read_text("utf-8")
        parsed = BeautifulSoup(html, "html.parser")
        for script in parsed.find_all("script"):
            assert "__pwned" not in script.get_text(), page
        for tag in parsed.find_all(True):
            for name, value in tag.attrs.items():
                assert not (name.startswith("on") and "__pwned" in str(value)), page
        assert "<svg onload" not in html and "<b>bold</b>" not in html
    title = soup(minimal_site, "stories/payload").find("title").get_text()
    assert title.startswith('<script>window.__pwned=1</script>Payload "quoted" & <b>bold</b>')


def test_home_summary_sits_under_the_hand_written_title(minimal_site: Path) -> None:
    page = article(minimal_site, "")
    headings = [h.get_text(" ", strip=True) for h in page.find_all(["h1", "h2"])]
    assert headings[0].startswith("Minimal roadmap") and "Top-ranked open stories" in headings[1]
    assert "Hand-written introduction." in page.get_text()


def test_json_export(minimal_site: Path) -> None:
    model = json.loads((minimal_site / "roadmap.json").read_text("utf-8"))
    assert model["schema_version"] == 2 and model["releases"] == ["2025.1", "2025.2"]
    planned = next(s for s in model["stories"] if s["id"] == "planned")
    assert planned["score"] == 100.0 and planned["rank"] == 1 and planned["page"] == "stories/planned/"
    assert planned["related"] == ["unplanned"] and planned["completion"] == 0.5
    assert planned["projects"][0] | {"tracking": None} == {
        "project": "alpha",
        "gap": "Alpha lacks upgrades.",
        "alignment": "planned",
        "answer": "none",
        "declined_because": None,
        "served_by": [],
        "priorities": [{"id": "upgrades", "release": "2025.1", "planned": True}],
        "liaison": "Ann Lee",
        "needs_liaison": False,
        "completion": 0.5,
        "tracking": None,
    }
    alpha = next(p for p in model["projects"] if p["id"] == "alpha")
    assert alpha["releases"]["2025.1"]["priorities"][0]["stories"] == ["planned"]
    assert alpha["counts"] == {"planned": 1, "unplanned": 1, "gap": 1, "declined": 0, "needs_liaison": 1}
    assert planned["scored_by"] == "self" and [c["points"] for c in planned["contributions"]] == [75.0, 25.0]
    assert next(s for s in model["stories"] if s["id"] == "draft")["scored_by"] == "unscored"


def test_search_index_holds_story_text(minimal_site: Path) -> None:
    index = json.loads((minimal_site / "search" / "search_index.json").read_text("utf-8"))
    assert any("zebra" in doc["text"] and doc["location"].startswith("stories/planned/") for doc in index["docs"])
    # Listings and release pages repeat the story pages; the story header tables are not prose.
    locations = {doc["location"].split("#")[0] for doc in index["docs"]}
    assert not locations & {"stories/", "ranking/", "projects/", "releases/", "releases/2025.1/"}
    assert "projects/alpha/" in locations
    assert not any("needs liaison" in doc["text"] for doc in index["docs"] if doc["location"].startswith("stories/"))
    # A page kept out of the index (a packet) is handed to the search plugin empty, and published whole.
    assert not any(doc["location"].startswith("print/") for doc in index["docs"])
    packet = (minimal_site / "print" / "2025.1" / "index.html").read_text("utf-8")
    assert "zebra" in packet


def test_broken_site_fails_strict_build_with_every_diagnostic(tmp_path: Path) -> None:
    root = copy_site(FIXTURES / "broken", tmp_path)
    result = run_mkdocs(root)
    assert result.returncode == 1
    golden = (Path(__file__).parent / "golden" / "broken.txt").read_text("utf-8").splitlines()
    for line in golden:
        assert f"interlock: {line}" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_options_are_a_plugin_error(tmp_path: Path) -> None:
    root = copy_site(FIXTURES / "minimal", tmp_path)
    config = (root / "mkdocs.yml").read_text("utf-8").replace('releases: ["2025.1", "2025.2"]', "releases: [2025.1, 2025.2]")
    (root / "mkdocs.yml").write_text(config, "utf-8")
    result = run_mkdocs(root)
    assert result.returncode == 1 and "interlock plugin options: 'releases': 2025.1 is the number 2025.1" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def history_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minimal site in a git repository with fixed dates; one story is left uncommitted."""
    root = copy_site(FIXTURES / "minimal", tmp_path_factory.mktemp("history"))
    draft = (root / "stories" / "draft.md").read_text("utf-8")
    (root / "stories" / "draft.md").unlink()
    inputs = {p.relative_to(root).as_posix(): p.read_text("utf-8") for p in root.rglob("*") if p.is_file()}
    repo = GitRepo(root)
    repo.commit("2024-01-15T10:00:00+00:00", inputs)
    planned = (root / "stories" / "planned.md").read_text("utf-8")
    repo.commit(
        "2024-03-02T16:30:00+00:00",
        {"stories/planned.md": planned.replace("status: accepted", "status: proposed")},
        author=("Bea Writer", "bea@example.org"),
    )
    repo.commit("2024-04-09T09:00:00+00:00", {"stories/planned.md": planned}, author=("Ann Again", "ANN@example.org"))
    (root / "stories" / "draft.md").write_text(draft, "utf-8")
    result = run_mkdocs(root)
    assert result.returncode == 0, result.stderr
    return root / "site"


def test_story_page_shows_git_history(history_site: Path) -> None:
    page = article(history_site, "stories/planned")
    facts = {th.get_text(): th.find_next_sibling("td").get_text(" ", strip=True) for th in page.select("table.rm-facts th")}
    assert facts["Created"] == "2024-01-15"
    assert facts["Last updated"] == "2024-04-09 ( history )"
    history = page.find(id="history")
    text = " ".join(tag.get_text(" ", strip=True) for tag in history.find_next_siblings(["p", "ol"]))
    assert "Created 2024-01-15 ; last updated 2024-04-09 ; 3 commits." in text
    assert "Contributors: Ann Again (2) , Bea Writer (1)" in text
    timeline = [li.get_text(" ", strip=True) for li in page.select("ol.rm-timeline li")]
    assert timeline == ["2024-01-15 accepted", "2024-03-02 proposed", "2024-04-09 accepted"]


def test_uncommitted_story_says_so(history_site: Path, minimal_site: Path) -> None:
    page = article(history_site, "stories/draft")
    assert page.find("th", string="Created").find_next_sibling("td").get_text(strip=True) == "not yet committed"
    assert "Not yet committed: the dates" in page.get_text(" ", strip=True)
    # Outside any git repository every story builds, and says why it has no dates.
    assert "Not yet committed (not a git repository)" in article(minimal_site, "stories/planned").get_text(" ", strip=True)


def test_project_and_release_pages_can_filter_by_change_date(history_site: Path) -> None:
    rows = article(history_site, "projects/alpha").select("table.rm-asks tbody tr")
    assert {row.select_one("td.rm-asks__story > a")["href"]: row["data-updated"] for row in rows} == {
        "../../stories/planned/": "2024-04-09",
        "../../stories/unplanned/": "2024-01-15",
        "../../stories/payload/": "2024-01-15",
    }
    rows = article(history_site, "projects/beta").select("table.rm-asks tbody tr")
    assert {row.select_one("td.rm-asks__story > a")["href"]: row["data-updated"] for row in rows}["../../stories/draft/"] == ""
    release = article(history_site, "releases/2025.1")
    box = release.select_one("[data-rm-filters]")
    assert box.select_one('input[type="date"][data-rm-filter="since"]') is not None
    for table_id in box["data-rm-filters"].split():
        assert release.find("table", id=table_id) is not None


def test_json_export_carries_history(history_site: Path) -> None:
    model = json.loads((history_site / "roadmap.json").read_text("utf-8"))
    stories = {s["id"]: s for s in model["stories"]}
    assert stories["planned"]["history"] == {
        "created": "2024-01-15",
        "updated": "2024-04-09",
        "commits": 3,
        "contributors": ["Ann Again", "Bea Writer"],
        "statuses": [
            {"date": "2024-01-15", "status": "accepted"},
            {"date": "2024-03-02", "status": "proposed"},
            {"date": "2024-04-09", "status": "accepted"},
        ],
    }
    assert stories["draft"]["history"] is None


def test_two_builds_of_the_same_tree_are_byte_identical(history_site: Path, tmp_path: Path) -> None:
    root = history_site.parent
    result = run_mkdocs(root, "-d", str(tmp_path / "again"))
    assert result.returncode == 0, result.stderr
    first = {p.relative_to(history_site): p.read_bytes() for p in history_site.rglob("*") if p.is_file()}
    second = {p.relative_to(tmp_path / "again"): p.read_bytes() for p in (tmp_path / "again").rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    # MkDocs' sitemap carries the build date: the only part allowed to differ.
    differ = sorted(str(path) for path in first if first[path] != second[path])
    assert [p for p in differ if not p.startswith("sitemap.xml")] == []


def test_nothing_is_lost(demo_site: Path, tmp_path: Path) -> None:
    """Every file in stories/ becomes a page of the site or the subject of an error."""
    for fixture, site in ((REPO, demo_site), (FIXTURES / "broken", None)):
        options, root = read_site_options(fixture / "mkdocs.yml")
        settings = load_settings(options, root)
        roadmap = build_roadmap(settings)
        if site is None:
            (tmp_path / "broken").mkdir()
            root = copy_site(fixture, tmp_path / "broken")
            result = run_mkdocs(root, "--no-strict")
            assert result.returncode == 0, result.stderr
            site = root / "site"
        errors = {d.path for d in roadmap.diagnostics if d.severity == "error"}
        files = sorted(p for p in settings.stories_dir.iterdir() if p.is_file())
        assert files
        for path in files:
            rel = settings.relpath(path)
            page = site / "stories" / path.stem / "index.html"
            shown = path.stem in roadmap.stories and page.is_file()
            assert shown or rel in errors, rel


def test_with_site_url_the_plugin_prints_absolute_addresses(tmp_path: Path) -> None:
    """Packets and feeds built by MkDocs know the site's address, as those `interlock generate` writes do."""
    root = copy_site(FIXTURES / "minimal", tmp_path)
    config = (root / "mkdocs.yml").read_text("utf-8")
    (root / "mkdocs.yml").write_text("site_url: https://roadmap.example.org/sub/\n" + config, "utf-8")
    result = run_mkdocs(root)
    assert result.returncode == 0, result.stderr
    packet = (root / "site" / "print" / "2025.1" / "index.html").read_text("utf-8")
    # The packet says where its live page is, and links the pages it summarises absolutely: paper cannot follow a relative link.
    assert "https://roadmap.example.org/sub/print/2025.1/" in packet and "https://roadmap.example.org/sub/projects/alpha/" in packet
    feed = (root / "site" / "feed.xml").read_text("utf-8")
    assert "https://roadmap.example.org/sub/" in feed


def test_a_build_after_a_check_converts_nothing_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plugin reads the cache `interlock check` keeps, and what it builds from it is what a build without it makes."""
    import os
    import sqlite3
    import subprocess
    import sys

    from interlock.cli import main

    (tmp_path / "cached").mkdir()
    (tmp_path / "plain").mkdir()
    root = copy_site(FIXTURES / "minimal", tmp_path / "cached")
    monkeypatch.setenv("INTERLOCK_CACHE", "1")
    monkeypatch.chdir(root)
    assert main(["check"]) in (0, 1)
    (db_path,) = (root / ".cache" / "interlock").glob("*.sqlite")

    def bodies() -> int:
        with sqlite3.connect(db_path) as db:
            return int(db.execute("SELECT COUNT(*) FROM entries WHERE kind = 'body'").fetchone()[0])

    before = bodies()
    assert before > 0
    assert run_mkdocs(root).returncode == 0
    assert bodies() == before  # every body came from the check's conversions

    plain = copy_site(FIXTURES / "minimal", tmp_path / "plain")
    env = {"NO_MKDOCS_2_WARNING": "1", "INTERLOCK_CACHE": "0", "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.defpath])}
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(plain / "site")], cwd=plain, env=env, capture_output=True
    )
    assert built.returncode == 0 and not (plain / ".cache").exists()
    for page in sorted((plain / "site" / "stories").rglob("index.html")):
        assert page.read_bytes() == (root / "site" / page.relative_to(plain / "site")).read_bytes(), page


def test_a_build_sweeps_the_converted_texts_of_earlier_versions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Texts a story no longer has leave the cache with the next build (a check keeps them: it uses only what changed)."""
    import sqlite3

    from interlock.cli import main

    (tmp_path / "roadmap").mkdir()
    root = copy_site(FIXTURES / "minimal", tmp_path / "roadmap")
    monkeypatch.setenv("INTERLOCK_CACHE", "1")
    monkeypatch.chdir(root)
    assert run_mkdocs(root).returncode == 0
    (db_path,) = (root / ".cache" / "interlock").glob("*.sqlite")

    def bodies() -> set[str]:
        with sqlite3.connect(db_path) as db:
            return {key for (key,) in db.execute("SELECT key FROM entries WHERE kind = 'body'")}

    first = bodies()
    story = sorted((root / "stories").glob("*.md"))[0]
    story.write_text(story.read_text("utf-8") + "\nOne more sentence.\n", "utf-8")
    assert main(["check"]) in (0, 1)
    checked = bodies()
    assert len(checked) == len(first) + 1 and first < checked  # the check converted the new text, kept the old
    assert run_mkdocs(root).returncode == 0
    built = bodies()
    assert len(built) == len(first) and len(built - first) == 1  # the old text's conversion is gone
