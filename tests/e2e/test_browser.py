"""What a person sees in Chromium: every page loads offline, tables sort and filter, search works,
print packets fit the paper, and no text from a pull request runs as script."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, REPO, copy_site, run_mkdocs
from interlock.cli import main

from .conftest import CHROMIUM, Server

MM = 96 / 25.4  # CSS pixels per millimetre
PAPER = {"a4": (210, 297), "letter": (215.9, 279.4)}
MARGIN_X = 12 + 12  # the packet's @page side margins, in mm


def pages_of(site: Path) -> list[str]:
    return sorted(p.parent.relative_to(site).as_posix() + "/" if p.parent != site else "" for p in site.rglob("index.html"))


def watch(page: Any) -> list[str]:
    """Collect what went wrong while the page was open: console errors, script errors, failed requests."""
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    page.on("requestfailed", lambda request: problems.append(f"request failed: {request.url}"))
    return problems


def test_every_page_loads_offline_without_errors(demo_server: Server, page: Any) -> None:
    urls = pages_of(demo_server.root)
    assert len(urls) > 40  # stories, projects, releases, packets, hand-written pages
    problems = watch(page)
    for url in urls:
        page.goto(demo_server.url(url), wait_until="networkidle")
        assert page.locator("article h1").count() == 1, f"{url}: one title"
    assert problems == []


def test_stories_table_filters_and_sorts(demo_server: Server, page: Any) -> None:
    page.goto(demo_server.url("stories/"))
    rows = page.locator("#stories-table tbody tr")
    assert rows.count() == 15
    count = page.locator("[data-rm-count]")
    assert count.inner_text() == "15 of 15 shown"
    page.fill('[data-rm-filter="text"]', "upgrade")
    visible = page.locator("#stories-table tbody tr:not([hidden])")
    assert visible.count() >= 1 and count.inner_text() == f"{visible.count()} of 15 shown"
    for text in visible.all_inner_texts():
        assert "upgrade" in text.lower()
    page.fill('[data-rm-filter="text"]', "")
    page.select_option('[data-rm-filter="status"]', "accepted")
    statuses = page.locator("#stories-table tbody tr:not([hidden])").evaluate_all("rows => rows.map(r => r.dataset.status)")
    assert statuses and set(statuses) == {"accepted"}
    page.select_option('[data-rm-filter="status"]', "")
    score = page.locator("#stories-table th", has_text="Score")
    score.click()
    # Unscored stories sort below every score; their cell says so.
    cells = page.locator("#stories-table tbody tr td:nth-child(4)")
    values = [float(v) for v in cells.evaluate_all("cells => cells.map(c => c.dataset.value)")]
    assert values == sorted(values) and score.get_attribute("aria-sort") == "ascending"
    assert "unscored" in cells.first.inner_text() or values[0] >= 0
    score.click()
    values = [float(v) for v in cells.evaluate_all("cells => cells.map(c => c.dataset.value)")]
    assert values == sorted(values, reverse=True)


def test_search_finds_a_story_by_a_word_of_its_body(demo_server: Server, page: Any) -> None:
    page.goto(demo_server.url())
    page.locator("label.md-search__icon, .md-search__input").first.click()
    page.locator(".md-search__input").press_sequentially("conductors", delay=30)  # the theme reacts to key presses
    result = page.locator(".md-search-result__item a[href*='stories/rolling-upgrades/']").first
    result.wait_for(timeout=10_000)
    assert "Rolling upgrades" in page.locator(".md-search-result").inner_text()


def _pdf_pages(pdf: Path) -> list[str]:
    """Return the text of each page of a PDF (poppler's pdftotext)."""
    if not shutil.which("pdftotext"):
        pytest.skip("e2e skipped: pdftotext not found (Debian: apt-get install poppler-utils)")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_release_packet_prints_one_story_per_page_inside_the_paper(demo_server: Server, page: Any, artifacts: Path, paper: str) -> None:
    model = json.loads((demo_server.root / "roadmap.json").read_text("utf-8"))
    stories = [s for s in model["stories"] if s["target_release"] == "2026.1"]
    assert len(stories) >= 3
    width_mm, _ = PAPER[paper]
    printable = round((width_mm - MARGIN_X) * MM)
    page.set_viewport_size({"width": printable, "height": 1000})
    page.goto(demo_server.url(f"print/2026.1/?paper={paper}"), wait_until="networkidle")
    page.emulate_media(media="print")
    # Nothing may stick out of the printable width: wide tables must wrap or shrink.
    outside = page.evaluate(
        """width => Array.from(document.querySelectorAll('article *'))
            .filter(el => el.getClientRects().length && el.getBoundingClientRect().right > width + 1)
            .map(el => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right))""",
        printable,
    )
    assert outside == []
    hidden = page.evaluate(
        "() => ['.md-header', '.md-sidebar--primary', '.md-search', '.md-footer'].map(s => { const e = document.querySelector(s); return e ? getComputedStyle(e).display : 'none'; })"
    )
    assert set(hidden) == {"none"}
    assert page.locator("details:not([open])").count() == 0

    pdf = artifacts / f"packet-2026.1-{paper}.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    texts = _pdf_pages(pdf)
    assert 1 + len(stories) <= len(texts) <= 2 + 4 * len(stories)
    starts = {}
    for number, text in enumerate(texts, start=1):
        # The first line of a page is the running head (packet title, build date); the story title follows.
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        assert lines and lines[0].startswith("Release 2026.1: planning packet") and "Built" in lines[0], lines[:2]
        first = lines[1] if len(lines) > 1 else ""
        for story in stories:
            if first.startswith(story["title"][:40]):
                starts[story["id"]] = number
    # Every story starts at the top of its own page, in rank order.
    assert list(starts) == [s["id"] for s in stories]
    assert len(set(starts.values())) == len(stories)
    assert re.search(rf"\b1 ?/ ?{len(texts)}\b", texts[0])  # page numbers
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "3", str(pdf), str(artifacts / f"packet-2026.1-{paper}")], check=True
        )


