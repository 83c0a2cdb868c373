"""The timeline page: the roadmap as public product roadmaps show it, one column per release (oldest
first) and a last one for the stories no release is targeted by yet, each a ranked list of cards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .linking import Roadmap
from .model import Project, Story
from .urls import release_slug

UNTARGETED = "Not yet targeted"
LEFT_OUT = ("rejected",)  # a roadmap shows what may still happen; rejected stories are on the stories list


@dataclass(frozen=True)
class TimelineCard:
    story: Story
    projects: list[str]  # ids of the known projects the story asks something of, in front-matter order
    unknown_release: str | None = None  # a target that is not one of the site's releases


@dataclass(frozen=True)
class TimelineColumn:
    release: str | None  # None: the column of stories not yet targeted
    title: str
    anchor: str  # the column heading's id
    current: bool
    cards: list[TimelineCard]


def timeline_columns(roadmap: Roadmap) -> list[TimelineColumn]:
    """Return the timeline's columns: each configured release, then the untargeted stories, cards by rank."""
    releases = roadmap.settings.releases
    cards: dict[str | None, list[TimelineCard]] = {release: [] for release in [*releases, None]}
    for story in roadmap.ranked:
        if story.status in LEFT_OUT:
            continue
        projects = [a.project.id for a in roadmap.alignments.get(story.id, [])]
        target = story.target_release
        if target in cards:
            cards[target].append(TimelineCard(story, projects))
        else:
            # A story targeting a release the site does not list would vanish from every column otherwise.
            cards[None].append(TimelineCard(story, projects, target))
    return [
        TimelineColumn(
            release,
            UNTARGETED if release is None else release,
            "timeline-untargeted" if release is None else f"timeline-release-{release_slug(release)}",
            release is not None and release == roadmap.settings.current_release,
            found,
        )
        for release, found in cards.items()
    ]


def timeline_context(roadmap: Roadmap) -> dict[str, Any]:
    """Return the variables of the timeline page template (timeline.html)."""
    projects: list[Project] = sorted(roadmap.projects.values(), key=lambda p: (p.name.lower(), p.id))
    return {"columns": timeline_columns(roadmap), "projects": projects, "left_out": LEFT_OUT}
