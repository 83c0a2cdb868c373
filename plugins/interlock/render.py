"""Rendering: the HTML of every generated page, from Jinja2 templates a site may override.
All links come from `Urls`, so a page can only link to a page the site has."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from .body import BodyPlacer, BodyRenderer
from .history import FileHistory, History, utc_date
from .linking import Alignment, Roadmap, alignment_counts
from .model import ALIGNMENTS, OPEN_STATUSES, STATUSES, Diagnostic, Liaison, Project, Story
from .urls import Urls, relative_url, release_slug

TOP_STORIES_ON_HOME = 5
CLOSED_STATUSES = ("completed", "parked", "rejected")


@dataclass
class BarRow:
    label: str  # the project's id
    href: str
    planned: int
    unplanned: int
    gap: int
    declined: int = 0
    name: str = ""  # the team's name, as readers know it

    @property
    def total(self) -> int:
        return self.planned + self.unplanned + self.gap + self.declined

    def __getitem__(self, kind: str) -> int:
        return int(getattr(self, kind))


@dataclass
class AskGroup:
    key: str
    title: str
    asks: list[Alignment]
    folded: bool = False
    short: str = ""  # the title in a line of links to every group


_CSS_SAFE = re.compile(r"[^A-Za-z0-9 .,:;()/_+-]")


def css_string(value: object) -> Markup:
    """Return text as a quoted CSS string that nothing in it can end, not even a closing </style>."""
    escaped = _CSS_SAFE.sub(lambda m: f"\\{ord(m.group(0)):x} ", " ".join(str(value).split()))
    return Markup(f'"{escaped}"')


_LONG_RUN = re.compile(r"\S{21,}")
_SOFT_POINT = re.compile(r"(?<=[/.\-_=?&,;:])(?=[^/.\-_=?&,;:])")
_CHUNK = 16


def breakable(value: object) -> Markup:
    """Return text escaped, with break opportunities (<wbr>) in every run of more than 20 characters
    without a space: after punctuation, else every 16 characters. A long URL or word in a title or a
    gap then wraps inside a narrow table cell or phone card instead of widening the page, and the
    cells' other words never break inside (CSS keeps `overflow-wrap: normal` there)."""
    text = str(value)

    def soften(match: re.Match[str]) -> str:
        parts: list[str] = []
        for piece in _SOFT_POINT.split(match.group(0)):
            parts.extend(piece[i : i + _CHUNK] for i in range(0, len(piece), _CHUNK))
        return "\0".join(parts)

    return Markup(str(Markup.escape(_LONG_RUN.sub(soften, text.replace("\0", "")))).replace("\0", "<wbr>"))


def ago(when: datetime, today: date) -> str:
    """Return how long before `today` a date is, in words: 'today', '3 days ago', '5 weeks ago', '2 years ago'."""
    days = (today - when.astimezone(timezone.utc).date()).days
    if days <= 0:
        return "today"
    for size, unit in ((365, "year"), (30, "month"), (7, "week"), (1, "day")):
        if days >= size * (2 if unit != "day" else 1):
            count = days // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return f"{days} days ago"


