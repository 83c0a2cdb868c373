from __future__ import annotations

from pathlib import Path

import pytest

from interlock import build_roadmap, load_settings
from interlock.linking import align_story
from interlock.model import Criterion, Decline, PriorityItem, Project, ReleasePlan, Settings, Story, StoryProject, TrackingItem, Weighing
from interlock.ranking import rank_stories, score_stories, score_value
from interlock.siteconfig import read_site_options

MINIMAL = Path(__file__).parent.parent / "fixtures" / "minimal"
CRITERIA = {"a": Criterion("a", 3), "b": Criterion("b", 1)}


@pytest.mark.parametrize(
    ("values", "score"),
    [
        ({"a": 5, "b": 5}, 100.0),
        ({"a": 0, "b": 0}, 0.0),
        ({"a": 5, "b": 0}, 75.0),
        ({"a": 2, "b": 4}, 50.0),  # 100 * (6 + 4) / (5 * 4)
        ({"a": 2.5, "b": 4}, 57.5),  # a median may fall between two scores
    ],
)
def test_score_formula(values: dict[str, float], score: float) -> None:
    assert score_value(values, CRITERIA) == score


def settings(tmp_path: Path, criteria: dict[str, Criterion] = CRITERIA) -> Settings:
    return Settings(tmp_path, tmp_path, tmp_path, ["r1", "r2"], "r2", [], criteria)


def story(sid: str, weights: dict[str, int] | None = None, **kwargs: object) -> Story:
    return Story(sid, f"stories/{sid}.md", sid.title(), "proposed", "SSS", weights=weights or {}, **kwargs)  # type: ignore[arg-type]


def test_group_scores_unscored_and_superseded_stories(tmp_path: Path) -> None:
    stories = {
        "selfish": story("selfish", {"a": 5, "b": 5}),
        "weighed": story("weighed", {"a": 0, "b": 0}),
        "partial": story("partial", {"a": 5}),  # unscored until every criterion has a score
        "old": story("old", {"a": 4, "b": 4}),
        "new": story("new", {"a": 1, "b": 1}, supersedes=["old"]),
    }
    weighings = [
        Weighing("acme", "Acme", "r2", "weighing/r2/acme.yaml", {"weighed": {"a": 5, "b": 1}}),
        Weighing("bolt", "Bolt", "r2", "weighing/r2/bolt.yaml", {"weighed": {"a": 3, "b": 3}}),
        Weighing("coil", "Coil", "r2", "weighing/r2/coil.yaml", {"weighed": {"a": 4}}),  # b left out: not counted for b
        Weighing("dusk", "Dusk", "r1", "weighing/r1/dusk.yaml", {"selfish": {"a": 0, "b": 0}}),  # another release: ignored
    ]
    scores = score_stories(stories, weighings, settings(tmp_path))
    weighed = scores["weighed"]
    assert (weighed.source, weighed.value) == ("group", 70.0)  # medians a=4, b=2: 100 * (3*4 + 1*2) / (5*4)
    assert [(c.criterion, c.value, c.low, c.high) for c in weighed.contributions] == [("a", 4.0, 3, 5), ("b", 2.0, 1, 3)]
    assert weighed.organisations == {"Acme": 80.0, "Bolt": 60.0, "Coil": 80.0} and weighed.spread == (60.0, 80.0)
    assert (scores["selfish"].source, scores["selfish"].value) == ("self", 100.0)
    assert (scores["partial"].source, scores["partial"].value) == ("unscored", None)
    assert (scores["old"].source, scores["old"].superseded_by) == ("superseded", ["new"])
    ranked, ranks = rank_stories(stories, scores)
    assert [s.id for s in ranked] == ["selfish", "weighed", "new", "partial", "old"]
    assert ranks == {"selfish": 1, "weighed": 2, "new": 3, "partial": None, "old": None}


def test_ranking_off(tmp_path: Path) -> None:
    scores = score_stories({"s": story("s", {"a": 1})}, [], settings(tmp_path, {}))
    assert (scores["s"].source, scores["s"].value) == ("off", None)


def test_with_ranking_off_a_superseded_story_still_goes_last(tmp_path: Path) -> None:
    stories = {"old": story("old"), "new": story("new", supersedes=["old"]), "other": story("other")}
    scores = score_stories(stories, [], settings(tmp_path, {}))
    assert (scores["old"].source, scores["old"].superseded_by) == ("superseded", ["new"])
    assert [s.id for s in rank_stories(stories, scores)[0]][-1] == "old"


def project() -> Project:
    plan = ReleasePlan(
        "r1",
        [PriorityItem("p", "r1", "planned-item", "Planned", True), PriorityItem("p", "r1", "serving", "Serving", True, stories=["served"])],
        [PriorityItem("p", "r1", "wish", "Wish", False)],
    )
    return Project(
        "p", "priorities/p.yaml", "P", releases={"r1": plan, "r2": ReleasePlan("r2")}, declined=[Decline("nope", "Out of scope.")]
    )


@pytest.mark.parametrize(
    ("sid", "names", "release", "kind", "answer"),
    [
        ("s", ["planned-item"], "r1", "planned", "none"),
        ("s", ["wish", "planned-item"], "r1", "planned", "none"),
        ("s", ["wish"], "r1", "unplanned", "none"),
        ("s", [], "r1", "gap", "none"),
        ("s", ["planned-item"], "r2", "unplanned", "none"),  # the team publishes no list for r2: no plan for the ask
        ("s", ["planned-item"], None, "planned", "none"),  # no target: any release
        ("served", [], "r1", "planned", "served"),  # the team names the story itself
        ("nope", ["planned-item"], "r1", "declined", "declined"),  # a decline outweighs any item
    ],
)
def test_alignment_from_both_directions(sid: str, names: list[str], release: str | None, kind: str, answer: str) -> None:
    asked = Story(sid, f"{sid}.md", "S", "proposed", "SSS", target_release=release, projects={"p": StoryProject("p", priorities=names)})
    alignment = align_story(asked, project())
    assert (alignment.kind, alignment.answer) == (kind, answer)


def test_a_team_without_any_list() -> None:
    team = Project("t", "priorities/t.yaml", "T")
    asked = Story("s", "s.md", "S", "proposed", "SSS", target_release="r1", projects={"t": StoryProject("t")})
    assert not team.has_list() and align_story(asked, team).kind == "unplanned"


def test_completion_ignores_abandoned_items() -> None:
    tracking = [TrackingItem("spec", "a", None, s) for s in ("complete", "complete", "pending", "abandoned")]
    asked = Story("s", "s.md", "S", "proposed", "SSS", projects={"p": StoryProject("p", tracking=tracking)})
    alignment = align_story(asked, project())
    assert (alignment.complete, alignment.tracked, alignment.needs_liaison) == (2, 3, True)


def test_minimal_fixture_is_linked() -> None:
    options, root = read_site_options(MINIMAL / "mkdocs.yml")
    rm = build_roadmap(load_settings(options, root))
    assert rm.diagnostics == []
    assert [s.id for s in rm.ranked] == ["planned", "unplanned", "draft", "payload"]  # unscored after the ranked, by id
    assert rm.scores == {"planned": 100.0, "unplanned": 50.0, "draft": None, "payload": None}
    assert rm.ranks == {"planned": 1, "unplanned": 2, "draft": None, "payload": None}
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
