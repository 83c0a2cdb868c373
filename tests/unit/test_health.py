"""The health page: its data from hand-built roadmaps and histories (fixed dates, `today` given), and
the page rendered for the minimal fixture."""

from __future__ import annotations

import re
from datetime import date, datetime
from itertools import pairwise
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

from interlock import Roadmap, build_roadmap, load_settings
from interlock.health import (
    COLOURS,
    MARKS,
    OTHER,
    SERIES,
    MonthCount,
    _step,
    health_context,
    liaison_gaps,
    release_progress,
    shown_series,
    stale_stories,
    status_chart,
    status_months,
    unlisted_teams,
)
from interlock.history import FileHistory, History, StatusChange
from interlock.linking import link_roadmap
from interlock.model import STATUSES, Liaison, PriorityItem, Project, ReleasePlan, Settings, Story, StoryProject, TrackingItem
from interlock.render import Renderer
from interlock.siteconfig import read_site_options
from interlock.urls import Urls

MINIMAL = Path(__file__).parent.parent / "fixtures" / "minimal"
PAYLOAD = '<script>window.__pwned=1</script>Payload "quoted" & <b>bold</b>'
TODAY = date(2024, 7, 5)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def changes(*found: tuple[str, str]) -> FileHistory:
    """Return a file's history from its (date, status) changes, oldest first."""
    statuses = [StatusChange(at(when), status, f"{i:040x}") for i, (when, status) in enumerate(found)]
    return FileHistory(statuses[0].date, statuses[-1].date, len(statuses), [], statuses, "stories/x.md")


def tracking(*statuses: str) -> list[TrackingItem]:
    return [TrackingItem("spec", f"item {i}", None, s) for i, s in enumerate(statuses)]


def hand_roadmap(tmp_path: Path) -> Roadmap:
    """Nova publishes a list and has a liaison; cinder has neither."""
    settings = Settings(tmp_path, tmp_path / "stories", tmp_path / "priorities", ["r1", "r2"], "r1", [], {}, stale_days=30)
    nova = Project(
        "nova",
        "priorities/nova.yaml",
        "Nova",
        liaisons=[Liaison("Ann")],
        releases={"r1": ReleasePlan("r1", [PriorityItem("nova", "r1", "cells", "Cells", True)])},
    )
    cinder = Project("cinder", "priorities/cinder.yaml", "Cinder <block>")

    def story(sid: str, status: str, release: str | None, **projects: StoryProject) -> Story:
        return Story(sid, f"stories/{sid}.md", f"Story {sid}", status, "SSS", target_release=release, projects=dict(projects))

    stories = {
        "s1": story("s1", "proposed", "r1", nova=StoryProject("nova", liaison="Ann", tracking=tracking("complete", "pending"))),
        "s2": story("s2", "accepted", "r1", nova=StoryProject("nova"), cinder=StoryProject("cinder")),
        "s3": story(
            "s3", "completed", "r1", nova=StoryProject("nova", liaison="Ann", tracking=tracking("complete", "complete", "abandoned"))
        ),
        "s4": story("s4", "draft", None, cinder=StoryProject("cinder")),
        "s5": story("s5", "rejected", "r2", cinder=StoryProject("cinder")),
    }
    roadmap = Roadmap(settings, {"cinder": cinder, "nova": nova}, stories, [])
    link_roadmap(roadmap)
    return roadmap


def hand_history() -> History:
    # s4 is not committed yet.
    return History(
        head="f" * 40,
        files={
            "stories/s1.md": changes(("2024-03-15T10:00:00+00:00", "draft"), ("2024-04-30T23:00:00-02:00", "proposed")),
            "stories/s2.md": changes(("2024-06-05T10:00:00+00:00", "proposed"), ("2024-06-05T10:00:00+00:00", "acepted")),
            "stories/s3.md": changes(("2024-01-01T00:00:00+00:00", "accepted"), ("2024-02-29T23:59:00+00:00", "completed")),
            "stories/s5.md": changes(("2024-06-01T23:30:00-05:00", "rejected")),
        },
    )


