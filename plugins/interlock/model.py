"""Plain data of the roadmap: settings, priority lists, stories, diagnostics. Imports nothing of ours."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, overload

DEFAULT_MAX_KB = 1024  # the default of the largest file a story may keep beside it (attachment_max_kb)

Severity = Literal["error", "warning"]

STATUSES = ("draft", "proposed", "accepted", "in-progress", "completed", "parked", "rejected")
OPEN_STATUSES = ("proposed", "accepted", "in-progress")  # what is on the table: only these are ranked
TRACKING_TYPES = ("spec", "blueprint", "bug", "review", "other")
TRACKING_STATUSES = ("pending", "in-progress", "complete", "abandoned")
ALIGNMENTS = ("planned", "unplanned", "gap", "declined")
TIERS = ("high", "medium", "low")
SCALE = (0, 5)  # every criterion is scored on this scale


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


@dataclass(frozen=True)
class Criterion:
    """One ranking criterion: its weight in the score and the rubric that says what its scale means."""

    name: str
    weight: int
    question: str = ""
    low: str = ""  # what a 0 means
    high: str = ""  # what a 5 means


@dataclass
class Settings:
    """The site configuration: where inputs live and the vocabularies they are checked against."""

    root: Path
    stories_dir: Path
    priorities_dir: Path
    releases: list[str]
    current_release: str | None
    personas: list[str]
    criteria: dict[str, Criterion]  # empty: ranking is off
    templates_dir: Path | None = None  # a site's own versions of the page templates
    weighing_dir: Path | None = None  # the group weighing exercise: <release>/<organisation>.yaml
    stale_days: int = 90  # the health page lists stories unchanged for longer
    packet_releases: list[str] = field(default_factory=list)  # project packets for these releases too (the current one always)
    attachment_max_kb: int = DEFAULT_MAX_KB  # the largest file a story may keep beside it

    @property
    def ranking(self) -> bool:
        return bool(self.criteria)

    def relpath(self, path: Path) -> str:
        """Return `path` relative to the repository root, in POSIX form, for messages and links."""
        # The folder is resolved, the name is not: a link is named as itself, never as its target.
        try:
            folder = _relative_folder(path.parent, self.root)
        except (ValueError, OSError, RuntimeError):
            return path.as_posix()
        return f"{folder}/{path.name}" if folder else path.name

    def relpath_in(self, folder: Path, name: str) -> str:
        """Return `relpath(folder / name)`, sooner: for each entry of a folder."""
        try:
            relative = _relative_folder(folder, self.root)
        except (ValueError, OSError, RuntimeError):
            return (folder / name).as_posix()
        return f"{relative}/{name}" if relative else name


@lru_cache(maxsize=256)
def _relative_folder(folder: Path, root: Path) -> str:
    relative = _resolved(folder).relative_to(_resolved(root)).as_posix()
    return "" if relative == "." else relative


@lru_cache(maxsize=64)
def _resolved(folder: Path) -> Path:
    # A thousand stories share one folder: resolving it once per run instead of once per file saves
    # a tenth of a second of every check. Folders are named, not followed, by what uses this.
    return folder.resolve()


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
    stories: list[str] = field(default_factory=list)  # the stories the team says this item serves
    tier: str | None = None  # high | medium | low
    order: int | None = None  # the team's own order within the release


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

    @property
    def items(self) -> list[PriorityItem]:
        return [*self.priorities, *self.without_plan]


@dataclass
class Decline:
    """A team's answer that it will not take up an ask."""

    story: str
    reason: str
    release: str | None = None  # None: for every release


@dataclass
class Project:
    id: str
    path: str
    name: str
    description: str = ""
    url: str | None = None
    liaisons: list[Liaison] = field(default_factory=list)
    releases: dict[str, ReleasePlan] = field(default_factory=dict)
    declined: list[Decline] = field(default_factory=list)

    def has_list(self, release: str | None = None) -> bool:
        """Return whether the team publishes any priority item (for `release`, or for any release)."""
        plans = [self.releases[release]] if release in self.releases else ([] if release else list(self.releases.values()))
        return any(plan.items for plan in plans)


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


class LazyText:
    """A text field of a dataclass that may be given as a function returning the text, called when the
    field is first read: the body of a story kept in the cache is read from its file only when a rule
    or a page needs it (a check with one story changed reads few of thousands)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._slot = f"_lazy_{name}"

    @overload
    def __get__(self, obj: None, owner: Any = None) -> str: ...
    @overload
    def __get__(self, obj: object, owner: Any = None) -> str: ...
    def __get__(self, obj: object | None, owner: Any = None) -> str:
        if obj is None:
            return ""  # the default, as the dataclass asks for it
        value = obj.__dict__[self._slot]
        if type(value) is not str:
            value = obj.__dict__[self._slot] = value()
        return str(value)

    def __set__(self, obj: object, value: str | Callable[[], str]) -> None:
        obj.__dict__[self._slot] = value

    def held(self, obj: object) -> str | Callable[[], str]:
        """Return the text, or the function that reads it when it has not been read yet."""
        value: str | Callable[[], str] = obj.__dict__[self._slot]
        return value


class Section:
    """A level-2 section of a story body: its title, the line of its heading and its text. The text is
    cut out of the body when first read: a check with one story changed reads few of thousands. The
    body may be given as the function that reads it (then `end` must be given)."""

    __slots__ = ("_body", "_end", "_start", "line", "title")
    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclasses around it

    def __init__(self, title: str, line: int, body: str | Callable[[], str], start: int = 0, end: int | None = None) -> None:
        self.title, self.line = title, line
        self._body, self._start = body, start
        self._end = end if end is not None else len(body) if isinstance(body, str) else 0

    @property
    def text(self) -> str:
        if not isinstance(self._body, str):
            self._body = self._body()
        if self._start or self._end != len(self._body):
            self._body = self._body[self._start : self._end]
            self._start, self._end = 0, len(self._body)
        return self._body

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Section):
            return NotImplemented
        return (self.title, self.line, self.text) == (other.title, other.line, other.text)

    def __repr__(self) -> str:
        return f"Section(title={self.title!r}, line={self.line!r}, text={self.text!r})"


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
    depends_on: list[str] = field(default_factory=list)
    supersedes: list[str] = field(default_factory=list)
    body: LazyText = LazyText()  # a str; may be given as the function that reads it
    body_line: int = 1
    sections: list[Section] = field(default_factory=list)

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"


@dataclass
class Backing:
    """An organisation's backing of a story: people it offers per project."""

    people: dict[str, int] = field(default_factory=dict)
    note: str = ""


@dataclass
class Weighing:
    """One organisation's scores and backing for one release (one reviewed file)."""

    organisation: str  # the file's id
    name: str
    release: str
    path: str
    scores: dict[str, dict[str, int]] = field(default_factory=dict)  # story id -> criterion -> 0..5
    backing: dict[str, Backing] = field(default_factory=dict)
