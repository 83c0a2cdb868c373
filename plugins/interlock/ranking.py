"""Scores and ranks: the group weighing where organisations scored a story (the median per
criterion), the author's own score otherwise, nothing for a story not yet scored on every
criterion, and no rank for a superseded story. Every score can explain itself."""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field

from .model import OPEN_STATUSES, SCALE, Backing, Criterion, Settings, Story, Weighing

_TOP = SCALE[1]


@dataclass(frozen=True)
class Contribution:
    criterion: str
    value: float  # 0..5: the author's score, or the group's median
    weight: int
    points: float  # what this criterion adds to the score (of 100)
    low: float | None = None  # the lowest and highest organisation score, in a group weighing
    high: float | None = None


@dataclass
class Score:
    """A story's score and where it comes from."""

    value: float | None  # None: not ranked (unscored, superseded, or ranking is off)
    source: str  # group | self | unscored | superseded | off
    contributions: list[Contribution] = field(default_factory=list)
    organisations: dict[str, float] = field(default_factory=dict)  # organisation name -> its own score
    superseded_by: list[str] = field(default_factory=list)

    @property
    def spread(self) -> tuple[float, float] | None:
        """Return the lowest and highest of the organisations' own scores, when several weighed the story."""
        values = list(self.organisations.values())
        return (min(values), max(values)) if len(values) > 1 else None


def score_value(values: dict[str, float], criteria: dict[str, Criterion]) -> float:
    """Return 100 * sum(weight * value) / (5 * sum(weight)) over the criteria given, to one decimal."""
    total = sum(c.weight for name, c in criteria.items() if name in values)
    if not total:
        return 0.0
    return round(100 * sum(c.weight * values[name] for name, c in criteria.items() if name in values) / (_TOP * total), 1)


def _contributions(
    values: dict[str, float], criteria: dict[str, Criterion], spread: Mapping[str, tuple[float, float]]
) -> list[Contribution]:
    total = sum(c.weight for c in criteria.values())
    return [
        Contribution(
            name, values[name], c.weight, round(100 * c.weight * values[name] / (_TOP * total), 1), *spread.get(name, (None, None))
        )
        for name, c in criteria.items()
    ]


def weighing_release(story: Story, settings: Settings) -> str | None:
    """Return the release whose weighing counts for a story: its target, or the current release."""
    return story.target_release or settings.current_release


def score_stories(stories: dict[str, Story], weighings: list[Weighing], settings: Settings) -> dict[str, Score]:
    """Return every story's score: group, self, unscored or superseded."""
    criteria = settings.criteria
    superseded: dict[str, list[str]] = {}
    for story in stories.values():
        for old in story.supersedes:
            if old in stories and old != story.id:
                superseded.setdefault(old, []).append(story.id)
    scores: dict[str, Score] = {}
    for story in stories.values():
        if not criteria:  # ranking is off; a superseded story still goes last, naming what replaces it
            scores[story.id] = (
                Score(None, "superseded", superseded_by=sorted(superseded[story.id])) if story.id in superseded else Score(None, "off")
            )
            continue
        release = weighing_release(story, settings)
        given = [(w, w.scores[story.id]) for w in weighings if w.release == release and story.id in w.scores]
        medians = {c: float(statistics.median(v[c] for _, v in given if c in v)) for c in criteria if any(c in v for _, v in given)}
        if given and len(medians) == len(criteria):
            spread = {c: (min(v[c] for _, v in given if c in v), max(v[c] for _, v in given if c in v)) for c in criteria}
            own = {w.name: score_value({c: float(x) for c, x in v.items() if c in criteria}, criteria) for w, v in given}
            score = Score(score_value(medians, criteria), "group", _contributions(medians, criteria, spread), own)
        elif all(c in story.weights for c in criteria):
            values = {c: float(story.weights[c]) for c in criteria}
            score = Score(score_value(values, criteria), "self", _contributions(values, criteria, {}))
        else:
            score = Score(None, "unscored")
        if story.id in superseded:
            score = Score(None, "superseded", score.contributions, score.organisations, sorted(superseded[story.id]))
        scores[story.id] = score
    return scores


def rank_stories(stories: dict[str, Story], scores: dict[str, Score]) -> tuple[list[Story], dict[str, int | None]]:
    """Return every story in ranking order and each rank: only open stories (proposed, accepted, in
    progress) with a score are ranked; then open unscored ones; then the others by score; superseded last."""
    order = {"group": 0, "self": 0, "unscored": 1, "off": 1, "superseded": 2}

    def key(story: Story) -> tuple[bool, bool, int, float, str]:
        score = scores[story.id]
        return (order[score.source] == 2, story.status not in OPEN_STATUSES, order[score.source], -(score.value or 0), story.id)

    ranked = sorted(stories.values(), key=key)
    ranks: dict[str, int | None] = {}
    position = 0
    for story in ranked:
        if scores[story.id].value is not None and story.status in OPEN_STATUSES:
            position += 1
            ranks[story.id] = position
        else:
            ranks[story.id] = None
    return ranked, ranks


def backing_of(stories: dict[str, Story], weighings: list[Weighing], settings: Settings) -> dict[str, list[tuple[Weighing, Backing]]]:
    """Return, per story, the organisations that back it in the release whose weighing counts for it."""
    found: dict[str, list[tuple[Weighing, Backing]]] = {}
    for story in stories.values():
        release = weighing_release(story, settings)
        found[story.id] = [(w, w.backing[story.id]) for w in weighings if w.release == release and story.id in w.backing]
    return found
