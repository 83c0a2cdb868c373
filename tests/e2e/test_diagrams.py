"""A story's diagram as readers see it: drawn on the story page and in the packets (screen and
paper), at a phone's width and a laptop's, never wider than the text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import Server

STORY = "stories/gpu-host-maintenance/"
PACKETS = ["print/2026.1/", "print/projects/nova/", "print/projects/placement/"]


def drawn(page: Any) -> list[dict[str, float]]:
    """Return the size of each loaded diagram of the article and the article's width."""
    return page.evaluate(
        """() => [...document.querySelectorAll('article img[src$="maintenance-flow.svg"]')].map(img => ({
            loaded: img.complete && img.naturalWidth > 0,
            width: img.getBoundingClientRect().width,
            article: img.closest('article').getBoundingClientRect().width,
        }))"""
    )


@pytest.mark.parametrize("width", [1366, 390])
def test_the_diagram_is_drawn_on_the_story_page(demo_server: Server, browser: Any, artifacts: Path, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(demo_server.url(STORY), wait_until="networkidle")
    found = drawn(page)
    assert len(found) == 1 and found[0]["loaded"], found
    assert 100 < found[0]["width"] <= found[0]["article"] + 0.5
    assert failed == []
    page.locator('article img[src$="maintenance-flow.svg"]').scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / f"diagram-story-{width}.png"))
    context.close()


@pytest.mark.parametrize("packet", PACKETS)
def test_the_diagram_is_drawn_in_the_packets(demo_server: Server, page: Any, packet: str) -> None:
    page.goto(demo_server.url(packet), wait_until="networkidle")
    found = drawn(page)
    assert len(found) == 1 and found[0]["loaded"], (packet, found)


def test_the_diagram_is_printed(demo_server: Server, page: Any, artifacts: Path) -> None:
    page.goto(demo_server.url(PACKETS[0]), wait_until="networkidle")
    page.emulate_media(media="print")
    found = drawn(page)
    assert len(found) == 1 and found[0]["loaded"] and found[0]["width"] <= found[0]["article"] + 0.5
    pdf = artifacts / "diagram-packet.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    assert pdf.stat().st_size > 20_000
