"""A team asked for two hundred things, in Chromium: its page never scrolls sideways on a phone or a
laptop (folded groups opened too), its filters work and say how many of each group they show, the
page reads without JavaScript, and its packet loads in under 2 s and weighs under 2 MB."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO

from .conftest import Server

sys.path.insert(0, str(REPO / "bench"))
from bigteam import BIG, EXPECTED_GROUPS, PACKET_RELEASE, build_site, write_big_team  # noqa: E402

PAGE = f"projects/{BIG}/"
PACKETS = [f"print/projects/{BIG}/", f"print/projects/{BIG}/{PACKET_RELEASE}/"]
# Elements past the right edge; a phone's card tables keep their column headings in a clipped box, unseen.
OVERFLOWING = """() => Array.from(document.querySelectorAll('article *'))
    .filter(el => el.getClientRects().length && !(innerWidth < 720 && el.closest('table.rm-cards thead')))
    .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .slice(0, 5).map(el => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right))"""


@pytest.fixture(scope="module")
def big_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("bigteam")
    write_big_team(root)
    server = Server(build_site(root))
    yield server
    server.close()


@pytest.mark.parametrize("width", [390, 1366])
def test_the_page_of_a_big_team_never_scrolls_sideways(big_server: Server, browser: Any, artifacts: Path, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(big_server.url(PAGE), wait_until="load")
    page.screenshot(path=str(artifacts / f"bigteam-project-{width}.png"))
    for folded in ("closed", "not-folded"):
        assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0, folded
        assert page.evaluate(OVERFLOWING) == [], folded
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    context.close()


def test_the_filters_count_what_each_group_shows(big_server: Server, page: Any) -> None:
    page.goto(big_server.url(PAGE))
    total = sum(EXPECTED_GROUPS.values())
    assert page.locator("[data-rm-count]").inner_text() == f"{total} of {total} shown"
    page.select_option('[data-rm-filter="status"]', "completed")
    shown = page.locator("table.rm-asks tbody tr:not([hidden])")
    statuses = set(shown.evaluate_all("rows => rows.map(r => r.dataset.status)"))
    assert statuses == {"completed"} and 0 < shown.count() < EXPECTED_GROUPS["closed"]
    # Completed asks are closed: every other group shows none of its rows, and says so.
    assert page.locator('[data-rm-shown="asks-current"]').inner_text() == f"0 of {EXPECTED_GROUPS['current']}"
    assert page.locator('[data-rm-shown="asks-closed"]').inner_text() == f"{shown.count()} of {EXPECTED_GROUPS['closed']}"
    page.select_option('[data-rm-filter="status"]', "")
    page.select_option('[data-rm-filter="alignment"]', "gap")
    kinds = page.locator("table.rm-asks tbody tr:not([hidden])").evaluate_all("rows => rows.map(r => r.dataset.alignment)")
    assert kinds and set(kinds) == {"gap"}


def test_a_link_to_a_folded_group_opens_it(big_server: Server, page: Any) -> None:
    page.goto(big_server.url(PAGE))
    assert page.locator("details#group-closed").get_attribute("open") is None
    page.locator("nav.rm-group-nav a", has_text="done or closed").click()
    page.wait_for_function("() => document.getElementById('group-closed').open")
    assert page.locator("#asks-closed tbody tr").first.is_visible()


def test_the_page_reads_without_javascript(big_server: Server, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(big_server.url(PAGE))
    assert not page.locator("div.rm-filters").is_visible()  # controls that would do nothing are not offered
    assert page.locator("#asks-current tbody tr").count() == EXPECTED_GROUPS["current"]
    assert page.locator("#asks-current tbody tr").first.is_visible()
    context.close()


@pytest.mark.parametrize("packet", PACKETS)
def test_the_packet_of_a_big_team_loads_in_under_two_seconds(big_server: Server, browser: Any, artifacts: Path, packet: str) -> None:
    size = (big_server.root / packet / "index.html").stat().st_size
    assert size < 2 * 1024 * 1024
    times = []
    for _ in range(3):  # the best of three: what the page costs, not what other work on the machine does
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        context.route(lambda url: not url.startswith("http://127.0.0.1:"), lambda route: route.abort())
        page = context.new_page()
        page.goto(big_server.url(packet), wait_until="load")
        times.append(
            page.evaluate(
                "() => { const t = performance.getEntriesByType('navigation')[0]; return [t.domContentLoadedEventEnd, t.loadEventEnd]; }"
            )
        )
        if packet == PACKETS[0] and len(times) == 3:
            page.emulate_media(media="print")
            page.pdf(path=str(artifacts / "bigteam-packet.pdf"), prefer_css_page_size=True, print_background=True)
        context.close()
    ready, loaded = min(times, key=lambda t: t[1])
    assert 0 < ready <= loaded < 2000, times
