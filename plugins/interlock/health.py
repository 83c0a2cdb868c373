"""The health of the roadmap, for the working group's chair: stale stories, asks without a liaison,
teams without a published list, completion by release, and how the stories' statuses moved over
time (replayed from the git history), with the geometry of the chart the page draws of it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from .history import History
from .linking import Alignment, Roadmap
from .model import OPEN_STATUSES, STATUSES, Project, Story

OTHER = "other"  # statuses git history holds that the workflow does not know (an old or mistyped value)
SERIES = (*STATUSES, OTHER)

# Okabe-Ito colours, safe for red-green colour blindness, each with its own pattern so that colour
# never carries the meaning alone (print in grey, low-contrast screens).
COLOURS = {
    "draft": "#F0E442",
    "proposed": "#56B4E9",
    "accepted": "#0072B2",
    "in-progress": "#E69F00",
    "completed": "#009E73",
    "parked": "#CC79A7",
    "rejected": "#D55E00",
    OTHER: "#999999",
}
# The marks drawn over each colour, as SVG path data on an 8x8 pattern tile ('' is plain colour).
MARKS = {
    "draft": "M2 2h0M6 6h0M2 6h0M6 2h0",  # dots: zero-length strokes with round caps
    "proposed": "M0 8L8 0M-2 2L2 -2M6 10L10 6",  # rising diagonals
    "accepted": "",
    "in-progress": "M0 0L8 8M-2 6L2 10M6 -2L10 2",  # falling diagonals
    "completed": "M0 4H8",  # horizontal lines
    "parked": "M4 0V8",  # vertical lines
    "rejected": "M0 8L8 0M0 0L8 8",  # crosses
    OTHER: "M0 4H8M4 0V8",  # grid
}

PLOT_HEIGHT = 180
PLOT_LEFT = 40  # room for the count axis
PLOT_TOP = 12
LABEL_ROOM = 104  # right of the bars: the status names of the last month
AXIS_ROOM = 30  # under the bars: the month labels
LEGEND_ITEM = 112
LEGEND_ROW = 20


@dataclass(frozen=True)
class StaleStory:
    story: Story
    updated: datetime
    days: int  # whole days from the last change to today


@dataclass(frozen=True)
class LiaisonGaps:
    """One project's asks, from open stories, that no liaison carries into the team."""

    project: Project
    asks: list[Alignment]


@dataclass(frozen=True)
class UnlistedTeam:
    """A team that publishes no priority list, and what is asked of it all the same."""

    project: Project
    asks: int
    open: int


@dataclass(frozen=True)
class ReleaseProgress:
    release: str
    stories: list[Story]  # by rank
    completed: int  # stories with status completed
    complete: int  # tracking items complete, over every project of those stories
    tracked: int  # tracking items not abandoned

    @property
    def completion(self) -> float | None:
        return self.complete / self.tracked if self.tracked else None


@dataclass(frozen=True)
class MonthCount:
    month: str  # YYYY-MM
    counts: dict[str, int]  # every status of SERIES -> stories having it at the end of the month

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Segment:
    status: str
    count: int
    y: float
    height: float


@dataclass(frozen=True)
class Bar:
    month: str
    total: int
    x: float
    width: float
    labelled: bool  # whether the month is written under the bar (a long history labels some only)
    segments: list[Segment]


@dataclass(frozen=True)
class Series:
    status: str
    colour: str
    mark: str  # SVG path data of the pattern; '' for plain colour


@dataclass(frozen=True)
class Placed:
    """Something drawn at a point: a legend entry, a direct label, an axis tick."""

    text: str
    x: float
    y: float
    status: str = ""


@dataclass(frozen=True)
class StatusChart:
    """Everything the template needs to draw the stacked bars of stories per status per month."""

    width: float
    height: float
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    series: list[Series]
    bars: list[Bar]
    ticks: list[Placed]
    labels: list[Placed]  # status names beside the last bar
    legend: list[Placed]
    first: str
    last: str
    peak: int


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


def _utc_day(when: datetime) -> date:
    return _utc(when).date()


