"""The demo roadmap committed to git in tmp_path and built: its Atom feeds parse and hold what the
history says, and the pages they are about link them."""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import REPO, GitRepo, copy_site, run_mkdocs

ATOM = "{http://www.w3.org/2005/Atom}"


def front_matter(path: Path) -> dict[str, object]:
    data = yaml.safe_load(path.read_text("utf-8").split("---", 2)[1])
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = GitRepo(tmp_path_factory.mktemp("demo-git"))
    root = copy_site(REPO, repo.root)
    inputs = {p.relative_to(root).as_posix(): p.read_text("utf-8") for p in root.rglob("*") if p.is_file() and ".git" not in p.parts}
    story = "stories/instance-ha.md"
    assert "\nstatus: proposed\n" in inputs[story]
    repo.commit("2026-01-10T09:00:00+00:00", {**inputs, story: inputs[story].replace("\nstatus: proposed\n", "\nstatus: draft\n")})
    repo.commit("2026-02-03T15:30:00+00:00", {story: inputs[story]}, author=("Bea Example", "bea@example.org"))
    result = run_mkdocs(root)
    assert result.returncode == 0, result.stderr
    return root


def entries(site: Path, path: str) -> list[tuple[str, str, str]]:
    feed = ET.parse(site / path).getroot()  # raises on anything that is not well-formed XML
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}id", "").startswith("urn:uuid:")
    found = []
    for entry in feed.findall(f"{ATOM}entry"):
        link = entry.find(f"{ATOM}link")
        assert link is not None
        found.append((entry.findtext(f"{ATOM}title", ""), entry.findtext(f"{ATOM}updated", ""), link.get("href", "")))
    return found


def test_demo_feeds_hold_each_story_creation_and_status_change(built: Path) -> None:
    site = built / "site"
    stories = {p.stem: front_matter(p) for p in sorted((built / "stories").glob("*.md"))}
    whole = entries(site, "feed.xml")
    # Newest first: the status change, then one "New story" entry per story, all of the first commit.
    assert whole[0] == ("High availability for instances: draft → proposed", "2026-02-03T15:30:00+00:00", "stories/instance-ha/")
    created = sorted(title for title, when, _ in whole[1:] if when == "2026-01-10T09:00:00+00:00")
    assert created == sorted(f"New story: {data['title']}" for data in stories.values())
    assert len(whole) == len(stories) + 1

    naming_nova = {f"New story: {d['title']}" for d in stories.values() if "nova" in d["projects"]}  # type: ignore[operator]
    nova = entries(site, "projects/nova/feed.xml")
    assert {title for title, _, _ in nova[1:]} == naming_nova and nova[0][0].endswith("draft → proposed")
    assert all(href.startswith("../../stories/") for _, _, href in nova)

    targeting = {f"New story: {d['title']}" for d in stories.values() if d.get("target_release") == "2025.2"}
    assert {title for title, _, _ in entries(site, "releases/2025.2/feed.xml")} == targeting


def test_pages_link_their_feed(built: Path) -> None:
    site = built / "site"
    expected = {
        "index.html": ["feed.xml"],
        "projects/nova/index.html": ["../../feed.xml", "feed.xml"],
        "releases/2026.1/index.html": ["../../feed.xml", "feed.xml"],
        "stories/instance-ha/index.html": ["../../feed.xml"],
    }
    for page, feeds in expected.items():
        soup = BeautifulSoup((site / page).read_text("utf-8"), "html.parser")
        links = [link["href"] for link in soup.find_all("link", rel="alternate") if link.get("type") == "application/atom+xml"]
        assert links == feeds, page
        for feed in feeds:
            assert entries(site, posixpath.normpath(posixpath.join(posixpath.dirname(page), feed)))