def test_stale_stories_by_status_with_their_age(tmp_path: Path) -> None:
    stale = stale_stories(hand_roadmap(tmp_path), hand_history(), TODAY)
    # s2 changed exactly 30 days ago: not more than stale_days. s5's change was 2 June in UTC.
    assert [(status, [(s.story.id, s.days) for s in group]) for status, group in stale] == [
        ("proposed", [("s1", 65)]),
        ("completed", [("s3", 127)]),
        ("rejected", [("s5", 33)]),
    ]
    assert stale_stories(hand_roadmap(tmp_path), None, TODAY) == []


def test_asks_without_a_liaison_of_open_stories_by_project(tmp_path: Path) -> None:
    gaps = liaison_gaps(hand_roadmap(tmp_path))
    # s4 (draft) and s5 (rejected) are not open; s1 and s3 have Ann.
    assert [(g.project.id, [a.story.id for a in g.asks]) for g in gaps] == [("cinder", ["s2"]), ("nova", ["s2"])]


def test_teams_without_a_list_with_their_asks(tmp_path: Path) -> None:
    teams = unlisted_teams(hand_roadmap(tmp_path))
    assert [(t.project.id, t.asks, t.open) for t in teams] == [("cinder", 3, 1)]


def test_completion_by_release(tmp_path: Path) -> None:
    progress = release_progress(hand_roadmap(tmp_path))
    assert [(r.release, sorted(s.id for s in r.stories), r.completed, r.complete, r.tracked, r.completion) for r in progress] == [
        ("r1", ["s1", "s2", "s3"], 1, 3, 4, 0.75),  # abandoned items are not tracked
        ("r2", ["s5"], 0, 0, 0, None),
    ]


def test_stories_per_status_at_the_end_of_each_month(tmp_path: Path) -> None:
    months = status_months(hand_roadmap(tmp_path), hand_history(), TODAY)

    def row(**counts: int) -> dict[str, int]:
        return {status: counts.get(status.replace("-", "_"), 0) for status in SERIES}

    assert months == [
        MonthCount("2024-01", row(accepted=1)),
        MonthCount("2024-02", row(completed=1)),  # 23:59 on the 29th is still February
        MonthCount("2024-03", row(draft=1, completed=1)),  # s1 counts from its first status
        MonthCount("2024-04", row(draft=1, completed=1)),  # s1's change was 1 May in UTC
        MonthCount("2024-05", row(proposed=1, completed=1)),
        MonthCount("2024-06", row(proposed=1, completed=1, rejected=1, other=1)),  # an unknown status counts as other
        MonthCount("2024-07", row(proposed=1, completed=1, rejected=1, other=1)),
    ]
    assert shown_series(months) == ["draft", "proposed", "accepted", "completed", "rejected", OTHER]
    assert months[-1].total == 4
    assert status_months(hand_roadmap(tmp_path), History(), TODAY) == []
    assert status_months(hand_roadmap(tmp_path), None, TODAY) == []


@pytest.mark.parametrize(("peak", "step"), [(1, 1), (5, 1), (6, 2), (10, 2), (11, 5), (25, 5), (26, 10), (50, 10), (51, 20), (999, 200)])
def test_axis_steps_are_round(peak: int, step: int) -> None:
    assert _step(peak) == step


def test_chart_bars_stack_to_each_months_total(tmp_path: Path) -> None:
    months = status_months(hand_roadmap(tmp_path), hand_history(), TODAY)
    series = shown_series(months)
    chart = status_chart(months, series)
    assert chart is not None
    assert (chart.first, chart.last, chart.peak) == ("2024-01", "2024-07", 4)
    assert [t.text for t in chart.ticks] == ["0", "1", "2", "3", "4"]
    scale = (chart.plot_bottom - chart.plot_top) / 4
    for bar, month in zip(chart.bars, months, strict=True):
        assert bar.month == month.month and bar.total == month.total
        assert [(s.status, s.count) for s in bar.segments] == [(s, month.counts[s]) for s in series if month.counts[s]]
        bottom = chart.plot_bottom
        for segment in bar.segments:  # each segment sits on the one before it, in workflow order
            assert segment.y + segment.height == pytest.approx(bottom, abs=0.2)
            assert segment.height == pytest.approx(segment.count * scale, abs=0.1)
            bottom = segment.y
        assert chart.plot_left <= bar.x and bar.x + bar.width <= chart.plot_right
    assert [(s.status, s.colour, s.mark) for s in chart.series] == [(s, COLOURS[s], MARKS[s]) for s in series]
    assert [item.text for item in chart.legend] == series
    assert all(item.y + 14 <= chart.height for item in chart.legend)
    # The last month's four statuses are each a quarter of the plot: every one is labelled, none overlaps.
    assert [label.text for label in chart.labels] == ["proposed", "completed", "rejected", OTHER]
    ys = [label.y for label in chart.labels]
    assert all(lower - upper >= 11 for lower, upper in pairwise(ys))
    assert status_chart([], []) is None


