from __future__ import annotations

from pathlib import Path

import pytest

from interlock import build_roadmap, load_settings
from interlock.linking import align_story, score_story
from interlock.model import PriorityItem, Project, ReleasePlan, Story, StoryProject, TrackingItem
from interlock.siteconfig import read_site_options

MINIMAL = Path(__file__).parent.parent / "fixtures" / "minimal"


@pytest.mark.parametrize(
    ("weights", "criteria", "score"),
    [
        ({"a": 5, "b": 5}, {"a": 3, "b": 1}, 100.0),
        ({"a": 0, "b": 0}, {"a": 3, "b": 1}, 0.0),
        ({"a": 5, "b": 0}, {"a": 3, "b": 1}, 75.0),
        ({"a": 2, "b": 4}, {"a": 3, "b": 1}, 50.0),  # 100 * (6 + 4) / (5 * 4)
        ({"a": 3}, {"a": 1, "b": 2}, 20.0),  # a missing criterion counts as 0 (drafts)
    ],
)
def test_score_formula(weights: dict[str, int], criteria: dict[str, int], score: float) -> None:
    story = Story(id="s", path="s.md", title="S", status="proposed", ref="SSS", weights=weights)
    assert score_story(story, criteria) == score


def project() -> Project:
    plan = ReleasePlan(
        "r1",
        [PriorityItem("p", "r1", "planned-item", "Planned", True)],
        [PriorityItem("p", "r1", "wish", "Wish", False)],
    )
    return Project("p", "priorities/p.yaml", "P", releases={"r1": plan, "r2": ReleasePlan("r2")})


@pytest.mark.parametrize(
    ("names", "release", "kind"),
    [
        (["planned-item"], "r1", "planned"),
        (["wish", "planned-item"], "r1", "planned"),
        (["wish"], "r1", "unplanned"),
        ([], "r1", "gap"),
        (["planned-item"], "r2", "gap"),  # the item belongs to another release than the story targets
        (["planned-item"], None, "planned"),  # no target: any release
    ],
)
def test_alignment(names: list[str], release: str | None, kind: str) -> None:
    story = Story("s", "s.md", "S", "proposed", "SSS", target_release=release, projects={"p": StoryProject("p", priorities=names)})
    assert align_story(story, project()).kind == kind


def test_completion_ignores_abandoned_items() -> None:
    tracking = [TrackingItem("spec", "a", None, s) for s in ("complete", "complete", "pending", "abandoned")]
    story = Story("s", "s.md", "S", "proposed", "SSS", projects={"p": StoryProject("p", tracking=tracking)})
    alignment = align_story(story, project())
    assert (alignment.complete, alignment.tracked, alignment.needs_liaison) == (2, 3, True)


def test_minimal_fixture_is_linked() -> None:
    options, root = read_site_options(MINIMAL / "mkdocs.yml")
    rm = build_roadmap(load_settings(options, root))
    assert rm.diagnostics == []
    assert [s.id for s in rm.ranked] == ["planned", "unplanned", "draft", "payload"]  # ties (0.0) by id
    assert rm.scores == {"planned": 100.0, "unplanned": 50.0, "draft": 0.0, "payload": 0.0}
    kinds = {(a.story.id, a.project.id): a.kind for aligned in rm.by_project.values() for a in aligned}
    assert kinds == {
        ("planned", "alpha"): "planned",
        ("unplanned", "alpha"): "unplanned",
        ("payload", "alpha"): "gap",
        ("draft", "beta"): "gap",
    }
    assert [s.id for s in rm.related["unplanned"]] == ["planned"]  # made symmetric
    assert rm.completion("planned") == 0.5
    assert [s.id for s in rm.by_item[("alpha", "2025.1", "upgrades")]] == ["planned"]
