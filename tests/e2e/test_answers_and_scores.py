"""What a reader sees of the teams' answers, the scores and the problems of a story being edited."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, copy_site

from .conftest import Server


def test_a_declined_ask_on_the_story_and_the_project_page(demo_server: Server, page: Any) -> None:
    page.goto(demo_server.url("stories/instance-ha/"))
    row = page.locator("table.rm-projects tbody tr", has_text="Orchestration (Heat)")
    assert row.locator(".rm-align--declined").count() >= 1
    assert "Restarting failed servers belongs to the compute" in row.inner_text()
    assert "needs liaison" not in row.inner_text()  # a declined ask goes to no team
    page.goto(demo_server.url("projects/heat/"))
    declined = page.locator("#declined + ul")
    assert "High availability for instances" in declined.inner_text() and "Restarting failed servers" in declined.inner_text()
    page.goto(demo_server.url("projects/nova/"))
    answer = page.locator("table.rm-asks tr", has_text="Rolling upgrades without control-plane downtime")
    assert "named by the team" in answer.inner_text() and "Skip-level upgrades between SLURP releases" in answer.inner_text()
    page.goto(demo_server.url("stories/rolling-upgrades/"))
    row = page.locator("table.rm-projects tbody tr", has_text="Compute (Nova)")
    assert "planned as Skip-level upgrades between SLURP releases" in row.inner_text()


def test_the_story_page_explains_its_score(demo_server: Server, page: Any) -> None:
    page.goto(demo_server.url("stories/instance-ha/"))
    table = page.locator("table.rm-score")
    rows = table.locator("tbody tr").all_inner_texts()
    assert len(rows) == 5 and rows[-1].split() == ["Total", "52.5", "of", "100"]
    assert "user_impact" in rows[0] and "3.0" in rows[0] and "(1–5)" in rows[0] and "× 3" in rows[0] and "22.5" in rows[0]
    assert "Weighed by: Helio Research Cloud (52.5), Lakeside Telecom (25.0), Northwind Hosting (87.5)." in page.inner_text("article")
    facts = page.locator("table.rm-facts").inner_text()
    assert "weighed by 3 orgs, spread 25.0–87.5" in facts and "Northwind Hosting: 2 for Compute (Nova), 1 for Networking (Neutron)" in facts


def test_the_ranking_shows_the_spread_and_sorts_by_backing(demo_server: Server, page: Any) -> None:
    page.goto(demo_server.url("ranking/"))
    row = page.locator("#rank-instance-ha")
    assert "weighed by 3 orgs, spread 25.0–87.5" in row.inner_text() and "1–5" in row.inner_text()
    assert "DNS names for instances" in page.locator("#not-ranked + ul").inner_text()
    page.locator("#ranking-table th", has_text="Backing").click()
    page.locator("#ranking-table th", has_text="Backing").click()  # descending: most people offered first
    first = page.locator("#ranking-table tbody tr").first
    assert first.get_attribute("id") == "rank-instance-ha"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def serving(tmp_path: Path) -> Any:
    """`mkdocs serve` on a copy of the demo, as a PM runs it while editing."""
    (tmp_path / "site").mkdir()
    root = copy_site(REPO, tmp_path / "site")
    port = _free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    with log.open("w") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"], cwd=root, env=env, stdout=handle, stderr=handle
        )
    try:
        wait_for(lambda: "Serving on" in log.read_text("utf-8"), what="mkdocs serve to start")
        yield root, f"http://127.0.0.1:{port}/", log
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_for(condition: Any, *, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.5)


def test_serve_keeps_serving_and_shows_the_problems_of_a_broken_story(serving: Any, page: Any) -> None:
    root, base, log = serving
    page.goto(base + "stories/rolling-upgrades/")
    assert page.locator("#story-problems").count() == 0
    story = root / "stories" / "rolling-upgrades.md"
    story.write_text(story.read_text("utf-8").replace("status: in-progress", "status: in-progres"), "utf-8")

    def shown() -> bool:
        page.goto(base + "stories/rolling-upgrades/")
        return bool(page.locator("#story-problems").count())

    wait_for(shown, what="the rebuilt page with the problems banner")
    banner = page.locator("#story-problems").inner_text()
    assert "R105" in banner and "in-progres" in banner and "3:9" in banner
    assert page.locator("article h1").inner_text() == "Rolling upgrades without control-plane downtime"  # still served
    page.goto(base + "problems/")
    assert "stories/rolling-upgrades.md" in page.inner_text("article") and "R105" in page.inner_text("article")
