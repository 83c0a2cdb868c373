"""MkDocs glue only: options, generated files, and hooks that hand work to the core."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from markupsafe import escape
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from .history import HistoryCache
from .linking import Roadmap, build_roadmap
from .loader import DocumentCache
from .model import Story
from .render import Renderer, Urls, build_date, export_model, sanitize_body
from .schema import SettingsError, load_settings, schema_text

log = get_plugin_logger(__name__)

ASSETS = ("interlock.css", "interlock.js")


class InterlockConfig(Config):
    stories_dir = c.Type(str, default="stories")
    priorities_dir = c.Type(str, default="priorities")
    # Loosely typed here: the core validates them, with the same messages as `interlock check`.
    releases = c.Type(list, default=[])
    current_release = c.Optional(c.Type((str, int, float)))
    personas = c.Type(list, default=[])
    criteria = c.Type(dict, default={})
    templates_dir = c.Optional(c.Type(str))
    # Created / updated dates, contributors and status timelines from git; off skips every git call.
    history = c.Type(bool, default=True)


@dataclass
class GeneratedPage:
    title: str
    markdown: str
    before: Callable[[], str]
    after: Callable[[], str] = str
    source: Path | None = None
    # Listings repeat what the pages they link to say: out of the search index, which they would flood.
    searchable: bool = True
    # Story pages: the header (after the title) and footer go in after search has indexed the page,
    # so search sees what the PM wrote, and the build does not parse the same tables a thousand times.
    late: bool = False
    # Print packets: the whole page is made after every story body exists (it holds them all).
    packet: Callable[[Callable[[Story], str]], str] | None = None


class InterlockPlugin(BasePlugin[InterlockConfig]):
    def __init__(self) -> None:
        self.cache = DocumentCache()
        self.histories = HistoryCache()
        self.pages: dict[str, GeneratedPage] = {}
        self.roadmap: Roadmap | None = None
        # Marks where late HTML goes; random, so no story text can forge one.
        self.marker = f"<!--interlock-{secrets.token_hex(8)}-->"
        self.late_html: dict[str, tuple[str, str]] = {}
        self.bodies: dict[str, str] = {}

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # One instance lives across `mkdocs serve` rebuilds, so the cache re-reads only changed files
        # and git history is walked again only when HEAD moves.
        self.cache = DocumentCache()
        self.histories = HistoryCache()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        root = Path(config.config_file_path or ".").resolve().parent
        try:
            self.settings = load_settings(dict(self.config), root)
        except SettingsError as exc:
            raise PluginError("interlock plugin options: " + "; ".join(exc.problems)) from exc
        self.overrides = root / self.config.templates_dir if self.config.templates_dir else None
        theme_dir = str(resources.files("interlock").joinpath("theme"))
        if config.theme.name == "material" and theme_dir not in config.theme.dirs:
            # Ahead of the theme's own templates, behind a site's custom_dir.
            position = 1 if config.theme.custom_dir else 0
            config.theme.dirs.insert(position, theme_dir)
        for name in ASSETS:
            target = config.extra_css if name.endswith(".css") else config.extra_javascript
            if f"assets/interlock/{name}" not in target:
                target.append(f"assets/interlock/{name}")
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        roadmap = self.roadmap = build_roadmap(self.settings, self.cache)
        for diagnostic in roadmap.diagnostics:
            log.warning(diagnostic.format())
        history = None
        if self.config.history:
            history = self.histories.get(self.settings.root, self.settings.stories_dir)
            for message in history.warnings:
                log.warning(message)
            if history.reason:
                log.info(f"no git history ({history.reason}): story pages say 'not yet committed'")
        urls = Urls(config.use_directory_urls)
        renderer = Renderer(roadmap, urls, self.overrides, history)
        pages: dict[str, GeneratedPage] = {
            urls.src("stories"): GeneratedPage("Stories", "", renderer.stories_index, searchable=False),
            urls.src("projects"): GeneratedPage("Projects", "", renderer.projects_index, searchable=False),
            urls.src("releases"): GeneratedPage("Releases", "", renderer.releases_index, searchable=False),
            urls.src("ranking"): GeneratedPage("Ranking", "", renderer.ranking_page, searchable=False),
        }
        for story in roadmap.stories.values():
            pages[urls.src("story", story.id)] = GeneratedPage(
                story.title,
                story.body,
                partial(renderer.story_header, story),
                partial(renderer.story_footer, story),
                self.settings.root / story.path,
                late=True,
            )
        for project in roadmap.projects.values():
            pages[urls.src("project", project.id)] = GeneratedPage(project.name, "", partial(renderer.project_page, project))
        for release in self.settings.releases:
            pages[urls.src("release", release)] = GeneratedPage(
                f"Release {release}", "", partial(renderer.release_page, release), searchable=False
            )
        built = build_date()
        for release in self.settings.releases:
            pages[urls.src("print_release", release)] = GeneratedPage(
                f"Release {release}: planning packet",
                "",
                str,
                searchable=False,
                packet=partial(renderer.print_release, release, built=built),
            )
        for project in roadmap.projects.values():
            pages[urls.src("print_project", project.id)] = GeneratedPage(
                f"{project.name}: what PMs ask",
                "",
                str,
                searchable=False,
                packet=partial(renderer.print_project, project, built=built),
            )
        self.urls = urls
        for src, page in pages.items():
            existing = files.get_file_from_path(src)
            if existing is not None:
                raise PluginError(f"interlock: '{src}' in {config.docs_dir} would hide a generated page; rename or remove it")
            # Stories are reached from index pages; listing thousands in the nav would slow every page.
            files.append(File.generated(config, src, content=page.markdown, inclusion=InclusionLevel.NOT_IN_NAV))
        home = files.get_file_from_path(urls.src("home"))
        if home is not None:
            pages[home.src_uri] = GeneratedPage("", "", str, renderer.home_summary)
        for name in ASSETS:
            content = resources.files("interlock").joinpath(f"assets/{name}").read_text("utf-8")
            files.append(File.generated(config, f"assets/interlock/{name}", content=content))
        for name in ("story", "priorities"):
            files.append(File.generated(config, f"schemas/{name}.schema.json", content=schema_text(name)))
        files.append(
            File.generated(
                config, "roadmap.json", content=json.dumps(export_model(roadmap, urls, history), indent=1, ensure_ascii=False) + "\n"
            )
        )
        self.pages = pages
        return files

    def on_page_markdown(self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        generated = self.pages.get(page.file.src_uri)
        if generated is None or not generated.title:
            return markdown
        # The theme prints the title without escaping it; front-matter text is untrusted.
        page.meta["title"] = str(escape(generated.title))
        if not generated.searchable:
            page.meta["search"] = {"exclude": True}
        if generated.source is not None and config.repo_url and config.edit_uri:
            base = urljoin(config.repo_url.rstrip("/") + "/", config.edit_uri.rstrip("/") + "/")
            page.edit_url = urljoin(base, Path(os.path.relpath(generated.source, config.docs_dir)).as_posix())
        return markdown

    def on_page_content(self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        generated = self.pages.get(page.file.src_uri)
        if generated is None:
            return html
        if not generated.title:
            # A hand-written page (the home page): the summary goes under its own first heading.
            head, sep, rest = html.partition("</h1>")
            return head + sep + generated.after() + rest if sep else generated.after() + html
        if generated.packet is not None:
            return self.marker
        if generated.late:
            html = sanitize_body(html)
            self.bodies[page.file.src_uri] = html
            # The title stays in the content, or the theme would add a second one.
            title, sep, header = generated.before().partition("</h1>")
            if not sep:
                title, header = "", title
            self.late_html[page.file.src_uri] = (header, generated.after())
            return title + sep + self.marker + html + self.marker
        return generated.before() + html + generated.after()

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str:
        generated = self.pages.get(page.file.src_uri)
        if generated is not None and generated.packet is not None:
            # Every page's content is made before any page is written, so all story bodies are here.
            packet = generated.packet(lambda story: self.bodies.get(self.urls.src("story", story.id), ""))
            head, sep, tail = output.partition(self.marker)
            if not sep:
                raise PluginError(f"interlock: {page.file.src_uri}: the theme dropped the page content; cannot place the packet")
            return head + packet + tail
        late = self.late_html.pop(page.file.src_uri, None)
        if late is None:
            return output
        header, footer = late
        head, sep, rest = output.partition(self.marker)
        body, sep2, tail = rest.partition(self.marker)
        if not (sep and sep2):
            raise PluginError(f"interlock: {page.file.src_uri}: the theme dropped the page content; cannot place the story header")
        return head + header + body + footer + tail

    def on_serve(self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Any) -> LiveReloadServer:
        for folder in (self.settings.stories_dir, self.settings.priorities_dir):
            if folder.is_dir():
                server.watch(str(folder))
        return server
