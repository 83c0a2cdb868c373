"""The site as its readers see it: every generated page fits a phone, the main pages pass axe-core in
both palettes, packet covers count what the packet is about, and screenshots for people to look at."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from .conftest import Server
from .test_browser import pages_of

AXE_PAGES = [
    "",
    "stories/",
    "stories/instance-ha/",
    "projects/nova/",
    "releases/2026.1/",
    "ranking/",
    "print/2026.1/",
    "health/",
    "timeline/",
]
SCREENS = {
    "home": "",
    "story": "stories/instance-ha/",
    "project": "projects/nova/",
    "ranking": "ranking/",
    "health": "health/",
    "timeline": "timeline/",
}


def test_no_generated_page_scrolls_sideways_on_a_phone(demo_server: Server, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    wide = []
    for url in pages_of(demo_server.root):
        page.goto(demo_server.url(url), wait_until="networkidle")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            wide.append(f"{url or '/'}: {overflow}px")
    context.close()
    assert wide == [], "\n".join(wide)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violation(demo_server: Server, browser: Any, scheme: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(viewport={"width": 1366, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    found = []
    for url in AXE_PAGES:
        page.goto(demo_server.url(url), wait_until="networkidle")
        assert page.evaluate("() => document.body.getAttribute('data-md-color-scheme')") == ("slate" if scheme == "dark" else "default")
        for violation in axe.run(page).response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                found.append(f"{url or '/'}: {violation['id']} ({violation['impact']}) at {violation['nodes'][0]['target']}")
    context.close()
    assert found == []


def _counts(text: str) -> tuple[int, int, int]:
    planned, unplanned, gap = (int(re.search(rf"(\d+) {kind}", text).group(1)) for kind in ("planned", "unplanned", "gap"))  # type: ignore[union-attr]
    return planned, unplanned, gap


def test_a_project_packet_counts_that_project_only(demo_server: Server, page: Any) -> None:
    page.goto(demo_server.url("print/projects/nova/"))
    cover = _counts(page.locator(".rm-cover").inner_text())
    page.goto(demo_server.url("projects/nova/"))
    current = page.locator("#asks-current tbody tr")
    kinds = current.evaluate_all("rows => rows.map(r => r.dataset.alignment)")
    assert cover == (kinds.count("planned"), kinds.count("unplanned"), kinds.count("gap"))
    assert sum(cover) == current.count() and sum(cover) < 9  # the nova page has more asks than this release's


def test_the_home_tiles_open_the_stories_list_filtered(demo_server: Server, page: Any) -> None:
    page.goto(demo_server.url())
    page.locator("a.rm-tile", has_text="accepted").click()
    page.wait_for_load_state("networkidle")
    shown = page.locator("#stories-table tbody tr:not([hidden])").evaluate_all("rows => rows.map(r => r.dataset.status)")
    assert shown and set(shown) == {"accepted"}


def test_the_timeline_filters_by_project(demo_server: Server, page: Any) -> None:
    page.goto(demo_server.url("timeline/?project=designate"))
    visible = page.locator("li.rm-timeline-card:not([hidden])")
    assert visible.count() == 1 and "DNS names for instances" in visible.inner_text()
    page.select_option("select[data-rm-timeline-filter]", "")
    assert page.locator("li.rm-timeline-card:not([hidden])").count() > 5


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1366, 390])
def test_screenshots_for_people_to_look_at(demo_server: Server, browser: Any, artifacts: Path, width: int, scheme: str) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    for name, url in SCREENS.items():
        page.goto(demo_server.url(url), wait_until="networkidle")
        shot = artifacts / f"readers-{name}-{width}-{scheme}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
    context.close()
