"""Every link between generated pages reaches a page, and the part of it named after '#'."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from interlock.generate import generate_tree
from interlock.history import FileHistory, History, StatusChange
from interlock.linking import build_roadmap
from interlock.rules import load_settings
from interlock.siteconfig import read_site_options
from interlock.urls import Urls

MINIMAL = Path(__file__).parent.parent / "fixtures" / "minimal"


def _history(paths: list[str]) -> History:
    changes = [StatusChange(datetime.fromisoformat("2024-01-05T09:00:00+00:00"), "proposed", "a" * 40)]
    return History(head="f" * 40, files={path: FileHistory(changes[0].date, changes[0].date, 1, [], changes, path) for path in paths})


@pytest.mark.parametrize("site_url", [None, "https://roadmap.example.org/"])
def test_every_link_between_generated_pages_reaches_its_page_and_anchor(site_url: str | None) -> None:
    options, root = read_site_options(MINIMAL / "mkdocs.yml")
    roadmap = build_roadmap(load_settings(options, root))
    urls = Urls(directory_urls=True)
    tree = generate_tree(roadmap, urls, history=_history([s.path for s in roadmap.stories.values()]), site_url=site_url)
    pages = {urls.url_of_src(path): file.html for path, file in tree.files.items() if file.html is not None}
    assert len(pages) > 10
    base = site_url or "https://local.invalid/"
    checked = 0
    for here, page in pages.items():
        for href in re.findall(r'href="([^"]*)"', page):
            href = href.replace("&amp;", "&")
            if href.startswith(("#", "mailto:")) or (urlsplit(href).scheme and not href.startswith(base)):
                continue
            target = urlsplit(urljoin(base + here, href))
            path = target.path[len(urlsplit(base).path) :]
            if path in pages:
                checked += 1
                if target.fragment:
                    assert f'id="{target.fragment}"' in pages[path], (here, href)
            else:
                assert path in tree.files or path.endswith((".xml", ".json", ".css", ".js")), (here, href)
    assert checked > 50
