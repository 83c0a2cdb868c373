"""Rendering: every generated page and the JSON export, from Jinja2 templates a site may override.
All links come from `Urls`, so a page can only link to a page the site has."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import nh3
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from .changes import RoadmapChanges
from .history import FileHistory, History, utc_date
from .linking import Alignment, Roadmap, alignment_counts
from .model import ALIGNMENTS, STATUSES, Project, Story

SCHEMA_VERSION = 1
TOP_STORIES_ON_HOME = 5


def release_slug(release: str) -> str:
    """Return the URL segment of a release name ('2025.1' -> '2025.1', 'Newton' -> 'newton')."""
    return re.sub(r"[^a-z0-9.]+", "-", release.lower()).strip("-.") or "release"


_SOURCES = {
    "home": "index.md",
    "stories": "stories/index.md",
    "story": "stories/{key}.md",
    "projects": "projects/index.md",
    "project": "projects/{key}.md",
    "releases": "releases/index.md",
    "ranking": "ranking.md",
    "print_project": "print/projects/{key}.md",
}


class Urls:
    """Source paths and URLs of every generated page; the URLs are part of the public contract."""

    def __init__(self, directory_urls: bool = True) -> None:
        self.directory_urls = directory_urls

    def src(self, kind: str, key: str = "") -> str:
        """Return the page's source path, as MkDocs sees it inside docs_dir."""
        if kind == "release":
            return f"releases/{release_slug(key)}.md"
        if kind == "print_release":
            return f"print/{release_slug(key)}.md"
        return _SOURCES[kind].format(key=key)

    def url_of_src(self, src: str) -> str:
        """Return the URL, relative to the site root, of a Markdown source path (as MkDocs computes it)."""
        stem = src[: -len(".md")]
        if self.directory_urls:
            if stem == "index":
                return ""
            return stem[: -len("index")] if stem.endswith("/index") else stem + "/"
        return stem + ".html"

    def page(self, kind: str, key: str = "") -> str:
        """Return the URL of a page relative to the site root."""
        return self.url_of_src(self.src(kind, key))


def relative_url(target: str, current: str) -> str:
    """Return the link from the page at URL `current` to URL `target` (both relative to the site root)."""
    # String work only: this runs for every link of every page, and posixpath.relpath is slow.
    base = current if current.endswith("/") or "/" not in current else current.rsplit("/", 1)[0] + "/"
    if base and not base.endswith("/"):
        base = ""  # a page at the top level, such as index.html
    if target == base:
        return "./"
    rel = target[len(base) :] if target.startswith(base) else "../" * base.count("/") + target
    return rel or "./"


@dataclass
class BarRow:
    label: str
    href: str
    planned: int
    unplanned: int
    gap: int


