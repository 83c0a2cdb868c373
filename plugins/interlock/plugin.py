"""MkDocs glue only: options, and hooks that hand the core's docs tree to MkDocs."""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from .body import BodyRenderer, Heading
from .bodycache import StoredBodyRenderer
from .cache import PER_FILE_KINDS, Store
from .generate import ASSET_DIR, ASSETS, DocsTree, generate_tree
from .history import HistoryCache
from .linking import build_roadmap
from .loader import DocumentCache
from .report.text import format_text
from .rules import SettingsError, load_settings
from .urls import Urls

log = get_plugin_logger(__name__)
_SEARCH_ATTRIBUTES = re.compile(r'\s?data-search-\w+="[^"]+"')


class InterlockConfig(Config):
    stories_dir = c.Type(str, default="stories")
    priorities_dir = c.Type(str, default="priorities")
    # Loosely typed here: the core validates them, with the same messages as `interlock check`.
    releases = c.Type(list, default=[])
    current_release = c.Optional(c.Type((str, int, float)))
    personas = c.Type(list, default=[])
    criteria = c.Type(dict, default={})
    templates_dir = c.Optional(c.Type(str))
    weighing_dir = c.Optional(c.Type(str))
    stale_days = c.Type(int, default=90)
    packet_releases = c.Type(list, default=[])
    attachment_max_kb = c.Type(int, default=1024)
    # Created / updated dates, contributors and status timelines from git; off skips every git call.
    history = c.Type(bool, default=True)


def _toc(headings: tuple[Heading, ...]) -> list[dict[str, Any]]:
    """Return MkDocs table-of-contents tokens nested as Python-Markdown nests them (h2 under the h1, h3 under h2)."""
    roots: list[dict[str, Any]] = []
    open_by_level: dict[int, dict[str, Any]] = {}
    for heading in headings:
        token: dict[str, Any] = {"level": heading.level, "id": heading.id, "name": heading.text, "children": []}
        parent = next((open_by_level[level] for level in range(heading.level - 1, 0, -1) if level in open_by_level), None)
        (parent["children"] if parent else roots).append(token)
        open_by_level = {level: t for level, t in open_by_level.items() if level < heading.level}
        open_by_level[heading.level] = token
    return roots


