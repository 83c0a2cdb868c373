"""Rules of one story's front-matter that the JSON Schema cannot say: what each status requires,
names checked against the configuration and the priority lists, and placeholders left in values."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..model import Diagnostic, Project, Settings, Story
from ..yamldoc import Document
from .placeholders import find_placeholder
from .schemas import iter_schema_problems, iter_url_problems, label
from .suggest import names, nearest, suggest

# Ordering of statuses for "required from ... on"; parked and rejected stories went through proposal.
STATUS_LEVEL = {"draft": 0, "proposed": 1, "parked": 1, "rejected": 1, "accepted": 2, "in-progress": 3, "completed": 4}
PROPOSED, ACCEPTED = 1, 2


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def iter_front_matter_problems(doc: Document, story: Story, settings: Settings, projects: dict[str, Project]) -> Iterator[Diagnostic]:
    """Yield every problem of a story's front-matter that can be seen without the other stories."""
    if not isinstance(doc.data, dict):
        return
    yield from iter_schema_problems(doc, "story")
    level = STATUS_LEVEL.get(story.status, 0)
    data = doc.data

    def required(key: tuple[str, ...], from_level: int, what: str, hint: str = "") -> Iterator[Diagnostic]:
        value = doc.get(key)
        parent = doc.get(key[:-1])
        if isinstance(parent, dict) and key[-1] in parent and value is None:
            return  # `key: ~` or `key:` is already reported by the schema as an empty value
        if level >= from_level and (value is None or value == "" or value == {}) and parent is not None:
            status = "proposed" if from_level == PROPOSED else "accepted"
            yield doc.problem(
                key[:-1], "R102", f"missing '{label(key)}': {what} is required once a story is {status} (status is '{story.status}'){hint}"
            )

    if settings.ranking:
        yield from required(("weights",), ACCEPTED, "a score for each criterion")
    yield from required(("target_release",), ACCEPTED, "the release the story targets")

    weights = data.get("weights")
    if isinstance(weights, dict) and not settings.ranking and weights:
        yield doc.problem(("weights",), "R210", "this site ranks no criteria (criteria: {}); remove 'weights'", severity="warning")
    elif isinstance(weights, dict):
        for name in weights:
            if name not in settings.criteria:
                yield doc.problem(
                    ("weights", name),
                    "R210",
                    f"unknown criterion '{name}'{suggest(name, settings.criteria)}; criteria: {names(settings.criteria)}",
                )
        if level >= ACCEPTED or weights:
            for name in settings.criteria:
                if name not in weights:
                    severity = "error" if level >= ACCEPTED else "warning"
                    yield doc.problem(
                        ("weights",),
                        "R209",
                        f"no score for criterion '{name}'; add '{name}: 0..5' under 'weights' (unscored until every criterion has one)",
                        severity=severity,
                    )

    for i, persona in enumerate(story.personas):
        if persona not in settings.personas:
            yield doc.problem(
                ("personas", i),
                "R204",
                f"unknown persona '{persona}'{suggest(persona, settings.personas)}; personas: {names(settings.personas)}",
                value=True,
            )

    release = story.target_release
    release_known = release is None or release in settings.releases
    if not release_known:
        yield doc.problem(
            ("target_release",),
            "R205",
            f"unknown release '{release}'{suggest(release or '', settings.releases)}; releases: {names(settings.releases)}",
            value=True,
        )

    raw_projects = data.get("projects")
    for name, entry in raw_projects.items() if isinstance(raw_projects, dict) else []:
        key = ("projects", name)
        project = projects.get(name)
        if project is None:
            yield doc.problem(
                key,
                "R201",
                f"unknown project '{name}'{suggest(name, projects)}; projects with a file in the priorities folder: {names(sorted(projects))}",
            )
            continue
        if not isinstance(entry, dict):
            if level >= PROPOSED or entry is not None:
                yield doc.problem(
                    key, "R103", f"'{label(key)}' must be a mapping with 'gap', 'priorities', 'liaison' and 'tracking'", value=True
                )
            continue
        yield from required((*key, "gap"), PROPOSED, "the gap analysis for this project")
        liaisons = list(dict.fromkeys(person.name for person in project.liaisons))
        hint = f"; liaisons of {name}: {names(liaisons)}" if liaisons else f"; {project.path} names no liaison yet: add one there first"
        yield from required((*key, "liaison"), ACCEPTED, "the liaison who carries the story into this team", hint)
        liaison = entry.get("liaison")
        if isinstance(liaison, str) and liaison and liaison not in liaisons:
            yield doc.problem(
                (*key, "liaison"),
                "R203",
                f"'{liaison}' is not a liaison of {name}{suggest(liaison, liaisons)}; liaisons in {project.path}: {names(liaisons)}",
                value=True,
            )
        if release_known and not project.has_list(release) and _list(entry.get("priorities")):
            where = f" for {release}" if release else ""
            yield doc.problem(
                (*key, "priorities"),
                "R202",
                f"{project.id} publishes no priority list{where}; remove 'priorities' (the ask counts as unplanned) "
                f"or ask the team to add items to {project.path}",
            )
        elif release_known:  # with an unknown release every item would be reported again: one root cause, one message
            yield from _iter_item_problems(doc, key, entry, project, release)
        yield from iter_url_problems(doc, [(*key, "tracking", i, "url") for i in range(len(_list(entry.get("tracking"))))])


