"""Plain data of the roadmap: settings, priority lists, stories, diagnostics. Imports nothing of ours."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]

STATUSES = ("draft", "proposed", "accepted", "in-progress", "completed", "parked", "rejected")
TRACKING_TYPES = ("spec", "blueprint", "bug", "review", "other")
TRACKING_STATUSES = ("pending", "in-progress", "complete", "abandoned")
ALIGNMENTS = ("planned", "unplanned", "gap")


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem in one input file, at the line and column (both 1-based) of the offending text."""

    path: str
    line: int
    col: int
    code: str
    severity: Severity
    message: str

    def format(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.code} {self.message}"


@dataclass
class Settings:
    """The site configuration: where inputs live and the vocabularies they are checked against."""

    root: Path
    stories_dir: Path
    priorities_dir: Path
    releases: list[str]
    current_release: str | None
    personas: list[str]
    criteria: dict[str, int]
    templates_dir: Path | None = None  # a site's own versions of the page templates

    def relpath(self, path: Path) -> str:
        """Return `path` relative to the repository root, in POSIX form, for messages and links."""
        # The folder is resolved, the name is not: a link is named as itself, never as its target.
        try:
            return (path.parent.resolve() / path.name).relative_to(self.root.resolve()).as_posix()
        except (ValueError, OSError, RuntimeError):
            return path.as_posix()


@dataclass
class Liaison:
    name: str
    irc: str | None = None
    email: str | None = None


@dataclass
class PriorityItem:
    project: str
    release: str
    id: str
    title: str
    planned: bool
    owners: list[str] = field(default_factory=list)
    description: str = ""
    url: str | None = None


@dataclass
class ReleasePlan:
    release: str
    priorities: list[PriorityItem] = field(default_factory=list)
    without_plan: list[PriorityItem] = field(default_factory=list)

    def find(self, item_id: str) -> PriorityItem | None:
        """Return the item with this id in either list, or None."""
        for item in (*self.priorities, *self.without_plan):
            if item.id == item_id:
                return item
        return None


@dataclass
class Project:
    id: str
    path: str
    name: str
    description: str = ""
    url: str | None = None
    liaisons: list[Liaison] = field(default_factory=list)
    releases: dict[str, ReleasePlan] = field(default_factory=dict)


@dataclass
class TrackingItem:
    type: str
    title: str
    url: str | None
    status: str


@dataclass
class StoryProject:
    project: str
    gap: str = ""
    priorities: list[str] = field(default_factory=list)
    liaison: str | None = None
    tracking: list[TrackingItem] = field(default_factory=list)


@dataclass
class Section:
    title: str
    line: int
    text: str


@dataclass
class Story:
    id: str
    path: str
    title: str
    status: str
    ref: str
    authors: list[str] = field(default_factory=list)
    working_groups: list[str] = field(default_factory=list)
    personas: list[str] = field(default_factory=list)
    target_release: str | None = None
    weights: dict[str, int] = field(default_factory=dict)
    projects: dict[str, StoryProject] = field(default_factory=dict)
    related: list[str] = field(default_factory=list)
    body: str = ""
    body_line: int = 1
    sections: list[Section] = field(default_factory=list)

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"
