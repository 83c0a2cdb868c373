"""A team asked for two hundred things: its project page and its packet, measured.

`write_big_team(out)` writes a valid roadmap (mkdocs.yml, priorities/, stories/, site_src/) where one
team, `compute`, is named by every story: 215 asks over six releases, with 24 liaisons, the current
release in the middle. The tests build it in tmp_path; run as a script, it builds the site and
prints the size and the load time in Chromium of the team's page and its packet:

    python bench/bigteam.py [--keep DIR] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml
from corpus import CRITERIA, PERSONAS, sentence, synthetic_body

RELEASES = ["2025.1", "2025.2", "2026.1", "2026.2", "2027.1", "2027.2"]
CURRENT = "2026.1"
PACKET_RELEASE = "2026.2"  # a packet for this release too, besides the current one
BIG = "compute"
# How many of the big team's asks target each release (None: no target yet), by status.
PLAN: dict[str | None, dict[str, int]] = {
    "2025.1": {"completed": 30, "rejected": 5, "parked": 5, "accepted": 4},
    "2025.2": {"completed": 25, "rejected": 4, "in-progress": 6},
    "2026.1": {"accepted": 20, "in-progress": 20, "proposed": 15, "draft": 5, "completed": 5},
    "2026.2": {"proposed": 25, "draft": 5},
    "2027.1": {"proposed": 15},
    "2027.2": {"proposed": 6},
    None: {"proposed": 12, "draft": 8},
}
# What the big team's page shows in each group: the groups' keys (the tables' ids are asks-KEY).
EXPECTED_GROUPS = {
    "current": 60,  # the open asks of 2026.1 (its 5 completed ones are closed)
    "later-2026-2": 30,
    "later-2027-1": 15,
    "later-2027-2": 6,
    "untargeted": 20,
    "earlier": 10,  # still open, for 2025.1 and 2025.2
    "closed": 74,
}
LIAISONS = [
    f"{first} {last}"
    for last in ("Lee", "Okafor")
    for first in ["Ann", "Bo", "Cai", "Dev", "Eli", "Fay", "Gus", "Hal", "Ida", "Jo", "Kim", "Lou"]
]
LONG_TITLES = [
    "Honour scheduler_hints.different_host_across_availability_zones in the placement API",
    "Document https://docs.example.org/compute/admin/configuration/cells-v2-multi-region-deployment-guide.html",
]


def write_big_team(out: Path, seed: int = 15) -> dict[str, Any]:
    """Write the roadmap under `out`; return what the big team is asked, as the tests expect it."""
    rng = random.Random(seed)
    (out / "site_src").mkdir(parents=True, exist_ok=True)
    (out / "site_src" / "index.md").write_text("# A big team\n\nTwo hundred asks of one team.\n", "utf-8")
    (out / "priorities").mkdir(exist_ok=True)
    (out / "stories").mkdir(exist_ok=True)
    config = {
        "site_name": "Big team",
        "site_url": "https://roadmap.example.org/",
        "docs_dir": "site_src",
        "theme": {"name": "material", "font": False},
        "plugins": [
            "search",
            {
                "interlock": {
                    "releases": RELEASES,
                    "current_release": CURRENT,
                    "packet_releases": [PACKET_RELEASE],
                    "personas": PERSONAS,
                    "criteria": CRITERIA,
                }
            },
        ],
        "nav": [{"Home": "index.md"}, {"Stories": "stories/index.md"}],
    }
    (out / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")

    items: dict[str, list[str]] = {}
    plans = {}
    for release in RELEASES:
        planned = [f"item-{k}" for k in range(8)]
        unplanned = [f"idea-{k}" for k in range(4)]
        items[release] = planned + unplanned
        plans[release] = {
            "priorities": [{"id": i, "title": sentence(rng, 3, 6), "owners": ["Owner One"]} for i in planned],
            "without_plan": [{"id": i, "title": sentence(rng, 3, 6)} for i in unplanned],
        }
    teams = {
        BIG: {"name": "Compute (Nova)", "liaisons": [{"name": n, "irc": n.lower().replace(" ", "")} for n in LIAISONS], "releases": plans},
        "network": {"name": "Networking (Neutron)", "liaisons": [{"name": "Nia Park"}], "releases": {}},
    }
    for team, data in teams.items():
        text = {"project": team, "name": data["name"], "description": sentence(rng), **{k: v for k, v in data.items() if k != "name"}}
        (out / "priorities" / f"{team}.yaml").write_text(yaml.safe_dump(text, sort_keys=False, width=1000), "utf-8")

    refs = iter(f"{a}{b}{c}" for a in "BCDFGHJKLMNP" for b in "AEIOU" for c in "BCDFGHJKLMNPRSTVWXZ")
    stories = []
    n = 0
    for release, counts in PLAN.items():
        for status, count in counts.items():
            for _ in range(count):
                n += 1
                stories.append((f"ask-{n:03d}", release, status))
    for index, (story_id, release, status) in enumerate(stories):
        ref = next(refs)
        entry: dict[str, object] = {"gap": sentence(rng, 6, 16)}
        if release and rng.random() < 0.6:
            entry["priorities"] = rng.sample(items[release], rng.randint(1, 2))
        if status != "proposed" or rng.random() < 0.8:
            entry["liaison"] = LIAISONS[index % len(LIAISONS)]
        entry["tracking"] = [
            {
                "type": rng.choice(["spec", "blueprint", "bug", "review"]),
                "title": sentence(rng, 3, 6),
                "url": f"https://review.example.org/{rng.randint(1, 10**6)}",
                "status": rng.choice(["pending", "in-progress", "complete"]),
            }
            for _ in range(rng.randint(0, 2))
        ]
        projects: dict[str, object] = {BIG: entry}
        if index % 4 == 0:
            projects["network"] = {"gap": sentence(rng, 5, 10), "liaison": "Nia Park"}
        title = LONG_TITLES[index // 50] if index in (7, 57) else sentence(rng, 4, 9)[:-1]
        front: dict[str, object] = {
            "title": title,
            "status": status,
            "ref": ref,
            "authors": [f"Author {index % 40} <author{index % 40}@example.org>"],
            "working_groups": [rng.choice(["Edge", "Telco", "Scientific", "Public cloud"])],
            "personas": rng.sample(PERSONAS, 2),
            **({"target_release": release} if release else {}),
            "weights": {c: rng.randint(0, 5) for c in CRITERIA},
            "projects": projects,
        }
        cases = range(1, rng.randint(2, 5))
        body = synthetic_body(rng, ref, cases)
        text = "---\n" + yaml.safe_dump(front, sort_keys=False, width=1000, allow_unicode=True) + "---\n\n" + body
        (out / "stories" / f"{story_id}.md").write_text(text, "utf-8")
    return {"asks": len(stories), "groups": dict(EXPECTED_GROUPS), "liaisons": len(LIAISONS)}


def build_site(root: Path) -> Path:
    """Build the roadmap under `root` with `mkdocs build --strict`; return the site folder."""
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "--strict", "-d", str(root / "site")],
        cwd=root,
        capture_output=True,
        text=True,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),
        timeout=600,
    )
    if built.returncode != 0:
        raise RuntimeError(f"mkdocs build failed:\n{built.stderr[-3000:]}")
    return root / "site"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class names it so
        pass


def measure_pages(site: Path, pages: list[str], chromium: str, width: int = 1366) -> dict[str, dict[str, float]]:
    """Return, per page of a built site served on 127.0.0.1, its HTML size (bytes) and the times (ms)
    to DOMContentLoaded and load in a fresh Chromium page (the best of three)."""
    from playwright.sync_api import sync_playwright

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_port}/"
    found: dict[str, dict[str, float]] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            for page_path in pages:
                runs = []
                for _ in range(3):
                    context = browser.new_context(viewport={"width": width, "height": 900})
                    context.route(lambda url: not url.startswith(base), lambda route: route.abort())
                    page = context.new_page()
                    page.goto(base + page_path, wait_until="load")
                    runs.append(
                        page.evaluate(
                            "() => { const t = performance.getEntriesByType('navigation')[0];"
                            " return [t.domContentLoadedEventEnd, t.loadEventEnd]; }"
                        )
                    )
                    context.close()
                ready, loaded = min(runs, key=lambda r: r[1])
                size = (site / page_path / "index.html").stat().st_size
                found[page_path] = {"bytes": size, "domcontentloaded_ms": ready, "load_ms": loaded}
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", type=Path, help="build here and keep it (default: a temporary folder)")
    parser.add_argument("--chromium", default=os.environ.get("INTERLOCK_CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bigteam-") as tmp:
        root = args.keep or Path(tmp)
        facts = write_big_team(root)
        start = time.perf_counter()
        site = build_site(root)
        print(f"{facts['asks']} asks of '{BIG}', {facts['liaisons']} liaisons; site built in {time.perf_counter() - start:.1f} s")
        pages = [f"projects/{BIG}/", f"print/projects/{BIG}/", f"print/projects/{BIG}/{PACKET_RELEASE}/"]
        for page_path, figures in measure_pages(site, pages, args.chromium).items():
            print(
                f"{page_path:28} {figures['bytes'] / 1024:8.0f} KB   DOMContentLoaded {figures['domcontentloaded_ms']:6.0f} ms"
                f"   load {figures['load_ms']:6.0f} ms"
            )


if __name__ == "__main__":
    main()
