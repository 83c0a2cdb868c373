"""Rules of the group weighing exercise: one reviewed file per organisation per release, in
weighing/<release>/<organisation>.yaml, with scores of the stories and the people offered."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..model import Diagnostic, Settings, Story, Weighing
from ..yamldoc import Document
from .schemas import iter_schema_problems
from .suggest import names, suggest


def iter_weighing_problems(doc: Document, weighing: Weighing, settings: Settings, stories: dict[str, Story]) -> Iterator[Diagnostic]:
    """Yield every problem of one organisation's weighing file."""
    if not isinstance(doc.data, dict):
        if doc.data is not None:
            yield doc.problem((), "R103", "a weighing file must be a mapping with 'organisation', 'scores' and 'backing'")
        return
    yield from iter_schema_problems(doc, "weighing")
    release = weighing.release
    scores = doc.data.get("scores")
    for sid, values in scores.items() if isinstance(scores, dict) else []:
        story = stories.get(sid)
        if story is None:
            yield doc.problem(
                ("scores", sid), "R501", f"no story '{sid}'{suggest(sid, stories)}; weigh stories by id (file names without .md)"
            )
            continue
        off_target = list(_iter_target(doc, ("scores", sid), story, release, settings))
        yield from off_target
        if not isinstance(values, dict):
            continue
        for criterion in values:
            if criterion not in settings.criteria:
                yield doc.problem(
                    ("scores", sid, criterion),
                    "R210",
                    f"unknown criterion '{criterion}'{suggest(criterion, settings.criteria)}; criteria: {names(settings.criteria)}",
                )
        missing = [c for c in settings.criteria if c not in values]
        if missing and settings.criteria and not off_target:  # a weighing that does not count needs no completing
            yield doc.problem(
                ("scores", sid),
                "R504",
                f"'{sid}' is scored on {len(settings.criteria) - len(missing)} of {len(settings.criteria)} criteria; "
                f"add {', '.join(missing)} (a criterion left out does not count in the group score)",
                severity="warning",
            )
    backing = doc.data.get("backing")
    for sid, entry in backing.items() if isinstance(backing, dict) else []:
        story = stories.get(sid)
        if story is None:
            yield doc.problem(
                ("backing", sid), "R501", f"no story '{sid}'{suggest(sid, stories)}; back stories by id (file names without .md)"
            )
            continue
        if sid not in (scores if isinstance(scores, dict) else {}):
            yield from _iter_target(doc, ("backing", sid), story, release, settings)
        people: Any = entry.get("people") if isinstance(entry, dict) else None
        for project in people if isinstance(people, dict) else []:
            if project not in story.projects:
                yield doc.problem(
                    ("backing", sid, "people", project),
                    "R503",
                    f"people offered for {project}, which '{sid}' asks nothing of{suggest(project, story.projects)}; "
                    f"the story asks: {names(story.projects)}",
                )


def _iter_target(doc: Document, where: tuple[str, ...], story: Story, release: str, settings: Settings) -> Iterator[Diagnostic]:
    target = story.target_release or settings.current_release
    if target != release:
        yield doc.problem(
            where,
            "R502",
            f"'{story.id}' targets {target or 'no release'}, so its weighing for {release} does not count; "
            f"move it to the {target} folder" + ("" if target else " once the story has a target release"),
            severity="warning",
        )