def test_long_histories_label_about_a_dozen_months() -> None:
    months = [MonthCount(f"{2000 + i // 12}-{i % 12 + 1:02d}", {**dict.fromkeys(SERIES, 0), "draft": i}) for i in range(60)]
    chart = status_chart(months, ["draft"])
    assert chart is not None
    assert [bar.month for bar in chart.bars if bar.labelled] == [f"{2000 + i // 12}-{i % 12 + 1:02d}" for i in range(0, 60, 5)]
    assert chart.bars[0].segments == []  # no story: nothing drawn


def test_patterns_tell_every_status_apart() -> None:
    assert set(COLOURS) == set(MARKS) == set(SERIES) == {*STATUSES, OTHER}
    assert len(set(COLOURS.values())) == len(COLOURS) and len(set(MARKS.values())) == len(MARKS)


def test_context_without_history(tmp_path: Path) -> None:
    for history in (None, History(reason="not a git repository")):
        context = health_context(hand_roadmap(tmp_path), history, today=TODAY)
        assert (context["has_history"], context["stale"], context["months"], context["chart"]) == (False, [], [], None)
        assert [g.project.id for g in context["liaison_gaps"]] == ["cinder", "nova"]  # the rest needs no history


# The rendered page.


def minimal() -> Roadmap:
    options, root = read_site_options(MINIMAL / "mkdocs.yml")
    return build_roadmap(load_settings(options, root))


def minimal_history() -> History:
    return History(
        head="f" * 40,
        files={
            "stories/planned.md": changes(("2024-01-05T09:00:00+00:00", "proposed"), ("2024-03-01T12:00:00+00:00", "accepted")),
            "stories/payload.md": changes(("2024-02-01T00:00:00+00:00", "draft")),
            "stories/unplanned.md": changes(("2024-07-01T00:00:00+00:00", "proposed")),
        },
    )


def render(roadmap: Roadmap, history: History | None) -> BeautifulSoup:
    html = Renderer(roadmap, Urls(), None, history).render("health.html", "health.md", **health_context(roadmap, history, today=TODAY))
    return BeautifulSoup(html, "html.parser")


def section(soup: BeautifulSoup, anchor: str) -> list[Tag]:
    """Return the elements between the h2 with this id and the next h2."""
    heading = soup.find("h2", id=anchor)
    assert isinstance(heading, Tag)
    found = []
    for sibling in heading.find_next_siblings():
        if sibling.name == "h2":
            break
        found.append(sibling)
    return found


def text_of(tags: list[Tag]) -> str:
    return " ".join(" ".join(t.get_text(" ").split()) for t in tags)


def assert_links_relative(soup: BeautifulSoup) -> None:
    hrefs = [a["href"] for a in soup.find_all("a")]
    assert hrefs and all(isinstance(h, str) and not h.startswith("/") and "://" not in h for h in hrefs)


def test_health_page_of_the_minimal_site() -> None:
    soup = render(minimal(), minimal_history())
    h1 = soup.find("h1")
    assert h1 is not None and h1.get_text() == "Health of the roadmap"
    assert [h2["id"] for h2 in soup.find_all("h2")] == [
        "health-stale",
        "health-liaisons",
        "health-no-list",
        "health-releases",
        "health-over-time",
    ]
    assert_links_relative(soup)

    stale = section(soup, "health-stale")
    assert "2 stories have not changed for more than 90 days." in text_of(stale)
    items = [(li.a["href"], li.find(class_="rm-health-days").get_text()) for ul in stale if ul.name == "ul" for li in ul.find_all("li")]
    assert items == [("../stories/payload/", "155 days"), ("../stories/planned/", "126 days")]  # draft first: workflow order
    assert [h3.find(class_="rm-status").get_text() for h3 in stale if h3.name == "h3"] == ["draft", "accepted"]

    liaisons = section(soup, "health-liaisons")
    assert [a["href"] for tag in liaisons for a in tag.find_all("a")] == ["../projects/alpha/", "../stories/unplanned/"]
    assert "Every team publishes a priority list." in text_of(section(soup, "health-no-list"))

    rows = [[" ".join(c.get_text(" ").split()) for c in tr.find_all(["th", "td"])] for tr in soup.select(".rm-health-releases tbody tr")]
    assert rows == [["2025.1", "1", "0 of 1", "50% (1 of 2 items)"], ["2025.2 (current)", "0", "0 of 0", "not tracked"]]

    # Hostile titles are text, never markup.
    assert soup.find("script") is None and soup.find("b") is None
    assert PAYLOAD in soup.get_text()