class Renderer:
    """Renders the generated pages of a roadmap; templates in `overrides` replace the packaged ones."""

    def __init__(
        self,
        roadmap: Roadmap,
        urls: Urls,
        overrides: Path | None = None,
        history: History | None = None,
        bodies: BodyRenderer | None = None,
        *,
        site_url: str | None = None,
        today: date | None = None,
    ) -> None:
        self.roadmap = roadmap
        self.urls = urls
        self.history = history
        # Paper cannot follow a relative link: with the site's address, packets link absolutely.
        self.site_url = site_url.rstrip("/") + "/" if site_url else None
        self.bodies = bodies if bodies is not None else BodyRenderer()
        self.ranked_count = sum(rank is not None for rank in roadmap.ranks.values())
        self.problems: dict[str, list[Diagnostic]] = {}
        for diagnostic in roadmap.diagnostics:
            self.problems.setdefault(diagnostic.path, []).append(diagnostic)
        published = {sid: set(roadmap.attachments.published(sid)) for sid in roadmap.attachments.by_story}
        self.placer = BodyPlacer(urls, roadmap.settings.relpath(roadmap.settings.stories_dir), set(roadmap.stories), published)
        self._headers: dict[tuple[str, str, bool], str] = {}
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
            team_name=self.team_name,
        )
        self.env.filters["day"] = utc_date
        self.env.filters["css_string"] = css_string
        self.env.filters["breakable"] = breakable
        self.env.filters["team_name"] = self.team_name
        self.today = today or datetime.now(timezone.utc).date()
        self.env.filters["ago"] = lambda when: ago(when, self.today)

    def team_name(self, project_id: str) -> str:
        """Return the name readers know a team by (a project the site does not know keeps its id)."""
        project = self.roadmap.projects.get(project_id)
        return project.name if project is not None else project_id

    def history_of(self, story: Story) -> FileHistory | None:
        """Return the git history of a story, or None when it is not committed (or history is off)."""
        return self.history.of(story.path) if self.history is not None else None

    def compile_templates(self) -> None:
        """Compile every page template now (forked workers then share them instead of compiling each its own)."""
        for name in self.env.list_templates(filter_func=lambda name: name.endswith(".html")):
            self.env.get_template(name)

    def render(self, template: str, current_src: str, *, absolute: bool = False, **context: Any) -> str:
        """Return the HTML of `template` as seen from the page whose source is `current_src` (with
        `absolute` and a site address, every link is absolute: for paper)."""
        here = self.urls.url_of_src(current_src)
        base = self.site_url if absolute else None

        def url(kind: str, key: str = "") -> str:
            return urljoin(base, self.urls.page(kind, key)) if base else relative_url(self.urls.page(kind, key), here)

        return self.env.get_template(template).render(url=url, **context)

    def story_header(self, story: Story, src: str | None = None, *, absolute: bool = False) -> str:
        """Return a story's header as seen from the page `src` (default: its own page)."""
        own = self.urls.src("story", story.id)
        src = src or own
        # The header links to pages outside the folders of the pages showing it, so it reads the same
        # from every page at the same depth (the packets share one), except its link to the story's own
        # page: "./" on that page.
        where = "absolute" if absolute and self.site_url else relative_url("", self.urls.url_of_src(src))
        key = (story.id, where, src == own)
        if key not in self._headers:
            self._headers[key] = self.render("story_header.html", src, absolute=absolute, story=story, **self._story_context(story))
        return self._headers[key]

    def story_footer(self, story: Story) -> str:
        return self.render("story_footer.html", self.urls.src("story", story.id), story=story, **self._story_context(story))

    def _story_context(self, story: Story) -> dict[str, Any]:
        rm = self.roadmap
        return {
            "score": rm.scores[story.id],
            "rank": rm.ranks[story.id],
            "info": rm.score_info[story.id],
            "ranked_count": self.ranked_count,
            "aligned": rm.alignments[story.id],
            "completion": rm.completion(story.id),
            "related": rm.related[story.id],
            "dependents": rm.dependents[story.id],
            "superseded_by": rm.superseded_by[story.id],
            "shared": rm.shared[story.id],
            "backers": rm.backing[story.id],
            "problems": self.problems.get(story.path, []),
            "unknown_projects": [p for p in story.projects if p not in rm.projects],
        }

    def stories_index(self) -> str:
        return self.render("stories_index.html", self.urls.src("stories"))

    def projects_index(self) -> str:
        return self.render("projects_index.html", self.urls.src("projects"), bars=self.demand_rows())

    def ask_groups(self, project: Project) -> list[AskGroup]:
        """Return a project's asks in the groups a team reads them, each by rank: the current release,
        each later release, not yet targeted, then (folded) open asks of earlier releases and closed asks."""
        settings = self.roadmap.settings
        releases = settings.releases
        current = settings.current_release
        position = {r: i for i, r in enumerate(releases)}
        now = position.get(current, -1) if current else -1  # without a current release, no release is past
        groups = {
            "current": AskGroup(
                "current",
                f"Asks for {current} (the current release)" if current else "Asks",
                [],
                short=f"{current} (current)" if current else "all",
            )
        }
        for release in releases[now + 1 :]:
            groups[release] = AskGroup(f"later-{release_slug(release).replace('.', '-')}", f"Asks for {release}", [], short=release)
        groups["untargeted"] = AskGroup("untargeted", "Asks with no target release yet", [], short="no release yet")
        groups["earlier"] = AskGroup("earlier", "Still open, for earlier releases", [], folded=True, short="earlier releases, still open")
        groups["closed"] = AskGroup("closed", "Done, parked, rejected or superseded", [], folded=True, short="done or closed")
        for a in self.roadmap.by_project[project.id]:
            target = a.story.target_release
            if is_closed(a.story, self.roadmap):
                groups["closed"].asks.append(a)
            elif target in position and position[target] < now:
                groups["earlier"].asks.append(a)
            elif target is not None and target == current:
                groups["current"].asks.append(a)
            elif target in position:
                groups[target].asks.append(a)
            else:
                groups["untargeted"].asks.append(a)
        return [g for g in groups.values() if g.asks]

    def liaison_load(self, project: Project) -> list[tuple[Liaison, int]]:
        """Return each liaison of a project with the number of its open asks they carry."""
        carried = Counter(
            a.liaison.name for a in self.roadmap.by_project[project.id] if a.liaison is not None and not is_closed(a.story, self.roadmap)
        )
        return [(person, carried[person.name]) for person in project.liaisons]

    def project_page(self, project: Project) -> str:
        aligned = self.roadmap.by_project[project.id]
        settings = self.roadmap.settings
        current = settings.current_release
        ordered = [r for r in reversed(settings.releases) if r in project.releases] + [
            r for r in project.releases if r not in settings.releases
        ]
        return self.render(
            "project.html",
            self.urls.src("project", project.id),
            project=project,
            problems=self.problems.get(project.path, []),
            aligned=aligned,
            groups=self.ask_groups(project),
            liaisons=self.liaison_load(project),
            declined=[a for a in aligned if a.kind == "declined"],
            unasked=[
                item
                for plan in project.releases.values()
                for item in plan.items
                if not item.stories and not self.roadmap.by_item.get((project.id, item.release, item.id))
            ],
            releases=ordered,
            open_release=current if current in project.releases else (ordered[0] if ordered else None),
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

    def story_body(self, story: Story, src: str, *, id_prefix: str = "", absolute: bool = False) -> str:
        """Return a story's published body HTML as seen from the page `src`."""
        base = self.site_url if absolute else None
        return self.placer.place(self.bodies.render(story.body), src, id_prefix=id_prefix, base=base, story=story.id)

    def story_page(self, story: Story) -> str:
        """Return the whole story page: header, the PM's text, then related stories and history."""
        src = self.urls.src("story", story.id)
        body = self.story_body(story, src)
        # The header and footer repeat other pages' facts: search indexes only what the PM wrote.
        return (
            f'{self.story_header(story)}<div class="rm-story-body">\n{body}\n</div>\n'
            f'<div class="rm-story-footer" data-search-exclude>\n{self.story_footer(story)}</div>\n'
        )

    def print_release(self, release: str, built: str) -> str:
        """Return the printable planning packet of a release."""
        stories = self.roadmap.for_release(release)
        return self._packet(
            self.urls.src("print_release", release),
            stories,
            [a for s in stories for a in self.roadmap.alignments[s.id]],
            built,
            heading=f"Release {release}: planning packet",
            lead=f"Every story that targets release {release}, by rank, with how it meets each team's priorities.",
            online=("release", release),
            matrix=self.matrix(stories),
        )

    def print_project(self, project: Project, built: str, release: str | None = None) -> str:
        """Return the printable packet of what PMs ask of one project for one release (default: the
        current one): that release's open asks in full, the others as one line each."""
        settings = self.roadmap.settings
        release = release or settings.current_release
        aligned = self.roadmap.by_project[project.id]
        full = [a for a in aligned if a.story.target_release == release and not is_closed(a.story, self.roadmap)]
        shown = {a.story.id for a in full}
        src = (
            self.urls.src("print_project", project.id)
            if release == settings.current_release
            else self.urls.src("print_project_release", f"{project.id}/{release_slug(release or '')}")
        )
        return self._packet(
            src,
            [a.story for a in full],
            full,
            built,
            heading=f"{project.name}: what PMs ask for {release}" if release else f"{project.name}: what PMs ask",
            lead=f"The open stories that target {release} and name {project.name}, in full, by rank, with the gap, the alignment "
            "and the liaison; the team's other asks are listed at the end, one line each.",
            online=("project", project.id),
            matrix=None,
            project=project,
            others=self.other_asks(project, shown),
        )

    def other_asks(self, project: Project, shown: set[str]) -> list[AskGroup]:
        """Return the groups of a project's page without the asks a packet shows in full."""
        groups = [AskGroup(g.key, g.title, [a for a in g.asks if a.story.id not in shown], short=g.short) for g in self.ask_groups(project)]
        return [g for g in groups if g.asks]

    def _packet(
        self,
        src: str,
        stories: list[Story],
        counted: list[Alignment],
        built: str,
        *,
        heading: str,
        lead: str,
        online: tuple[str, str],
        matrix: dict[str, Any] | None,
        project: Project | None = None,
        others: list[AskGroup] | None = None,
    ) -> str:
        entries = []
        for story in stories:
            header = self.story_header(story, src, absolute=True)
            # The packet gives each story its own heading; the page title of the story page is dropped.
            header = header.partition("</h1>")[2] or header
            body = re.sub(r"<details(?![^>]*\bopen)", "<details open", self.story_body(story, src, id_prefix=f"{story.id}-", absolute=True))
            entries.append({"story": story, "header": Markup(header), "body": Markup(body)})
        kind, key = online
        return self.render(
            "print.html",
            src,
            heading=heading,
            lead=lead,
            built=built,
            entries=entries,
            c=alignment_counts(counted),
            matrix=matrix,
            online=urljoin(self.site_url, self.urls.page(kind, key)) if self.site_url else None,
            online_path="/" + self.urls.page(kind, key),
            online_label=f"the {kind} page",
            project=project,
            others=others or [],
            absolute=True,
        )

    def health_page(self, today: date) -> str:
        from .health import health_context

        return self.render("health.html", self.urls.src("health"), **health_context(self.roadmap, self.history, today=today))

    def timeline_page(self) -> str:
        from .timeline import timeline_context

        return self.render("timeline.html", self.urls.src("timeline"), **timeline_context(self.roadmap))

    def problems_page(self) -> str:
        rm = self.roadmap
        return self.render(
            "problems.html",
            self.urls.src("problems"),
            groups=sorted(self.problems.items()),
            errors=rm.errors,
            warnings=rm.warnings,
            stories_by_path={s.path: s for s in rm.stories.values()},
            projects_by_path={p.path: p for p in rm.projects.values()},
        )

    def ranking_page(self) -> str:
        rm = self.roadmap
        is_open = [s for s in rm.ranked if s.status in OPEN_STATUSES]
        return self.render(
            "ranking.html",
            self.urls.src("ranking"),
            open=[s for s in is_open if rm.ranks[s.id] is not None],
            unranked=[s for s in is_open if rm.ranks[s.id] is None],
            others=[s for s in rm.ranked if s.status not in OPEN_STATUSES],
        )

    def home_summary(self) -> str:
        rm = self.roadmap
        needs = [(s, [a for a in rm.alignments[s.id] if a.needs_liaison]) for s in rm.ranked if s.status not in ("rejected", "completed")]
        return self.render(
            "home.html",
            self.urls.src("home"),
            top=[s for s in rm.ranked if s.status in OPEN_STATUSES and (rm.ranks[s.id] is not None or not rm.settings.ranking)][
                :TOP_STORIES_ON_HOME
            ],
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
        # Columns are headed by the teams' names, so they follow those names.
        projects = sorted((self.roadmap.projects[n] for n in names), key=lambda p: (p.name.lower(), p.id))
        return {"projects": projects, "cells": cells}

    def demand_rows(self, stories: list[Story] | None = None) -> list[BarRow]:
        """Return per project the planned / unplanned / gap counts of the given (default: all) stories."""
        wanted = None if stories is None else {s.id for s in stories}
        rows = []
        for name, aligned in self.roadmap.by_project.items():
            counts = alignment_counts([a for a in aligned if wanted is None or a.story.id in wanted])
            row = BarRow(
                name,
                self.urls.page("project", name),
                counts["planned"],
                counts["unplanned"],
                counts["gap"],
                counts["declined"],
                self.roadmap.projects[name].name,
            )
            if row.total:
                rows.append(row)
        return sorted(rows, key=lambda r: (-r.total, r.label))


def is_closed(story: Story, roadmap: Roadmap) -> bool:
    """Return whether a story is off the table: done, parked, rejected or superseded."""
    # Read from the links, not the score: with ranking off, no score says "superseded".
    return story.status in CLOSED_STATUSES or bool(roadmap.superseded_by.get(story.id))


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{round(100 * value)}%"