class InterlockPlugin(BasePlugin[InterlockConfig]):
    def __init__(self) -> None:
        self.tree = DocsTree()
        self._whole: dict[str, str] = {}

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # One instance lives across `mkdocs serve` rebuilds: files are re-read only when they change,
        # git history is walked again only when HEAD moves, and a body is converted once per text.
        self.cache = DocumentCache()
        self.histories = HistoryCache()
        self.bodies: BodyRenderer = BodyRenderer()
        self.store: Store | None = None
        self.swept = False

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        if not hasattr(self, "cache"):  # built without on_startup (MkDocs' API used directly)
            self.on_startup(command="build", dirty=False)
        # A configuration read from standard input has no file: its paths are relative to the working folder.
        root = Path(config.config_file_path).resolve().parent if config.config_file_path else Path.cwd()
        try:
            self.settings = load_settings(dict(self.config), root)
        except SettingsError as exc:
            raise PluginError("interlock plugin options: " + "; ".join(exc.problems)) from exc
        if self.store is None:
            # The cache on disk that `interlock check` keeps: a build after a check converts nothing again.
            self.store = Store.for_site(self.settings.root)
            if self.store.why_off:
                log.info(f"no cache: {self.store.why_off}")
            if self.store.enabled:
                self.cache = DocumentCache(self.store)
                self.bodies = StoredBodyRenderer(self.store)
        theme_dir = str(resources.files("interlock").joinpath("theme"))
        if config.theme.name == "material" and theme_dir not in config.theme.dirs:
            # Ahead of the theme's own templates, behind a site's custom_dir.
            config.theme.dirs.insert(1 if config.theme.custom_dir else 0, theme_dir)
        for name in ASSETS:
            target = config.extra_css if name.endswith(".css") else config.extra_javascript
            if f"{ASSET_DIR}/{name}" not in target:
                target.append(f"{ASSET_DIR}/{name}")
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        roadmap = build_roadmap(self.settings, self.cache, bodies=self.bodies)
        # Errors are MkDocs warnings (a strict build fails on them); the checker's warnings are advice.
        for diagnostic in roadmap.diagnostics:
            (log.warning if diagnostic.severity == "error" else log.info)(format_text(diagnostic))
        if config.strict and roadmap.errors:
            # MkDocs counts warnings only at the levels it shows, so `-q --strict` would pass: fail here.
            errors = [format_text(d) for d in roadmap.diagnostics if d.severity == "error"]
            more = f"\n... and {len(errors) - 20} more" if len(errors) > 20 else ""
            raise PluginError(
                f"interlock: {roadmap.errors} error{'s' if roadmap.errors != 1 else ''} in the stories or priority lists "
                "(strict build); run `interlock check`:\n" + "\n".join(errors[:20]) + more
            )
        history = None
        if self.config.history:
            history = self.histories.get(self.settings.root, self.settings.stories_dir)
            for message in history.warnings:
                log.warning(message)
            if history.reason:
                log.info(f"no git history ({history.reason}): story pages say 'not yet committed'")
        self.tree = generate_tree(
            roadmap,
            Urls(config.use_directory_urls),
            history=history,
            overrides=self.settings.templates_dir,
            bodies=self.bodies,
            site_url=config.site_url or None,
            site_name=config.site_name,
            sources=False,  # MkDocs is handed each page's HTML (on_page_content), never its Markdown
        )
        for generated in self.tree.files.values():
            if files.get_file_from_path(generated.path) is not None:
                raise PluginError(f"interlock: '{generated.path}' in {config.docs_dir} would hide a generated page; rename or remove it")
            # Stories are reached from index pages; listing thousands in the nav would slow every page.
            inclusion = InclusionLevel.NOT_IN_NAV if generated.page is not None else InclusionLevel.UNDEFINED
            files.append(File.generated(config, generated.path, content=generated.content, inclusion=inclusion))
        return files

    def on_page_markdown(self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        generated = self.tree.files.get(page.file.src_uri)
        if generated is None:
            return self.tree.handwritten_markdown(page.file.src_uri, markdown)
        if generated is not None and generated.page is not None and generated.page.source and config.repo_url and config.edit_uri:
            base = urljoin(config.repo_url.rstrip("/") + "/", config.edit_uri.rstrip("/") + "/")
            page.edit_url = urljoin(base, Path(os.path.relpath(self.settings.root / generated.page.source, config.docs_dir)).as_posix())
        if generated.html is not None:
            # The page's HTML is made already: Markdown need not read it back (the costliest step of a
            # build of thousands of pages); on_page_content puts it in place.
            return ""
        return markdown

    def on_page_content(self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        generated = self.tree.files.get(page.file.src_uri)
        if generated is not None and generated.page is not None:
            # The page is one raw HTML block, so Markdown's toc extension saw no heading.
            page.toc = get_toc(_toc(generated.page.headings))  # type: ignore[arg-type]
            if generated.html is not None:
                return generated.html
        return html

    # A search index reads only what a page's search_html holds (a story's own text), and nothing of a
    # page kept out of it (a packet, an index): given to it before the search plugin indexes the page,
    # and the whole page put back after. The search plugin also scans what it is given for its
    # attributes, a regular expression tried at every character: on the packets, 15 MB of HTML at
    # 1,000 stories, that took a third of a second.
    @event_priority(100)
    def _search_sees_less(self, context: Any, /, *, page: Page, config: MkDocsConfig, nav: Any) -> Any:
        generated = self.tree.files.get(page.file.src_uri)
        if generated is None or generated.page is None or page.content is None:
            return context
        if generated.search_html is not None or not generated.page.searchable:
            self._whole[page.file.src_uri] = page.content
            page.content = generated.search_html or ""
        return context

    @event_priority(-100)
    def _whole_page_back(self, context: Any, /, *, page: Page, config: MkDocsConfig, nav: Any) -> Any:
        whole = self._whole.pop(page.file.src_uri, None)
        if whole is not None:
            # As the search plugin leaves a page it indexed (most pages have no such attribute: not scanned)
            page.content = _SEARCH_ATTRIBUTES.sub("", whole) if "data-search-" in whole else whole
        return context

    on_page_context = CombinedEvent(_search_sees_less, _whole_page_back)

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.store is not None:
            # The first build read every input and every story's converted text through the cache, so what it
            # did not use is what edits left behind (a check converts only what changed: it sweeps no texts);
            # later serve rebuilds take unchanged files from memory and must not sweep.
            self.store.flush(sweep=() if self.swept else (*PER_FILE_KINDS, "body"))
            self.swept = True

    def on_serve(self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Any) -> LiveReloadServer:
        for folder in (self.settings.stories_dir, self.settings.priorities_dir):
            if folder.is_dir():
                server.watch(str(folder))
        return server
