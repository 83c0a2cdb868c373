"""A story's own files on the site: published beside the story's page when they pass the check,
reached from the story page, every packet holding the story and the generated tree; never
published when refused."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote, urljoin

import pytest
from bs4 import BeautifulSoup

from conftest import FIXTURES, REPO, copy_site, run_mkdocs
from interlock.body import BodyPlacer, BodyRenderer
from interlock.cli import main
from interlock.urls import Urls

DIAGRAM = "stories/gpu-host-maintenance/maintenance-flow.svg"


def images(site: Path, page: Path) -> list[Path]:
    """Return the files the page's images load, resolved as a browser does from the page's URL."""
    soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
    here = "http://site/" + page.parent.relative_to(site).as_posix() + "/"
    found = []
    for img in soup.select("article img"):
        url = urljoin(here, str(img["src"]))
        assert url.startswith("http://site/"), url  # never another host
        found.append(site / unquote(url[len("http://site/") :]))
    return found


def test_the_demo_diagram_shows_on_the_story_page_and_in_every_packet(demo_site: Path) -> None:
    published = demo_site / DIAGRAM
    assert published.read_bytes() == (REPO / DIAGRAM).read_bytes()
    story = demo_site / "stories" / "gpu-host-maintenance" / "index.html"
    assert images(demo_site, story) == [published]
    packets = [p for p in (demo_site / "print").rglob("index.html") if "gpu-host-maintenance" in p.read_text("utf-8")]
    holding = [p for p in packets if "maintenance-flow.svg" in p.read_text("utf-8")]
    # The release packet of 2026.1 and the packets of the two teams asked hold the story in full.
    assert {p.parent.relative_to(demo_site).as_posix() for p in holding} >= {"print/2026.1", "print/projects/nova"}
    for packet in holding:
        assert published in images(demo_site, packet), packet


def test_roadmap_json_lists_each_story_s_published_files(demo_site: Path) -> None:
    model = json.loads((demo_site / "roadmap.json").read_text("utf-8"))
    listed = {s["id"]: s["attachments"] for s in model["stories"] if s["attachments"]}
    assert listed == {
        "gpu-host-maintenance": [
            {"name": "maintenance-flow.svg", "url": DIAGRAM, "source": DIAGRAM, "bytes": (REPO / DIAGRAM).stat().st_size},
        ]
    }
    assert all((demo_site / entry["url"]).is_file() for files in listed.values() for entry in files)


def test_every_image_of_the_demo_loads_a_published_file(demo_site: Path) -> None:
    for page in demo_site.rglob("index.html"):
        for file in images(demo_site, page):
            assert file.is_file(), f"{page.relative_to(demo_site)}: {file.relative_to(demo_site)}"


def test_refused_files_are_not_published(tmp_path: Path) -> None:
    root = copy_site(FIXTURES / "broken", tmp_path)
    result = run_mkdocs(root, "--no-strict")
    assert result.returncode == 0, result.stderr
    folder = root / "site" / "stories" / "diagrams"
    assert sorted(p.name for p in folder.iterdir()) == ["index.html", "racks.png"]
    assert (folder / "racks.png").read_bytes() == (root / "stories" / "diagrams" / "racks.png").read_bytes()
    page = folder / "index.html"
    assert images(root / "site", page)[0] == folder / "racks.png"
    assert "alert(" not in page.read_text("utf-8")


def test_the_generated_tree_holds_the_files(tmp_path: Path) -> None:
    root = copy_site(REPO, tmp_path)
    assert main(["generate", "--out", str(root / "build" / "source"), "-f", str(root / "mkdocs.yml")]) == 0
    assert (root / "build" / "source" / "docs" / DIAGRAM).read_bytes() == (REPO / DIAGRAM).read_bytes()


@pytest.mark.parametrize(
    ("directory_urls", "page", "base", "expected_img", "expected_link"),
    [
        (True, "stories/racks.md", None, "flow.svg", "plan.pdf"),
        (False, "stories/racks.md", None, "racks/flow.svg", "racks/plan.pdf"),
        (True, "print/2026.1.md", None, "../../stories/racks/flow.svg", "../../stories/racks/plan.pdf"),
        # On paper a link shows its address: absolute; an image still loads from the site itself.
        (
            True,
            "print/2026.1.md",
            "https://roadmap.example.org/",
            "../../stories/racks/flow.svg",
            "https://roadmap.example.org/stories/racks/plan.pdf",
        ),
    ],
)
def test_links_to_a_story_file_are_placed_for_each_page(
    directory_urls: bool, page: str, base: str | None, expected_img: str, expected_link: str
) -> None:
    body = BodyRenderer().render("![Flow](racks/flow.svg) and [the plan](racks/plan.pdf), not [that](racks/missing.png)")
    placer = BodyPlacer(Urls(directory_urls), "stories", {"racks"}, {"racks": {"flow.svg", "plan.pdf"}})
    html = placer.place(body, page, base=base, story="racks")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.img is not None and soup.img["src"] == expected_img
    assert [a["href"] for a in soup.select("a")] == [expected_link, "racks/missing.png"]
    # Another story's text cannot reach these files.
    other = BeautifulSoup(placer.place(body, page, base=base, story="other"), "html.parser")
    assert other.img is not None and other.img["src"] == "racks/flow.svg"
