"""The site as a docs tree: every generated page, asset and data file, made once from a roadmap.

The MkDocs plugin hands these files to MkDocs; `interlock generate` writes them to disk with a
configuration that needs no plugin, for any builder that reads a docs tree (plain MkDocs,
ProperDocs, Zensical). Pages are Markdown files holding one block of finished HTML, so every
builder publishes the same page, and no builder's Markdown extension can act on story text."""

from __future__ import annotations

import html
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .attachments import site_path
from .body import BodyRenderer, Heading
from .export import export_model, model_json
from .feeds import build_feeds
from .history import History
from .linking import Roadmap
from .model import Story
from .parallel import PARALLEL_AT, forked_map
from .render import Renderer
from .rules import schema_text
from .urls import Urls, release_slug

ASSETS = ("interlock.css", "interlock.js")
ASSET_DIR = "assets/interlock"
SCHEMAS = ("story", "priorities", "weighing", "roadmap")  # served at schemas/<name>.schema.json, $id under site_url

# Characters that Markdown preprocessors of common extensions act on even inside raw HTML (fences of
# superfences, critic marks, tabs expanded); as character references they read the same in a browser.
_ARMOR = str.maketrans({"`": "&#96;", "~": "&#126;", "{": "&#123;", "}": "&#125;", "\t": "&#9;"})
_HEADING = re.compile(r'<h([1-3]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)
_TAG = re.compile(r"<[^>]*>")
_ATX_H1 = re.compile(r"^# +\S.*$", re.M)
_BLOCK = re.compile(r"^<!-- interlock: ([a-z-]+) -->[ \t]*$", re.M)


@dataclass(frozen=True)
class PageInfo:
    """What a builder needs to know of a generated page besides its text."""

    title: str  # plain text; written escaped
    headings: tuple[Heading, ...] = ()
    source: str | None = None  # the input file the page shows, relative to the site root (edit links)
    searchable: bool = True
    feed: str | None = None  # the Atom feed of what the page is about, relative to the site root
    wide: bool = False  # a page of wide tables: the screen's width, no table of contents beside it


@dataclass
class GeneratedFile:
    path: str  # inside the docs tree, POSIX
    content: str | bytes  # bytes: a story's attachment, published as it was checked
    page: PageInfo | None = None  # None for assets and data files
    # A page's HTML as every builder publishes it from `content`: a builder with hooks (the plugin)
    # takes it as it is, instead of having Markdown read it back; and what a search index should read.
    html: str | None = None
    search_html: str | None = None


@dataclass
class DocsTree:
    """Every generated file, by path, and the summary the home page carries under its title."""

    files: dict[str, GeneratedFile] = field(default_factory=dict)
    home_summary: str = ""
    # Generated blocks a hand-written page asks for with a line <!-- interlock: NAME -->.
    blocks: dict[str, str] = field(default_factory=dict)

    def add(
        self, path: str, content: str | bytes, page: PageInfo | None = None, html: str | None = None, search_html: str | None = None
    ) -> None:
        self.files[path] = GeneratedFile(path, content, page, html, search_html)

    def home_markdown(self, handwritten: str) -> str:
        """Return the hand-written home page with the generated summary under its first title."""
        block = "\n\n" + armor(f'<div class="rm-home-summary">\n{self.home_summary}\n</div>') + "\n\n"
        title = _ATX_H1.search(handwritten)
        if title is None:
            return block.lstrip("\n") + handwritten
        return handwritten[: title.end()] + block + handwritten[title.end() :].lstrip("\n")

    def handwritten_markdown(self, src: str, text: str) -> str:
        """Return a hand-written page as the site shows it: the home summary, and generated blocks in place."""
        if src == "index.md":
            text = self.home_markdown(text)

        def block(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.blocks:
                return match.group(0)
            return armor(f'<div class="rm-block rm-block--{name}">\n{self.blocks[name]}\n</div>')

        return _BLOCK.sub(block, text)


_EMPTY_SITEMAP = '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>\n'
_STYLE = re.compile(r"(<style>.*?</style>)", re.S)


def armor(fragment: str) -> str:
    """Return HTML that every Markdown converter passes through unchanged as one raw block.

    A <style> element is left as it is (character references mean nothing inside it); only our own
    templates write one, and the only text from files in it is a CSS-escaped string (no braces)."""
    return "".join(part if part.startswith("<style>") else part.translate(_ARMOR) for part in _STYLE.split(fragment))


def page_html(info: PageInfo, fragment: str) -> str:
    """Return the HTML of a generated page's content, as a builder publishes it."""
    if info.wide:
        fragment = f'<div class="rm-wide">\n{fragment}\n</div>'
    return f'<div class="rm-page">\n{fragment}\n</div>'


def page_markdown(info: PageInfo, fragment: str) -> str:
    """Return the Markdown source of a generated page: front-matter, then one block of HTML."""
    meta: dict[str, object] = {"title": html.escape(info.title, quote=False)}  # themes print titles unescaped
    if not info.searchable:
        meta["search"] = {"exclude": True}
    if info.wide:
        meta["hide"] = ["toc"]  # Material's and Zensical's way to give the content the width
    if info.feed:
        meta["feed"] = info.feed  # the theme override links it from the page's head
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1_000_000)
    return f"---\n{front}---\n\n{armor(page_html(info, fragment))}\n"


_CARD_TABLE = re.compile(r'<table class="[^"]*\brm-cards\b[^"]*"[^>]*>.*?</table>', re.S)
_HEADER_CELL = re.compile(r"<th\b[^>]*>(.*?)</th>", re.S)
_ROW = re.compile(r"<tr\b[^>]*>.*?</tr>", re.S)
_CELL_START = re.compile(r"<t([dh])\b((?:(?!data-label)[^>])*)>")


def label_cells(fragment: str) -> str:
    """Return HTML whose card tables (class rm-cards) carry each column's heading on every cell, as
    data-label: on a phone each row becomes a card of labelled lines (see interlock.css)."""

    def table(match: re.Match[str]) -> str:
        html_table = match.group(0)
        head, sep, rest = html_table.partition("</thead>")
        if not sep:
            return html_table
        labels = [html.escape(_TAG.sub("", label).strip(), quote=True) for label in _HEADER_CELL.findall(head)]

        def row(row_match: re.Match[str]) -> str:
            column = iter(labels)

            def cell(cell_match: re.Match[str]) -> str:
                label = next(column, "")
                if cell_match.group(1) == "h" and 'scope="row"' not in cell_match.group(2):
                    return cell_match.group(0)
                return f'<t{cell_match.group(1)}{cell_match.group(2)} data-label="{label}">'

            return _CELL_START.sub(cell, row_match.group(0))

        return head + sep + _ROW.sub(row, rest)

    return _CARD_TABLE.sub(table, fragment) if "rm-cards" in fragment else fragment


def headings_of(fragment: str) -> tuple[Heading, ...]:
    """Return the level 1-3 headings of an HTML fragment, for the builder's table of contents."""
    found = []
    for level, anchor, inner in _HEADING.findall(fragment):
        text = html.unescape(_TAG.sub("", inner)).replace("¶", "").strip()
        found.append(Heading(int(level), anchor, html.escape(text, quote=False)))
    return tuple(found)


def build_date() -> str:
    """Return today's date, or the date of SOURCE_DATE_EPOCH when set (for reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    when = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch.isdigit() else datetime.now(timezone.utc)
    return when.strftime("%Y-%m-%d")


def _search_body(renderer: Renderer, story: Story, src: str) -> str:
    """What a search index reads of a story page: only what the PM wrote (the header and footer repeat other pages' facts)."""
    return f'<div class="rm-page"><div class="rm-story-body">\n{renderer.story_body(story, src)}\n</div></div>'


def generate_tree(
    roadmap: Roadmap,
    urls: Urls,
    *,
    history: History | None = None,
    overrides: Path | None = None,
    bodies: BodyRenderer | None = None,
    built: str | None = None,
    site_url: str | None = None,
    site_name: str = "Roadmap",
    sources: bool = True,
) -> DocsTree:
    """Return every generated page, asset and data file of the roadmap's site. With `sources` False a
    page's Markdown holds only its front-matter: for a builder that takes each page's `html` as it is."""
    built = built or build_date()
    renderer = Renderer(roadmap, urls, overrides, history, bodies, site_url=site_url, today=date.fromisoformat(built))
    tree = DocsTree()
    feeds = build_feeds(roadmap, history, urls, site_url=site_url, built=built, title=site_name)

    pages: list[tuple[str, str, Callable[[], str], dict[str, Any]]] = []

    def page(src: str, title: str, fragment: Callable[[], str], **options: Any) -> None:
        pages.append((src, title, fragment, options))

    def made(
        src: str,
        title: str,
        fragment: str,
        *,
        source: str | None = None,
        searchable: bool = True,
        feed: str | None = None,
        wide: bool = False,
        outline_only: bool = False,
        search_html: str | Callable[[], str] | None = None,
    ) -> tuple[str, PageInfo, str, str | None]:
        fragment = label_cells(fragment)
        headings = headings_of(fragment)
        if outline_only:  # a packet: its own headings, not those of the stories it holds (hundreds, all alike)
            own = set(re.findall(r'<h[1-3] id="([^"]+)" data-rm-outline', fragment))
            headings = tuple(h for h in headings if h.id in own)
        info = PageInfo(title, headings, source, searchable, feed if feed in feeds else None, wide)
        search = search_html() if callable(search_html) else search_html
        return page_markdown(info, fragment if sources else ""), info, page_html(info, fragment), search

    # Listings and release pages repeat what the pages they link to say: out of the search index.
    page(urls.src("stories"), "Stories", renderer.stories_index, searchable=False, wide=True)
    page(urls.src("projects"), "Projects", renderer.projects_index, searchable=False)
    page(urls.src("releases"), "Releases", renderer.releases_index, searchable=False)
    page(urls.src("problems"), "Problems", renderer.problems_page, searchable=False)
    page(
        urls.src("health"),
        "Health of the roadmap",
        partial(renderer.health_page, date.fromisoformat(built)),
        searchable=False,
        feed="feed.xml",
    )
    page(urls.src("timeline"), "Timeline", renderer.timeline_page, searchable=False, feed="feed.xml", wide=True)
    if roadmap.settings.ranking:  # criteria: {} turns ranking off, and the page with it
        page(urls.src("ranking"), "Ranking", renderer.ranking_page, searchable=False, wide=True)
    for story in roadmap.stories.values():
        src = urls.src("story", story.id)
        # A search index reads only what the PM wrote: the header and footer repeat other pages' facts.
        search = partial(_search_body, renderer, story, src)
        page(src, story.title, partial(renderer.story_page, story), source=story.path, search_html=search)
    for project in roadmap.projects.values():
        page(
            urls.src("project", project.id),
            project.name,
            partial(renderer.project_page, project),
            source=project.path,
            feed=f"projects/{project.id}/feed.xml",
            wide=True,
            # What the team is about; its asks are found as the stories themselves.
            search_html=f'<div class="rm-page"><p>{html.escape(project.description or project.name, quote=False)}</p></div>',
        )
    for release in roadmap.settings.releases:
        page(
            urls.src("release", release),
            f"Release {release}",
            partial(renderer.release_page, release),
            searchable=False,
            feed=f"releases/{release_slug(release)}/feed.xml",
            wide=True,
        )
        page(
            urls.src("print_release", release),
            f"Release {release}: planning packet",
            partial(renderer.print_release, release, built),
            searchable=False,
            outline_only=True,
        )
    for project in roadmap.projects.values():
        current = roadmap.settings.current_release
        page(
            urls.src("print_project", project.id),
            f"{project.name}: what PMs ask for {current}" if current else f"{project.name}: what PMs ask",
            partial(renderer.print_project, project, built),
            searchable=False,
            outline_only=True,
        )
        for release in roadmap.settings.packet_releases:
            if release != current:
                page(
                    urls.src("print_project_release", f"{project.id}/{release_slug(release)}"),
                    f"{project.name}: what PMs ask for {release}",
                    partial(renderer.print_project, project, built, release),
                    searchable=False,
                    outline_only=True,
                )

    def job(index: int) -> tuple[str, PageInfo, str, str | None]:
        src, title, fragment, options = pages[index]
        return made(src, title, fragment(), **options)

    # The pages are independent: made by forked workers when there are many (each a copy of the
    # renderer, so the bodies must not be read from the cache on disk there: they are read here first).
    for story in roadmap.stories.values():
        renderer.bodies.render(story.body)
    if len(pages) >= PARALLEL_AT:
        renderer.compile_templates()
    bodies_here, renderer.bodies = renderer.bodies, renderer.bodies.detached()
    try:
        results = forked_map(job, range(len(pages))) or [job(index) for index in range(len(pages))]
    finally:
        renderer.bodies = bodies_here
    for (src, *_), (markdown, info, html_page, searched) in zip(pages, results, strict=True):
        tree.add(src, markdown, info, html_page, searched)
    tree.home_summary = renderer.home_summary()
    tree.blocks["rubric"] = label_cells(renderer.render("rubric.html", "formats.md"))

    package = resources.files("interlock")
    for name in ASSETS:
        tree.add(f"{ASSET_DIR}/{name}", package.joinpath(f"assets/{name}").read_text("utf-8"))
    for name in SCHEMAS:
        tree.add(f"schemas/{name}.schema.json", schema_text(name, site_url))
    for path, xml in feeds.items():
        tree.add(path, xml)
        folder = path.rpartition("/")[0]
        if folder:
            # Material reads every <link rel="alternate"> as another language of the site and fetches the
            # sitemap.xml beside it: an empty one there keeps that from failing on every project page.
            tree.add(f"{folder}/sitemap.xml", _EMPTY_SITEMAP)
    for story_id in roadmap.stories:
        for name, attachment in roadmap.attachments.published(story_id).items():
            tree.add(site_path(story_id, name), attachment.content)
    tree.add("roadmap.json", model_json(export_model(roadmap, urls, history, site_url=site_url)))
    return tree
