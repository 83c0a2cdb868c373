"""How a project's asks are grouped on its page and in its packet: by release, open before closed."""

from __future__ import annotations

from pathlib import Path

import pytest

from interlock.linking import Roadmap, link_roadmap
from interlock.model import Liaison, Project, Settings, Story, StoryProject
from interlock.render import Renderer
from interlock.urls import Urls

RELEASES = ["2025.1", "2025.2", "2026.1", "2026.2"]


def story(sid: str, status: str, release: str | None, *, liaison: str | None = None, supersedes: tuple[str, ...] = ()) -> Story:
    return Story(
        sid,
        f"stories/{sid}.md",
        sid.title(),
        status,
        "ABC",
        target_release=release,
        projects={"alpha": StoryProject("alpha", liaison=liaison)},
        supersedes=list(supersedes),
    )


def renderer(current: str | None) -> Renderer:
    root = Path("/nonexistent")
    settings = Settings(root, root / "stories", root / "priorities", RELEASES, current, [], {}, packet_releases=[])
    stories = [
        story("now", "accepted", "2026.1", liaison="Ann Lee"),
        story("now-done", "completed", "2026.1", liaison="Ann Lee"),
        story("next", "proposed", "2026.2"),
        story("someday", "draft", None),
        story("elsewhere", "proposed", "Zed"),  # not a release of the site: not targeted at any of them
        story("late", "in-progress", "2025.1", liaison="Bo Okafor"),
        story("parked", "parked", "2025.2"),
        story("old", "proposed", "2026.1"),
        story("new", "proposed", "2026.1", supersedes=("old",)),
    ]
    project = Project("alpha", "priorities/alpha.yaml", "Alpha service", liaisons=[Liaison("Ann Lee"), Liaison("Bo Okafor"), Liaison("Cy")])
    roadmap = Roadmap(settings, {"alpha": project}, {s.id: s for s in sorted(stories, key=lambda s: s.id)}, [])
    link_roadmap(roadmap)
    return Renderer(roadmap, Urls())


def groups_of(r: Renderer) -> dict[str, set[str]]:
    return {g.key: {a.story.id for a in g.asks} for g in r.ask_groups(r.roadmap.projects["alpha"])}


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (
            "2026.1",
            {
                "current": {"now", "new"},
                "later-2026-2": {"next"},
                "untargeted": {"someday", "elsewhere"},
                "earlier": {"late"},
                "closed": {"now-done", "parked", "old"},  # old is superseded
            },
        ),
        # No current release: nothing is earlier or later; every open ask of a release is "current".
        (
            None,
            {
                "later-2025-1": {"late"},
                "later-2026-1": {"now", "new"},
                "later-2026-2": {"next"},
                "untargeted": {"someday", "elsewhere"},
                "closed": {"now-done", "parked", "old"},
            },
        ),
    ],
)
def test_asks_are_grouped_by_release_then_folded_when_closed(current: str | None, expected: dict[str, set[str]]) -> None:
    r = renderer(current)
    assert groups_of(r) == expected
    folded = {g.key for g in r.ask_groups(r.roadmap.projects["alpha"]) if g.folded}
    assert folded == {"earlier", "closed"} & set(expected)


def test_liaisons_count_the_open_asks_they_carry() -> None:
    r = renderer("2026.1")
    load = [(person.name, n) for person, n in r.liaison_load(r.roadmap.projects["alpha"])]
    assert load == [("Ann Lee", 1), ("Bo Okafor", 1), ("Cy", 0)]  # now-done is closed


def test_a_packet_lists_the_asks_it_does_not_show_in_full_in_the_page_s_groups() -> None:
    r = renderer("2026.1")
    others = r.other_asks(r.roadmap.projects["alpha"], {"now", "new"})
    assert [(g.key, {a.story.id for a in g.asks}) for g in others] == [
        ("later-2026-2", {"next"}),
        ("untargeted", {"someday", "elsewhere"}),
        ("earlier", {"late"}),
        ("closed", {"now-done", "parked", "old"}),
    ]


def test_readers_see_a_team_s_name_and_an_unknown_team_s_id() -> None:
    r = renderer("2026.1")
    assert r.team_name("alpha") == "Alpha service" and r.team_name("ghost") == "ghost"
