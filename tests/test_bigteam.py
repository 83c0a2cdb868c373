"""A team asked for two hundred things (issue 15): its page groups the asks by release with a count
each, its liaisons fit a few lines, its packet is one release's, and readers see team names."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

from conftest import REPO

sys.path.insert(0, str(REPO / "bench"))
from bigteam import BIG, CURRENT, EXPECTED_GROUPS, LIAISONS, PACKET_RELEASE, build_site, write_big_team  # noqa: E402

MB = 1024 * 1024


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bigteam")
    write_big_team(root)
    return build_site(root)


def article(site: Path, url: str) -> Tag:
    found = BeautifulSoup((site / url / "index.html").read_text("utf-8"), "html.parser").find("article")
    assert isinstance(found, Tag)
    return found


def test_the_page_groups_asks_by_release_with_a_count_each(big_site: Path) -> None:
    page = article(big_site, f"projects/{BIG}")
    tables = page.select("table.rm-asks")
    rows = {table["id"]: len(table.select("tbody > tr")) for table in tables}
    assert rows == {f"asks-{key}": n for key, n in EXPECTED_GROUPS.items()}
    assert list(rows) == [f"asks-{key}" for key in EXPECTED_GROUPS]  # current, later by release, untargeted, earlier, closed
    linked = [a["href"] for table in tables for a in table.select("td.rm-asks__story > a")]
    assert len(linked) == len(set(linked)) == sum(EXPECTED_GROUPS.values())  # each ask once
    for key, n in EXPECTED_GROUPS.items():
        heading = page.find(id=f"group-{key}")
        assert heading is not None and heading.select_one(f'[data-rm-shown="asks-{key}"]').get_text() == str(n)
        # Earlier releases and closed asks are folded; the rest are open to read.
        assert (heading.name == "details" and not heading.has_attr("open")) == (key in ("earlier", "closed")), key
    assert page.find(id="group-current").get_text(" ", strip=True).startswith(f"Asks for {CURRENT} (the current release)")
    links = [a.get_text() for a in page.select("nav.rm-group-nav a")]
    assert links == [
        f"{CURRENT} (current)",
        "2026.2",
        "2027.1",
        "2027.2",
        "no release yet",
        "earlier releases, still open",
        "done or closed",
    ]
    # The filters act through the script: without it, they are not shown.
    assert page.select_one("div.rm-filters").has_attr("hidden")


def test_the_liaisons_of_a_big_team_fit_a_few_lines(big_site: Path) -> None:
    line = article(big_site, f"projects/{BIG}").select_one("p.rm-liaisons")
    names = [span.contents[0].strip() for span in line.select("span.rm-liaison")]
    assert names == LIAISONS
    carried = sum(int(span.select_one(".rm-muted").get_text()) for span in line.select("span.rm-liaison"))
    open_asks = sum(n for key, n in EXPECTED_GROUPS.items() if key != "closed")
    assert 0 < carried < open_asks  # some open asks have no liaison
    assert "IRC" not in line.get_text() and len(line.get_text(" ", strip=True)) < 500


@pytest.mark.parametrize(
    ("url", "release", "full"),
    [(f"print/projects/{BIG}", CURRENT, EXPECTED_GROUPS["current"]), (f"print/projects/{BIG}/{PACKET_RELEASE}", PACKET_RELEASE, 30)],
)
def test_a_packet_holds_one_release_in_full_and_the_rest_one_line_each(big_site: Path, url: str, release: str, full: int) -> None:
    assert (big_site / url / "index.html").stat().st_size < 2 * MB
    page = article(big_site, url)
    assert page.find("h1").get_text(strip=True).startswith(f"Compute (Nova): what PMs ask for {release}")
    stories = page.select("section.rm-print-story")
    assert len(stories) == len(page.select("table.rm-print-summary tbody tr")) == full
    lines = page.select("section.rm-print-others ul.rm-oneline > li")
    assert len(lines) == sum(EXPECTED_GROUPS.values()) - full
    in_full = {s.find("h2")["id"].removeprefix("story-") for s in stories}
    listed = {li.find("a")["href"].rstrip("/").rsplit("/", 1)[-1] for li in lines}
    assert not in_full & listed and len(listed) == len(lines)
    groups = [h.get_text(" ", strip=True) for h in page.select("section.rm-print-others h3")]
    assert groups[-1] == f"Done, parked, rejected or superseded ({EXPECTED_GROUPS['closed']})"
    assert all(li.select_one(".rm-status") for li in lines)
    # The table of contents lists the packet's own headings and each story's title, not every story's sections.
    toc = [
        a.get_text(" ", strip=True)
        for a in BeautifulSoup((big_site / url / "index.html").read_text("utf-8"), "html.parser").select(
            "nav.md-nav--secondary a.md-nav__link"
        )
    ]
    assert toc[0] == "Stories by rank" and len(toc) == 1 + full + 1 + len(groups)


def test_readers_see_team_names_where_they_saw_ids(big_site: Path) -> None:
    release = article(big_site, f"releases/{CURRENT}")
    projects = {a.get_text() for a in release.select("table.rm-list td a") if "/projects/" in a["href"]}
    assert projects == {"Compute (Nova)", "Networking (Neutron)"}
    assert [th.get_text(strip=True) for th in release.select("table.rm-matrix thead th")][1:] == ["Compute (Nova)", "Networking (Neutron)"]
    packet = article(big_site, f"print/{CURRENT}")
    assert [th.get_text(strip=True) for th in packet.select("table.rm-print-matrix thead th")][1:] == [
        "Compute (Nova)",
        "Networking (Neutron)",
    ]
    assert "Compute (Nova)" in packet.select_one("table.rm-print-summary tbody tr").get_text()
    stories = article(big_site, "stories").select("#stories-table tbody tr")
    assert {tr.find_all("td")[5].get_text() for tr in stories} == {"Compute (Nova)", "Compute (Nova), Networking (Neutron)"}
    chips = {li.get_text() for li in article(big_site, "timeline").select("ul.rm-timeline-projects > li")}
    assert chips == {"Compute (Nova)", "Networking (Neutron)"}
