"""Browser tests: the built site served on 127.0.0.1 and driven by Playwright with Debian's Chromium.

Every test here is marked `e2e`. Without Chromium they are skipped, and the summary says why."""

from __future__ import annotations

import functools
import gc
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO

CHROMIUM = os.environ.get("INTERLOCK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("INTERLOCK_ARTIFACTS", REPO / "test-artifacts"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    skip = None
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason="e2e skipped: Chromium not found (Debian: apt-get install chromium; or set INTERLOCK_CHROMIUM)")
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)
            if skip is not None:
                item.add_marker(skip)


class Server:
    """A static file server for a built site, on a free port of 127.0.0.1."""

    def __init__(self, root: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.root = root
        self.base = f"http://127.0.0.1:{self.httpd.server_port}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "") -> str:
        return self.base + path

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class names it so
        pass


# The server's and the browser's threads end with the browser tests: the tests after them fork workers,
# which a process does only while it has one thread.
@pytest.fixture(scope="package")
def demo_server(demo_site: Path) -> Iterator[Server]:
    server = Server(demo_site)
    yield server
    server.close()


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()
    # Playwright's event loop leaves its pool of threads (asyncio_0, ...) waiting: ended here.
    for pool in [found for found in gc.get_objects() if isinstance(found, ThreadPoolExecutor)]:
        if any(thread.name.startswith("asyncio_") for thread in pool._threads):
            pool.shutdown(wait=True)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page whose requests to any host but 127.0.0.1 fail, as on a machine without internet."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route(lambda url: not url.startswith("http://127.0.0.1:"), lambda route: route.abort())
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