SCREENS = {"home": "", "story": "stories/rolling-upgrades/", "project": "projects/nova/", "release": "releases/2026.1/"}


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots_and_no_sideways_scrolling(demo_server: Server, browser: Any, artifacts: Path, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    for name, url in SCREENS.items():
        page.goto(demo_server.url(url), wait_until="networkidle")
        shot = artifacts / f"{name}-{width}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at {width}px"
    context.close()


HOSTILE = """---
title: "Hostile <img src=x onerror=window.__pwned=1>"
status: draft
ref: HOS
authors: ["\\"><svg onload=window.__pwned=1>"]
working_groups: ["<script>window.__pwned=1</script>"]
projects:
  alpha:
    gap: "<iframe src=javascript:window.__pwned=1></iframe>"
    tracking:
      - {type: other, title: "<b onmouseover=window.__pwned=1>t</b>", url: "javascript:window.__pwned=1", status: pending}
---

## Problem description
A story body with <script>window.__pwned=1</script> raw script,
an <img src=x onerror="window.__pwned=1"> image and a [link](javascript:window.__pwned=1).

<iframe src="javascript:window.__pwned=1"></iframe>
"""


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = copy_site(FIXTURES / "minimal", tmp_path_factory.mktemp("hostile"))
    (root / "stories" / "hostile.md").write_text(HOSTILE, "utf-8")
    # The check rejects the javascript: URL and the raw HTML, so only a non-strict build gets this far.
    result = run_mkdocs(root, "--no-strict")
    assert result.returncode == 0, result.stderr
    for expected in ("hostile.md:11:", "R109", "R307"):
        assert expected in result.stderr
    server = Server(root / "site")
    yield server
    server.close()


def test_no_injected_script_runs_and_no_injected_element_exists(hostile_server: Server, page: Any) -> None:
    problems = watch(page)
    for url in pages_of(hostile_server.root):
        page.goto(hostile_server.url(url), wait_until="networkidle")
        assert page.evaluate("() => window.__pwned") is None, url
        injected = page.evaluate(
            """() => Array.from(document.querySelectorAll('article *')).filter(el =>
                ['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED'].includes(el.tagName) ||
                (el.tagName === 'svg' && el.closest('.rm-chart') === null && el.closest('.md-icon') === null) ||
                Array.from(el.attributes).some(a => a.name.startsWith('on')) ||
                (el.getAttribute('href') || '').trim().toLowerCase().startsWith('javascript:')
            ).map(el => el.outerHTML.slice(0, 120))"""
        )
        assert injected == [], url
    page.goto(hostile_server.url("stories/hostile/"))
    assert page.locator("article h1").inner_text() == "Hostile <img src=x onerror=window.__pwned=1>"
    assert '"><svg onload=window.__pwned=1>' in page.locator("table.rm-facts").inner_text()
    # The body's <img src=x> stays as an inert image (its handler is gone); nothing else may fail.
    assert [p for p in problems if "script error" in p] == []


def test_print_command_writes_a_pdf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "packet.pdf"
    assert main(["print", "2026.1", "--pdf", str(out), "--chromium", CHROMIUM, "-f", str(REPO / "mkdocs.yml")]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {out} (")
    texts = _pdf_pages(out)
    assert texts[0].lstrip().startswith("Release 2026.1: planning packet")
    out = tmp_path / "nova.pdf"
    assert (
        main(["print", "--project", "nova", "--paper", "letter", "--pdf", str(out), "--chromium", CHROMIUM, "-f", str(REPO / "mkdocs.yml")])
        == 0
    )
    assert "Compute (Nova): what PMs ask" in _pdf_pages(out)[0]