def test_status_chart_is_accessible_and_matches_its_table() -> None:
    roadmap, history = minimal(), minimal_history()
    soup = render(roadmap, history)
    svg = soup.find("svg")
    assert isinstance(svg, Tag)
    assert svg["role"] == "img" and svg["aria-label"] == "Stories per status at the end of each month, 2024-01 to 2024-07"
    title = svg.find("title")
    assert title is not None and title.parent is svg and title.get_text() == svg["aria-label"]
    months = health_context(roadmap, history, today=TODAY)["months"]
    segments = sorted(rect.title.get_text() for rect in svg.find_all("rect") if rect.title)
    expected = sorted(
        f"{m.month}: {status}, {count} stor{'y' if count == 1 else 'ies'}" for m in months for status, count in m.counts.items() if count
    )
    assert segments == expected and "2024-03: accepted, 1 story" in segments
    # Colour is never alone: each status has its own pattern, a legend with its name, and inline colours.
    fills = {p["id"]: p.rect["fill"] for p in svg.find_all("pattern")}
    assert fills == {"rm-health-fill-draft": "#F0E442", "rm-health-fill-proposed": "#56B4E9", "rm-health-fill-accepted": "#0072B2"}
    texts = [t.get_text() for t in svg.find_all("text")]
    assert {"draft", "proposed", "accepted"} <= set(texts)
    assert all(re.fullmatch(r"url\(#rm-health-fill-[a-z-]+\)", r["fill"]) for r in svg.find_all("rect") if r.parent.name != "pattern")
    # The same numbers in a table for screen readers and print.
    table = soup.select_one("details.rm-health-numbers table")
    assert table is not None
    assert [th.get_text() for th in table.thead.find_all("th")] == ["Month", "draft", "proposed", "accepted", "Total"]
    rows = [[c.get_text() for c in tr.find_all(["th", "td"])] for tr in table.tbody.find_all("tr")]
    assert rows[0] == ["2024-01", "0", "1", "0", "1"]
    assert rows[-1] == ["2024-07", "1", "1", "1", "3"]
    assert len(rows) == 7
    # The page's own classes are rm-health-*; the others are the site's shared ones, styled already.
    shared = {"rm-muted", "rm-needs", "rm-list", "rm-cards", "rm-wide", "rm-scroll", "rm-bar", "rm-bar__fill", "rm-status"}
    classes = {c for tag in soup.find_all(class_=True) for c in tag["class"]}
    assert all(c.startswith(("rm-health-", "rm-status--")) or c in shared for c in classes)


def test_health_page_without_history_says_so() -> None:
    soup = render(minimal(), None)
    for anchor in ("health-stale", "health-over-time"):
        said = text_of(section(soup, anchor))
        assert said.startswith("No git history of the stories is available, so ")
    assert soup.find("svg") is None
    reason = render(minimal(), History(reason="not a git repository"))
    assert "(not a git repository)" in text_of(section(reason, "health-stale"))


def test_health_page_of_a_team_without_a_list(tmp_path: Path) -> None:
    roadmap, history = hand_roadmap(tmp_path), hand_history()
    soup = render(roadmap, history)
    assert_links_relative(soup)
    unlisted = section(soup, "health-no-list")
    assert [li.get_text() for tag in unlisted for li in tag.find_all("li")] == ["Cinder <block>: 3 asks (1 open)"]
    assert [a["href"] for tag in unlisted for a in tag.find_all("a")] == ["../projects/cinder/"]
    liaisons = section(soup, "health-liaisons")
    assert "The team lists no liaison at all." in text_of(liaisons)
    table = soup.select_one("details.rm-health-numbers table")
    assert table is not None
    assert [th.get_text() for th in table.thead.find_all("th")][-2:] == ["other", "Total"]