class Renderer:
    """Renders the generated pages of a roadmap; templates in `overrides` replace the packaged ones."""

    def __init__(self, roadmap: Roadmap, urls: Urls, overrides: Path | None = None, history: History | None = None) -> None:
        self.roadmap = roadmap
        self.urls = urls
        self.history = history
        self._headers: dict[tuple[str, str], str] = {}
        loaders = [FileSystemLoader(str(overrides))] if overrides else []
        self.env = Environment(
            loader=ChoiceLoader([*loaders, PackageLoader("interlock", "templates")]),
            autoescape=select_autoescape(["html", "svg"], default_for_string=True),
            auto_reload=False,  # every page imports the macros; checking the files each time costs seconds
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.globals.update(
            rm=roadmap,
            statuses=STATUSES,
            alignments_kinds=ALIGNMENTS,
            counts=alignment_counts,
            pct=_pct,
            criteria=roadmap.settings.criteria,
            history=history,
            history_of=self.history_of,
        )
        self.env.filters["day"] = utc_date

    def history_of(self, story: Story) -> FileHistory | None:
        """Return the git history of a story, or None when it is not committed (or history is off)."""
        return self.history.of(story.path) if self.history is not None else None

    def render(self, template: str, current_src: str, **context: Any) -> str:
        """Return the HTML of `template` as seen from the page whose source is `current_src`."""
        here = self.urls.url_of_src(current_src)

        def url(kind: str, key: str = "") -> str:
            return relative_url(self.urls.page(kind, key), here)

        return self.env.get_template(template).render(url=url, **context)

    def story_header(self, story: Story, src: str | None = None) -> str:
        """Return a story's header as seen from the page `src` (default: its own page)."""
        src = src or self.urls.src("story", story.id)
        # The header links only to pages outside the folders of the pages showing it, so it reads the
        # same from every page at the same depth: the story page and a release packet share one.
        key = (story.id, relative_url("", self.urls.url_of_src(src)))
        if key not in self._headers:
            self._headers[key] = self.render("story_header.html", src, story=story, **self._story_context(story))
        return self._headers[key]

    def story_footer(self, story: Story) -> str:
        return self.render("story_footer.html", self.urls.src("story", story.id), story=story, **self._story_context(story))

    def _story_context(self, story: Story) -> dict[str, Any]:
        rm = self.roadmap
        return {
            "score": rm.scores[story.id],
            "rank": rm.ranks[story.id],
            "aligned": rm.alignments[story.id],
            "completion": rm.completion(story.id),
            "related": rm.related[story.id],
            "shared": rm.shared[story.id],
            "unknown_projects": [p for p in story.projects if p not in rm.projects],
        }

    def stories_index(self) -> str:
        return self.render("stories_index.html", self.urls.src("stories"))

    def projects_index(self) -> str:
        return self.render("projects_index.html", self.urls.src("projects"), bars=self.demand_rows())

    def project_page(self, project: Project) -> str:
        aligned = self.roadmap.by_project[project.id]
        return self.render(
            "project.html",
            self.urls.src("project", project.id),
            project=project,
            aligned=aligned,
            unplanned=[a for a in aligned if a.kind == "unplanned"],
            gaps=[a for a in aligned if a.kind == "gap"],
            releases=[r for r in reversed(self.roadmap.settings.releases) if r in project.releases]
            + [r for r in project.releases if r not in self.roadmap.settings.releases],
        )

    def releases_index(self) -> str:
        return self.render("releases_index.html", self.urls.src("releases"))

    def release_page(self, release: str) -> str:
        stories = self.roadmap.for_release(release)
        return self.render(
            "release.html",
            self.urls.src("release", release),
            release=release,
            stories=stories,
            matrix=self.matrix(stories),
            bars=self.demand_rows(stories),
        )

    def print_release(self, release: str, body: Callable[[Story], str], built: str) -> str:
        """Return the printable planning packet of a release; `body` gives each story's body HTML."""
        stories = self.roadmap.for_release(release)
        src = self.urls.src("print_release", release)
        return self._packet(
            src,
            stories,
            body,
            built,
            heading=f"Release {release}: planning packet",
            lead=f"Every story that targets release {release}, by rank, with how it meets each team's priorities.",
            online=("release", release),
            matrix=self.matrix(stories),
        )

    def print_project(self, project: Project, body: Callable[[Story], str], built: str) -> str:
        """Return the printable packet of what PMs ask of one project."""
        stories = [a.story for a in self.roadmap.by_project[project.id]]
        return self._packet(
            self.urls.src("print_project", project.id),
            stories,
            body,
            built,
            heading=f"{project.name}: what PMs ask",
            lead=f"Every story that names {project.name}, by rank, with the gap, the alignment and the liaison.",
            online=("project", project.id),
            matrix=None,
        )

    def _packet(
        self,
        src: str,
        stories: list[Story],
        body: Callable[[Story], str],
        built: str,
        *,
        heading: str,
        lead: str,
        online: tuple[str, str],
        matrix: dict[str, Any] | None,
    ) -> str:
        entries = []
        for story in stories:
            header = self.story_header(story, src)
            # The packet gives each story its own heading; the page title of the story page is dropped.
            header = header.partition("</h1>")[2] or header
            entries.append({"story": story, "header": Markup(header), "body": Markup(packet_body(story.id, body(story)))})
        aligned = [a for story in stories for a in self.roadmap.alignments[story.id]]
        kind, key = online
        return self.render(
            "print.html",
            src,
            heading=heading,
            lead=lead,
            built=built,
            entries=entries,
            c=alignment_counts(aligned),
            matrix=matrix,
            online=relative_url(self.urls.page(kind, key), self.urls.url_of_src(src)),
            online_label=f"the {kind} page",
        )

    def ranking_page(self) -> str:
        return self.render("ranking.html", self.urls.src("ranking"))

    def home_summary(self) -> str:
        rm = self.roadmap
        needs = [(s, [a for a in rm.alignments[s.id] if a.needs_liaison]) for s in rm.ranked if s.status not in ("rejected", "completed")]
        return self.render(
            "home.html",
            self.urls.src("home"),
            top=[s for s in rm.ranked if s.status not in ("rejected", "completed", "parked")][:TOP_STORIES_ON_HOME],
            needs_liaison=[(s, a) for s, a in needs if a],
            drafts=[s for s in rm.ranked if s.is_draft],
            bars=self.demand_rows(),
        )

    def matrix(self, stories: list[Story]) -> dict[str, Any]:
        """Return the stories x projects alignment matrix, with only the projects those stories name."""
        cells: dict[tuple[str, str], Alignment] = {}
        names: set[str] = set()
        for story in stories:
            for alignment in self.roadmap.alignments[story.id]:
                cells[(story.id, alignment.project.id)] = alignment
                names.add(alignment.project.id)
        return {"projects": [self.roadmap.projects[n] for n in sorted(names)], "cells": cells}

    def demand_rows(self, stories: list[Story] | None = None) -> list[BarRow]:
        """Return per project the planned / unplanned / gap counts of the given (default: all) stories."""
        wanted = None if stories is None else {s.id for s in stories}
        rows = []
        for name, aligned in self.roadmap.by_project.items():
            counts = alignment_counts([a for a in aligned if wanted is None or a.story.id in wanted])
            if counts["planned"] + counts["unplanned"] + counts["gap"]:
                rows.append(BarRow(name, self.urls.page("project", name), counts["planned"], counts["unplanned"], counts["gap"]))
        return sorted(rows, key=lambda r: (-(r.planned + r.unplanned + r.gap), r.label))


# What Markdown and the usual extensions produce; everything else in a story body is dropped.
_BODY_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "ol": {"start"},
    "details": {"open"},
    "time": {"datetime"},
    "input": {"type", "checked", "disabled"},
}
_BODY_TAGS = nh3.ALLOWED_TAGS | {"input"}