def _iter_item_problems(
    doc: Document, key: tuple[str, ...], entry: dict[str, Any], project: Project, release: str | None
) -> Iterator[Diagnostic]:
    plans = [project.releases[release]] if release in project.releases else ([] if release else list(project.releases.values()))
    where = f"release {release}" if release else "any release"
    items = list(dict.fromkeys(item.id for plan in plans for item in (*plan.priorities, *plan.without_plan)))
    for i, item_id in enumerate(_list(entry.get("priorities"))):
        if not isinstance(item_id, str) or item_id in items:
            continue
        elsewhere = [r for r, plan in project.releases.items() if plan.find(item_id) is not None]
        if elsewhere and release:
            valid = f"items for {release}: {names(items)}" if items else f"{project.name} lists no item for {release}"
            message = f"'{item_id}' is on {project.id}'s list for {names(elsewhere)}, not for {release}; {valid}"
        else:
            message = f"'{item_id}' is not an item of {project.id}'s priority list for {where}{suggest(item_id, items)}; see {project.path}"
        yield doc.problem((*key, "priorities", i), "R202", message, value=True)


def iter_front_matter_placeholders(
    doc: Document, story: Story, projects: dict[str, Project]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Yield (path, placeholder) for each value that still holds placeholder text, empty gaps included
    (of known projects only: an unknown project is already one problem)."""
    data = doc.data if isinstance(doc.data, dict) else {}
    paths: list[tuple[str | int, ...]] = [("title",)]
    paths += [("authors", i) for i in range(len(_list(data.get("authors"))))]
    paths += [("working_groups", i) for i in range(len(_list(data.get("working_groups"))))]
    raw_projects = data.get("projects")
    for name, entry in raw_projects.items() if isinstance(raw_projects, dict) else []:
        if isinstance(entry, dict) and name in projects:
            if entry.get("gap") == "" or ("gap" not in entry):
                yield ("projects", name, "gap") if "gap" in entry else ("projects", name), "an empty gap"
            paths += [("projects", name, "gap"), ("projects", name, "liaison")]
            paths += [("projects", name, "tracking", i, "title") for i in range(len(_list(entry.get("tracking"))))]
    for path in paths:
        value = doc.get(path)
        if isinstance(value, str) and (found := find_placeholder(value)):
            yield path, found


def nearest_title(name: str, stories: dict[str, Story]) -> str | None:
    """Return the id of the story whose title `name` is (or is nearest to), for 'related' given as a title."""
    lowered = name.strip().lower()
    for story in stories.values():
        if story.title.strip().lower() == lowered:
            return story.id
    found = nearest(name, {s.title: s.id for s in stories.values()})
    return next((s.id for s in stories.values() if s.title == found), None)
