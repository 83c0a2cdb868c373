"""The site as a docs tree: every generated page, asset and data file, made once from a roadmap.

The MkDocs plugin hands these files to MkDocs; `interlock generate` writes them to disk with a
configuration that needs no plugin, for any builder that reads a docs tree (plain MkDocs,
ProperDocs, Zensical). Pages are Markdown files holding one block of finished HTML, so every
builder publishes the same page, and no builder's Markdown extension can act on story text."""

from __future__ import annotations

import html
import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

import yaml

from .body import BodyRenderer, Heading
from .export import export_model
from .history import History
from .linking import Roadmap
from .render import Renderer
from .rules import schema_text
from .urls import Urls

ASSETS = ("interlock.css", "interlock.js")
ASSET_DIR = "assets/interlock"
SCHEMAS = ("story", "priorities", "weighing")

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


@dataclass
class GeneratedFile:
    path: str  # inside the docs tree, POSIX
    content: str
    page: PageInfo | None = None  # None for assets and data files


@dataclass
class DocsTree:
    """Every generated file, by path, and the summary the home page carries under its title."""

    files: dict[str, GeneratedFile] = field(default_factory=dict)
    home_summary: str = ""
    # Generated blocks a hand-written page asks for with a line <!-- interlock: NAME -->.
    blocks: dict[str, str] = field(default_factory=dict)

    def add(self, path: str, content: str, page: PageInfo | None = None) -> None:
        self.files[path] = GeneratedFile(path, content, page)

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


def armor(fragment: str) -> str:
    """Return HTML that every Markdown converter passes through unchanged as one raw block."""
    return fragment.translate(_ARMOR)


def page_markdown(info: PageInfo, fragment: str) -> str:
    """Return the Markdown source of a generated page: front-matter, then one block of HTML."""
    meta: dict[str, object] = {"title": html.escape(info.title, quote=False)}  # themes print titles unescaped
    if not info.searchable:
        meta["search"] = {"exclude": True}
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1_000_000)
    wrapped = armor(f'<div class="rm-page">\n{fragment}\n</div>')
    return f"---\n{front}---\n\n{wrapped}\n"


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


def generate_tree(
    roadmap: Roadmap,
    urls: Urls,
    *,
    history: History | None = None,
    overrides: Path | None = None,
    bodies: BodyRenderer | None = None,
    built: str | None = None,
) -> DocsTree:
    """Return every generated page, asset and data file of the roadmap's site."""
    renderer = Renderer(roadmap, urls, overrides, history, bodies)
    built = built or build_date()
    tree = DocsTree()

    def page(src: str, title: str, fragment: str, *, source: str | None = None, searchable: bool = True) -> None:
        info = PageInfo(title, headings_of(fragment), source, searchable)
        tree.add(src, page_markdown(info, fragment), info)

    # Listings and release pages repeat what the pages they link to say: out of the search index.
    page(urls.src("stories"), "Stories", renderer.stories_index(), searchable=False)
    page(urls.src("projects"), "Projects", renderer.projects_index(), searchable=False)
    page(urls.src("releases"), "Releases", renderer.releases_index(), searchable=False)
    page(urls.src("problems"), "Problems", renderer.problems_page(), searchable=False)
    if roadmap.settings.ranking:  # criteria: {} turns ranking off, and the page with it
        page(urls.src("ranking"), "Ranking", renderer.ranking_page(), searchable=False)
    for story in roadmap.stories.values():
        page(urls.src("story", story.id), story.title, renderer.story_page(story), source=story.path)
    for project in roadmap.projects.values():
        page(urls.src("project", project.id), project.name, renderer.project_page(project), source=project.path)
    for release in roadmap.settings.releases:
        page(urls.src("release", release), f"Release {release}", renderer.release_page(release), searchable=False)
        page(
            urls.src("print_release", release),
            f"Release {release}: planning packet",
            renderer.print_release(release, built),
            searchable=False,
        )
    for project in roadmap.projects.values():
        page(
            urls.src("print_project", project.id), f"{project.name}: what PMs ask", renderer.print_project(project, built), searchable=False
        )
    tree.home_summary = renderer.home_summary()
    tree.blocks["rubric"] = renderer.render("rubric.html", "formats.md")

    package = resources.files("interlock")
    for name in ASSETS:
        tree.add(f"{ASSET_DIR}/{name}", package.joinpath(f"assets/{name}").read_text("utf-8"))
    for name in SCHEMAS:
        tree.add(f"schemas/{name}.schema.json", schema_text(name))
    tree.add("roadmap.json", json.dumps(export_model(roadmap, urls, history), indent=1, ensure_ascii=False) + "\n")
    return tree