def _month_after(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def stale_stories(roadmap: Roadmap, history: History | None, today: date) -> list[tuple[str, list[StaleStory]]]:
    """Return the committed stories unchanged for more than `stale_days`, grouped by status in workflow order, oldest first."""
    if history is None:
        return []
    groups: dict[str, list[StaleStory]] = {status: [] for status in STATUSES}
    for story in roadmap.stories.values():
        found = history.of(story.path)
        if found is None:
            continue
        days = (today - _utc_day(found.updated)).days
        if days > roadmap.settings.stale_days:
            groups.setdefault(story.status, []).append(StaleStory(story, found.updated, days))
    for group in groups.values():
        group.sort(key=lambda s: (-s.days, s.story.id))
    return [(status, group) for status, group in groups.items() if group]


def liaison_gaps(roadmap: Roadmap) -> list[LiaisonGaps]:
    """Return, per project with any, the asks of open stories that have no liaison, by rank."""
    found = []
    for project_id, aligned in roadmap.by_project.items():
        asks = [a for a in aligned if a.needs_liaison and a.story.status in OPEN_STATUSES]
        if asks:
            found.append(LiaisonGaps(roadmap.projects[project_id], asks))
    return found


def unlisted_teams(roadmap: Roadmap) -> list[UnlistedTeam]:
    """Return the teams that publish no priority list, with how many stories ask something of each."""
    found = []
    for project in roadmap.projects.values():
        if not project.has_list():
            aligned = roadmap.by_project.get(project.id, [])
            found.append(UnlistedTeam(project, len(aligned), sum(a.story.status in OPEN_STATUSES for a in aligned)))
    return found


def release_progress(roadmap: Roadmap) -> list[ReleaseProgress]:
    """Return per configured release its stories, how many are completed, and their tracked work done."""
    found = []
    for release in roadmap.settings.releases:
        stories = roadmap.for_release(release)
        aligned = [a for story in stories for a in roadmap.alignments.get(story.id, [])]
        found.append(
            ReleaseProgress(
                release,
                stories,
                sum(s.status == "completed" for s in stories),
                sum(a.complete for a in aligned),
                sum(a.tracked for a in aligned),
            )
        )
    return found


def status_months(roadmap: Roadmap, history: History | None, today: date) -> list[MonthCount]:
    """Return, for each month from the first commit's to today's, how many stories had each status at its end."""
    if history is None or not history.files:
        return []
    start = min(_utc_day(h.created) for h in history.files.values())
    timelines = []
    for story in roadmap.stories.values():
        found = history.of(story.path)
        if found is not None and found.statuses:
            changes = [(_utc(c.date), c.status if c.status in STATUSES else OTHER) for c in found.statuses]
            timelines.append(sorted(changes, key=lambda change: change[0]))  # stable: same-instant changes keep git's order
    months = []
    year, month = start.year, start.month
    while (year, month) <= (today.year, today.month):
        following = datetime(*_month_after(year, month), 1, tzinfo=timezone.utc)
        counts = dict.fromkeys(SERIES, 0)
        for timeline in timelines:
            # A story counts from its first status change on; before it, it did not exist yet.
            held = [status for when, status in timeline if when < following]
            if held:
                counts[held[-1]] += 1
        months.append(MonthCount(f"{year:04d}-{month:02d}", counts))
        year, month = _month_after(year, month)
    return months


def shown_series(months: list[MonthCount]) -> list[str]:
    """Return the statuses any month has, in workflow order ('other' last)."""
    return [status for status in SERIES if any(m.counts[status] for m in months)]


def _step(peak: int) -> int:
    """Return a round tick step (1, 2, 5, 10, 20, ...) giving at most five steps up to `peak`."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if peak <= 5 * factor * magnitude:
                return factor * magnitude
        magnitude *= 10


def status_chart(months: list[MonthCount], series: list[str]) -> StatusChart | None:
    """Return the geometry of the stacked bar chart of `months`, or None when there is nothing to draw."""
    if not months or not series:
        return None
    peak = max(m.total for m in months)
    step = _step(max(peak, 1))
    top = step * math.ceil(max(peak, 1) / step)
    scale = PLOT_HEIGHT / top
    pitch = max(10.0, min(48.0, 640 / len(months)))
    width = round(pitch * 0.7, 1)
    every = math.ceil(len(months) / 12)  # at most about a dozen month labels, so they never overlap
    bottom = PLOT_TOP + PLOT_HEIGHT
    bars = []
    for index, m in enumerate(months):
        x = round(PLOT_LEFT + index * pitch + (pitch - width) / 2, 1)
        y = float(bottom)
        segments = []
        for status in series:
            if m.counts[status]:
                height = m.counts[status] * scale
                y -= height
                segments.append(Segment(status, m.counts[status], round(y, 1), round(height, 1)))
        bars.append(Bar(m.month, m.total, x, width, index % every == 0, segments))
    plot_right = PLOT_LEFT + len(months) * pitch
    labels = []
    floor = float(bottom) + 11  # labelled bottom-up, each a line above the last, so none overlaps another
    for segment in bars[-1].segments:
        middle = segment.y + segment.height / 2 + 4
        if segment.height >= 11 and middle <= floor - 11:
            labels.append(Placed(segment.status, round(plot_right + 6, 1), round(middle, 1), segment.status))
            floor = middle
    total_width = plot_right + LABEL_ROOM
    per_row = max(1, int((total_width - PLOT_LEFT) // LEGEND_ITEM))
    legend_top = bottom + AXIS_ROOM
    legend = [
        Placed(status, PLOT_LEFT + (i % per_row) * LEGEND_ITEM, legend_top + (i // per_row) * LEGEND_ROW, status)
        for i, status in enumerate(series)
    ]
    rows = math.ceil(len(series) / per_row)
    ticks = [Placed(str(value), PLOT_LEFT - 6, round(bottom - value * scale, 1)) for value in range(0, top + 1, step)]
    return StatusChart(
        width=round(total_width, 1),
        height=legend_top + rows * LEGEND_ROW + 4,
        plot_left=PLOT_LEFT,
        plot_right=round(plot_right, 1),
        plot_top=PLOT_TOP,
        plot_bottom=bottom,
        series=[Series(status, COLOURS[status], MARKS[status]) for status in series],
        bars=bars,
        ticks=ticks,
        labels=labels,
        legend=legend,
        first=months[0].month,
        last=months[-1].month,
        peak=peak,
    )


def health_context(roadmap: Roadmap, history: History | None, *, today: date) -> dict[str, Any]:
    """Return the variables of the health page template (health.html)."""
    has_history = history is not None and bool(history.files)
    stale = stale_stories(roadmap, history, today) if has_history else []
    months = status_months(roadmap, history, today)
    series = shown_series(months)
    return {
        "today": today.isoformat(),
        "has_history": has_history,
        "history_reason": history.reason if history is not None else "",
        "stale_days": roadmap.settings.stale_days,
        "stale": stale,
        "stale_count": sum(len(group) for _, group in stale),
        "liaison_gaps": liaison_gaps(roadmap),
        "unlisted": unlisted_teams(roadmap),
        "releases": release_progress(roadmap),
        "months": months,
        "series": series,
        "chart": status_chart(months, series),
    }