def sanitize_body(html: str) -> str:
    """Return story-body HTML without scripts, event handlers or javascript: links.

    The checker reports such content (R307) so a strict build fails; this keeps a non-strict build
    or `mkdocs serve` safe as well: story text comes from pull requests."""
    return nh3.clean(
        html,
        tags=_BODY_TAGS,
        attributes=_BODY_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        strip_comments=True,
    )


def packet_body(story_id: str, html: str) -> str:
    """Return a story body for a packet: ids made unique per story, and folded blocks open for paper."""
    html = re.sub(r'\bid="', f'id="{story_id}-', html)
    html = re.sub(r'href="#', f'href="#{story_id}-', html)
    return re.sub(r"<details(?![^>]*\bopen)", "<details open", html)


def build_date() -> str:
    """Return today's date, or the date of SOURCE_DATE_EPOCH when set (for reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    when = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch.isdigit() else datetime.now(timezone.utc)
    return when.strftime("%Y-%m-%d")


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{round(100 * value)}%"


def export_history(history: History | None, story: Story) -> dict[str, Any] | None:
    """Return a story's git history as JSON-ready data; None when history is off or it is not committed."""
    found = history.of(story.path) if history is not None else None
    if found is None:
        return None
    return {
        "created": utc_date(found.created),
        "updated": utc_date(found.updated),
        "commits": found.commits,
        "contributors": [c.name for c in found.contributors],
        "statuses": [{"date": utc_date(c.date), "status": c.status} for c in found.statuses],
    }


