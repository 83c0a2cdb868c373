"""Rendering: the HTML of every generated page, from Jinja2 templates a site may override.
All links come from `Urls`, so a page can only link to a page the site has."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from .body import BodyPlacer, BodyRenderer
from .history import FileHistory, History, utc_date
from .linking import Alignment, Roadmap, alignment_counts
from .model import ALIGNMENTS, OPEN_STATUSES, STATUSES, Diagnostic, Project, Story
from .urls import Urls, relative_url

TOP_STORIES_ON_HOME = 5


@dataclass
class BarRow:
    label: str
    href: str
    planned: int
    unplanned: int
    gap: int


class Renderer:
    """Renders the generated pages of a roadmap; templates in `overrides` replace the packaged ones."""

    def __init__(
        self,
        roadmap: Roadmap,
        urls: Urls,
        overrides: Path | None = None,
        history: History | None = None,
        bodies: BodyRenderer | None = None,
    ) -> None:
        self.roadmap = roadmap
        self.urls = urls
        self.history = history
        self.bodies = bodies if bodies is not None else BodyRenderer()
        self.ranked_count = sum(rank is not None for rank in roadmap.ranks.values())
        self.problems: dict[str, list[Diagnostic]] = {}
        for diagnostic in roadmap.diagnostics:
            self.problems.setdefault(diagnostic.path, []).append(diagnostic)
        self.placer = BodyPlacer(urls, roadmap.settings.relpath(roadmap.settings.stories_dir), set(roadmap.stories))
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

    def project_page(self, project: Project) -> str:
        aligned = self.roadmap.by_project[project.id]
        return self.render(
            "project.html",
            self.urls.src("project", project.id),
            project=project,
            problems=self.problems.get(project.path, []),
            aligned=aligned,
            unplanned=[a for a in aligned if a.kind == "unplanned"],
            gaps=[a for a in aligned if a.kind == "gap"],
            declined=[a for a in aligned if a.kind == "declined"],
            unasked=[
                item
                for plan in project.releases.values()
                for item in plan.items
                if not item.stories and not self.roadmap.by_item.get((project.id, item.release, item.id))
            ],
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

    def story_body(self, story: Story, src: str, *, id_prefix: str = "") -> str:
        """Return a story's published body HTML as seen from the page `src`."""
        return self.placer.place(self.bodies.render(story.body), src, id_prefix=id_prefix)

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

    def print_project(self, project: Project, built: str) -> str:
        """Return the printable packet of what PMs ask of one project."""
        aligned = self.roadmap.by_project[project.id]
        return self._packet(
            self.urls.src("print_project", project.id),
            [a.story for a in aligned],
            aligned,
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
        counted: list[Alignment],
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
            body = re.sub(r"<details(?![^>]*\bopen)", "<details open", self.story_body(story, src, id_prefix=f"{story.id}-"))
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
            online=relative_url(self.urls.page(kind, key), self.urls.url_of_src(src)),
            online_label=f"the {kind} page",
        )

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


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{round(100 * value)}%"