def export_model(roadmap: Roadmap, urls: Urls, history: History | None = None) -> dict[str, Any]:
    """Return the whole roadmap as plain JSON-ready data (the /roadmap.json contract)."""
    settings = roadmap.settings
    projects = []
    for project in roadmap.projects.values():
        counts = alignment_counts(roadmap.by_project[project.id])
        projects.append(
            {
                "id": project.id,
                "name": project.name,
                "description": project.description,
                "url": project.url,
                "page": urls.page("project", project.id),
                "source": project.path,
                "liaisons": [{"name": p.name, "irc": p.irc, "email": p.email} for p in project.liaisons],
                "releases": {
                    release: {
                        kind: [
                            {
                                "id": i.id,
                                "title": i.title,
                                "owners": i.owners,
                                "description": i.description,
                                "url": i.url,
                                "stories": [s.id for s in roadmap.by_item.get((project.id, release, i.id), [])],
                            }
                            for i in getattr(plan, kind)
                        ]
                        for kind in ("priorities", "without_plan")
                    }
                    for release, plan in project.releases.items()
                },
                "counts": dict(counts),
            }
        )
    stories = []
    for story in roadmap.ranked:
        stories.append(
            {
                "id": story.id,
                "title": story.title,
                "status": story.status,
                "ref": story.ref,
                "authors": story.authors,
                "working_groups": story.working_groups,
                "personas": story.personas,
                "target_release": story.target_release,
                "weights": story.weights,
                "score": roadmap.scores[story.id],
                "rank": roadmap.ranks[story.id],
                "completion": roadmap.completion(story.id),
                "page": urls.page("story", story.id),
                "source": story.path,
                "related": [s.id for s in roadmap.related[story.id]],
                "history": export_history(history, story),
                "projects": [
                    {
                        "project": a.project.id,
                        "gap": story.projects[a.project.id].gap,
                        "alignment": a.kind,
                        "priorities": [{"id": i.id, "release": i.release, "planned": i.planned} for i in a.items],
                        "liaison": a.liaison.name if a.liaison else None,
                        "needs_liaison": a.needs_liaison,
                        "completion": a.completion,
                        "tracking": [t.__dict__ for t in story.projects[a.project.id].tracking],
                    }
                    for a in roadmap.alignments[story.id]
                ],
            }
        )
    return {
        "schema_version": SCHEMA_VERSION,
        "releases": settings.releases,
        "current_release": settings.current_release,
        "personas": settings.personas,
        "criteria": settings.criteria,
        "score_formula": "100 * sum(weight_c * value_c) / (5 * sum(weight_c))",
        "projects": projects,
        "stories": stories,
    }


CSV_COLUMNS = (
    "story",
    "title",
    "status",
    "ref",
    "score",
    "rank",
    "target_release",
    "project",
    "alignment",
    "priorities",
    "liaison",
    "needs_liaison",
    "completion",
    "gap",
    "page",
)


def export_rows(model: dict[str, Any]) -> list[dict[str, Any]]:
    """Return one flat row per (story, project) pair of an exported model, for spreadsheets."""
    rows = []
    for story in model["stories"]:
        for entry in story["projects"]:
            rows.append(
                {
                    "story": story["id"],
                    "title": story["title"],
                    "status": story["status"],
                    "ref": story["ref"],
                    "score": story["score"],
                    "rank": story["rank"],
                    "target_release": story["target_release"] or "",
                    "project": entry["project"],
                    "alignment": entry["alignment"],
                    "priorities": " ".join(f"{p['release']}/{p['id']}" for p in entry["priorities"]),
                    "liaison": entry["liaison"] or "",
                    "needs_liaison": entry["needs_liaison"],
                    "completion": "" if entry["completion"] is None else round(entry["completion"], 3),
                    "gap": entry["gap"],
                    "page": story["page"],
                }
            )
    return rows


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>#|~&])")


def _md(value: object) -> str:
    """Return text that Markdown shows literally, on one line (titles are untrusted)."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", " ".join(str(value).split()))


def render_changes(changes: RoadmapChanges, before: Roadmap, after: Roadmap) -> str:
    """Return the Markdown report of a change to the roadmap, for a pull-request comment."""
    env = Environment(
        loader=PackageLoader("interlock", "templates"),
        autoescape=False,  # Markdown, not HTML: values are escaped by the `md` filter instead
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = _md
    env.filters["code"] = lambda value: str(value).replace("`", "'")
    env.filters["fence"] = lambda value: str(value).replace("~~~", "~ ~ ~")
    summary = [
        f"{len(items)} {one if len(items) == 1 else many}"
        for items, one, many in (
            (changes.added, "added", "added"),
            (changes.removed, "removed", "removed"),
            (changes.renamed, "renamed", "renamed"),
            (changes.statuses, "status change", "status changes"),
            (changes.scores, "score change", "score changes"),
            (changes.projects, "project change", "project changes"),
            (changes.alignments, "alignment change", "alignment changes"),
            (changes.liaisons, "liaison change", "liaison changes"),
            (changes.new_diagnostics, "new problem", "new problems"),
        )
        if items
    ]
    text = env.get_template("changes.md").render(changes=changes, head=after, base=before, summary=summary)
    return re.sub(r"\n{3,}", "\n\n", text)
