"""The one rule set: settings validation, JSON Schema checks with positions, and the rules a schema
cannot say (status-dependent requirements, cross-references, story body structure)."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import fastjsonschema

if TYPE_CHECKING:
    import jsonschema

from .loader import Document, describe_value, iter_body_lines, list_items
from .model import Diagnostic, Project, Section, Settings, Story

# Stable codes: documented on the site (site_src/diagnostics.md); a test keeps the page complete.
CODES: dict[str, str] = {
    "R001": "file is not UTF-8 text",
    "R002": "no front-matter, or front-matter not closed",
    "R003": "YAML syntax error",
    "R004": "duplicate key",
    "R005": "file too large",
    "R006": "YAML too deep or too large (anchors and aliases)",
    "R007": "file name is not a valid id",
    "R008": "file in an input folder that is not an input",
    "R101": "unknown key",
    "R102": "missing required key",
    "R103": "wrong type",
    "R104": "value YAML reads as a number, boolean, date or null",
    "R105": "value not among the allowed ones",
    "R106": "number out of range",
    "R107": "value in the wrong format",
    "R108": "empty value",
    "R109": "URL scheme is not http or https",
    "R201": "unknown project",
    "R202": "unknown priority item",
    "R203": "unknown liaison",
    "R204": "unknown persona",
    "R205": "unknown release",
    "R206": "unknown related story",
    "R207": "story related to itself",
    "R208": "ref used by another story",
    "R209": "missing weight for a criterion",
    "R210": "unknown criterion",
    "R301": "missing required section",
    "R302": "section has no content",
    "R303": "use case without a valid ID",
    "R304": "duplicate use-case ID",
    "R305": "acceptance criterion names an unknown use case",
    "R306": "use case not covered by any acceptance criterion",
    "R307": "script or active content in a story body",
    "R308": "acceptance criterion names no use case",
    "R309": "section heading close to a known one",
    "R401": "priority file's project does not match its file name",
    "R402": "duplicate priority item id",
    "R403": "duplicate liaison",
}

REQUIRED_SECTIONS: dict[str, tuple[str, ...]] = {
    "Problem description": ("Problem description",),
    "Opportunity": ("Opportunity", "Opportunity/Justification"),
    "Use cases": ("Use cases",),
    "Usage scenarios": ("Usage scenarios",),
    "Acceptance criteria": ("Acceptance criteria",),
}
OPTIONAL_SECTIONS = ("Requirements", "External references", "Glossary", "Related stories")
_KNOWN_SECTIONS = [name for names in REQUIRED_SECTIONS.values() for name in names] + list(OPTIONAL_SECTIONS)

# Ordering of statuses for "required from ... on"; parked and rejected stories went through proposal.
STATUS_LEVEL = {"draft": 0, "proposed": 1, "parked": 1, "rejected": 1, "accepted": 2, "in-progress": 3, "completed": 4}
PROPOSED, ACCEPTED = 1, 2

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
USE_CASE_ID = re.compile(r"\b([A-Z]{3}\d{3})\b")
_EMPTY_SECTION = {"", "none", "none.", "n/a", "tbd", "todo", "-"}
_ACTIVE_CONTENT = [
    (re.compile(r"<\s*(script|iframe|object|embed)\b", re.I), "a <{0}> element"),
    (re.compile(r"<[a-z][^>]*\s(on[a-z]+)\s*=", re.I), "an '{0}=' event attribute"),
    (re.compile(r"(javascript)\s*:", re.I), "a '{0}:' link"),
]
_PATTERN_HINTS = {
    "ref": "must be three capital letters, e.g. RUP",
    "authors": "must be 'Name' or 'Name <email>'",
    "email": "must be an e-mail address, e.g. name@example.org",
    "id": "must be lowercase letters, digits and hyphens, e.g. cells-v2",
    "project": "must be lowercase letters, digits and hyphens, like the file name",
}


class SettingsError(Exception):
    """The site configuration is unusable; `problems` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def suggest(name: str, candidates: Iterable[str]) -> str:
    """Return " (did you mean 'x'?)" for the nearest candidate, or ''."""
    match = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _names(values: Iterable[str]) -> str:
    values = list(values)
    return ", ".join(values) if values else "(none configured)"


def load_settings(options: dict[str, Any], root: Path) -> Settings:
    """Return validated Settings from the plugin options, or raise SettingsError listing every problem."""
    problems: list[str] = []

    def strings(key: str) -> list[str]:
        value = options.get(key) or []
        if not isinstance(value, list):
            problems.append(f"'{key}' must be a list of names")
            return []
        result = []
        for item in value:
            if isinstance(item, str) and item:
                result.append(item)
            else:
                problems.append(f"'{key}': {item!r} is {describe_value(item)}; put it in quotes: \"{item}\"")
        for dup in sorted({v for v in result if result.count(v) > 1}):
            problems.append(f"'{key}': '{dup}' is listed twice")
        return result

    releases = strings("releases")
    personas = strings("personas")
    current = options.get("current_release")
    if current is not None and not isinstance(current, str):
        problems.append(f"'current_release': {current!r} is {describe_value(current)}; put it in quotes: \"{current}\"")
        current = None
    if current is None and releases:
        current = releases[-1]
    elif current is not None and current not in releases:
        problems.append(f"'current_release': '{current}' is not in 'releases'{suggest(current, releases)}")
    raw_criteria = options.get("criteria") or {}
    criteria: dict[str, int] = {}
    if not isinstance(raw_criteria, dict) or not raw_criteria:
        problems.append("'criteria' must map each ranking criterion to a positive integer weight, e.g. {user_impact: 3}")
    else:
        for name, weight in raw_criteria.items():
            if isinstance(weight, int) and not isinstance(weight, bool) and weight > 0:
                criteria[str(name)] = weight
            else:
                problems.append(f"'criteria': the weight of '{name}' must be a positive integer, not {weight!r}")
    dirs = {}
    for key, default in (("stories_dir", "stories"), ("priorities_dir", "priorities")):
        value = options.get(key) or default
        if not isinstance(value, str):
            problems.append(f"'{key}' must be a folder name")
            value = default
        dirs[key] = root / value
    templates = options.get("templates_dir")
    if templates is not None and not isinstance(templates, str):
        problems.append("'templates_dir' must be a folder name")
        templates = None
    if problems:
        raise SettingsError(problems)
    return Settings(
        root, dirs["stories_dir"], dirs["priorities_dir"], releases, current, personas, criteria, root / templates if templates else None
    )


@cache
def validator(name: str) -> jsonschema.protocols.Validator:
    """Return the JSON Schema validator for 'story' or 'priorities' (the schemas ship in the package)."""
    import jsonschema  # only invalid documents need it; importing it costs a pre-commit run 40 ms

    schema = json.loads(schema_text(name))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)  # type: ignore[no-any-return]


@cache
def fast_check(name: str) -> Callable[[Any], Any]:
    """Return a compiled validity check for 'story' or 'priorities' that raises on the first violation.

    Most documents are valid; compiled code says so about fifty times faster than the full
    validator, which then runs only on the invalid ones to report every problem."""
    schema = json.loads(schema_text(name))
    # The shipped schemas use only keywords that mean the same in draft 7, which fastjsonschema compiles.
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    return fastjsonschema.compile(schema)  # type: ignore[no-any-return]


def schema_text(name: str) -> str:
    """Return the JSON Schema document for 'story' or 'priorities'."""
    return resources.files("interlock").joinpath(f"schemas/{name}.schema.json").read_text("utf-8")


def label(path: tuple[str | int, ...]) -> str:
    """Return a path as people write it: projects.nova.tracking[0].url."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text or "front-matter"


_KINDS = {"string": "a string", "array": "a list", "object": "a mapping (key: value lines)", "integer": "a whole number"}


def _kind_of(value: Any) -> str:
    if isinstance(value, str):
        return f"the string '{value}'"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return describe_value(value)


def iter_schema_problems(doc: Document, schema: str) -> Iterator[Diagnostic]:
    """Yield every JSON Schema violation of a document, located at its key, with a fix."""
    try:
        fast_check(schema)(doc.data)
        return
    except fastjsonschema.JsonSchemaException:
        pass
    errors = list(validator(schema).iter_errors(doc.data))
    typed = {tuple(e.absolute_path) for e in errors if e.validator == "type"}
    for error in errors:
        path = tuple(error.absolute_path)
        kind = error.validator
        rule: Any = error.validator_value
        subschema: Any = error.schema
        if kind != "type" and path in typed:
            continue  # one message per value: its type is the problem to fix first
        name = label(path)
        value: Any = error.instance
        if kind == "type":
            expected = str(rule)
            if path in doc.coerced and expected == "string":
                src = doc.coerced[path]
                if value is None:
                    yield doc.problem(path, "R108", f"'{name}' has no value; write one or remove the key")
                else:
                    yield doc.problem(
                        path, "R104", f"'{name}': {src} is read by YAML as {describe_value(value)}; put it in quotes: \"{src}\"", value=True
                    )
                continue
            fix = ""
            if expected == "array" and isinstance(value, str):
                fix = f'; write it as a list: ["{value}"]'
            elif expected == "integer" and isinstance(value, str) and value.strip().isdigit():
                fix = "; remove the quotes"
            elif expected == "string" and isinstance(value, (list, dict)):
                fix = "; write it as one line of text"
            elif value is None:
                fix = "; write a value or remove the key"
            wanted = " or ".join(_KINDS.get(t, t) for t in (rule if isinstance(rule, list) else [expected]) if t != "null")
            yield doc.problem(path, "R103", f"'{name}' must be {wanted}, not {_kind_of(value)}{fix}", value=True)
        elif kind == "enum":
            allowed = [str(v) for v in rule]
            yield doc.problem(
                path, "R105", f"'{name}': '{value}' is not allowed{suggest(str(value), allowed)}; use one of: {_names(allowed)}", value=True
            )
        elif kind in ("minimum", "maximum"):
            yield doc.problem(path, "R106", f"'{name}': {value} is out of range; use a whole number from 0 to 5", value=True)
        elif kind == "pattern":
            hint = next((h for key, h in _PATTERN_HINTS.items() if key in map(str, path)), f"must match {rule}")
            yield doc.problem(path, "R107", f"'{name}': '{value}' {hint}", value=True)
        elif kind in ("minItems", "minProperties", "minLength"):
            yield doc.problem(path, "R108", f"'{name}' is empty; give at least one value", value=True)
        elif kind == "required":
            for key in rule:
                if isinstance(value, dict) and key not in value and f"'{key}'" in error.message:
                    yield doc.problem(path, "R102", f"missing required key '{label((*path, key))}'; add a line '{key}: ...'")
        elif kind == "additionalProperties":
            known = list(subschema.get("properties", {}))
            for key in value:
                if key not in known:
                    yield doc.problem(
                        (*path, key), "R101", f"unknown key '{label((*path, key))}'{suggest(key, known)}; valid keys: {_names(known)}"
                    )
        else:  # pragma: no cover - the shipped schemas use only the keywords above
            yield doc.problem(path, "R103", f"'{name}': {error.message}", value=True)


def iter_url_problems(doc: Document, paths: Iterable[tuple[str | int, ...]]) -> Iterator[Diagnostic]:
    """Yield R109 for each string URL at `paths` whose scheme is not http(s)."""
    for path in paths:
        url = doc.get(path)
        if isinstance(url, str) and urlsplit(url.strip()).scheme.lower() not in ("http", "https"):
            yield doc.problem(path, "R109", f"'{label(path)}': '{url}' is not an http(s) URL; link to a web page (https://...)", value=True)


def iter_story_problems(doc: Document, story: Story, settings: Settings, projects: dict[str, Project]) -> Iterator[Diagnostic]:
    """Yield every problem of one story that can be seen without the other stories."""
    stem = Path(doc.path).stem
    if stem == "index":
        yield Diagnostic(
            doc.path, 1, 1, "R007", "error", "'index' is reserved for the list of all stories; rename the file after the story's title"
        )
    elif not ID_PATTERN.match(stem):
        fixed = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "my-story"
        yield Diagnostic(
            doc.path,
            1,
            1,
            "R007",
            "error",
            f"file name '{stem}' is not a valid story id; rename it to '{fixed}.md' (lowercase letters, digits, hyphens)",
        )
    if not isinstance(doc.data, dict):
        return
    yield from iter_schema_problems(doc, "story")
    level = STATUS_LEVEL.get(story.status, 0)
    data = doc.data

    def required(key: tuple[str, ...], from_level: int, what: str) -> Iterator[Diagnostic]:
        value = doc.get(key)
        parent = doc.get(key[:-1])
        if isinstance(parent, dict) and key[-1] in parent and value is None:
            return  # `key: ~` or `key:` is already reported by the schema as an empty value
        if level >= from_level and (value is None or value == "" or value == {}) and parent is not None:
            status = "proposed" if from_level == PROPOSED else "accepted"
            yield doc.problem(
                key[:-1], "R102", f"missing '{label(key)}': {what} is required once a story is {status} (status is '{story.status}')"
            )

    yield from required(("weights",), PROPOSED, "a weight for each criterion")
    yield from required(("target_release",), ACCEPTED, "the release the story targets")

    weights = data.get("weights")
    if isinstance(weights, dict):
        for name in weights:
            if name not in settings.criteria:
                yield doc.problem(
                    ("weights", name),
                    "R210",
                    f"unknown criterion '{name}'{suggest(name, settings.criteria)}; criteria: {_names(settings.criteria)}",
                )
        if level >= PROPOSED:
            for name in settings.criteria:
                if name not in weights:
                    yield doc.problem(("weights",), "R209", f"no weight for criterion '{name}'; add '{name}: 0..5' under 'weights'")

    for i, persona in enumerate(story.personas):
        if persona not in settings.personas:
            yield doc.problem(
                ("personas", i),
                "R204",
                f"unknown persona '{persona}'{suggest(persona, settings.personas)}; personas: {_names(settings.personas)}",
                value=True,
            )

    release = story.target_release
    if release is not None and release not in settings.releases:
        yield doc.problem(
            ("target_release",),
            "R205",
            f"unknown release '{release}'{suggest(release, settings.releases)}; releases: {_names(settings.releases)}",
            value=True,
        )

    raw_projects = data.get("projects")
    for name, entry in raw_projects.items() if isinstance(raw_projects, dict) else []:
        key = ("projects", name)
        project = projects.get(name)
        if project is None:
            yield doc.problem(
                key, "R201", f"unknown project '{name}'{suggest(name, projects)}; projects with a priority list: {_names(sorted(projects))}"
            )
            continue
        if not isinstance(entry, dict):
            if level >= PROPOSED or entry is not None:
                yield doc.problem(
                    key, "R103", f"'{label(key)}' must be a mapping with 'gap', 'priorities', 'liaison' and 'tracking'", value=True
                )
            continue
        yield from required((*key, "gap"), PROPOSED, "the gap analysis for this project")
        yield from required((*key, "liaison"), ACCEPTED, "the liaison who carries the story into this team")
        liaison = entry.get("liaison")
        names = list(dict.fromkeys(person.name for person in project.liaisons))
        if isinstance(liaison, str) and liaison and liaison not in names:
            yield doc.problem(
                (*key, "liaison"),
                "R203",
                f"'{liaison}' is not a liaison of {name}{suggest(liaison, names)}; liaisons in {project.path}: {_names(names)}",
                value=True,
            )
        plans = [project.releases[release]] if release in project.releases else ([] if release else list(project.releases.values()))
        where = f"release {release}" if release else "any release"
        items = [item.id for plan in plans for item in (*plan.priorities, *plan.without_plan)]
        for i, item_id in enumerate(_list(entry.get("priorities"))):
            if isinstance(item_id, str) and item_id not in items:
                yield doc.problem(
                    (*key, "priorities", i),
                    "R202",
                    f"'{item_id}' is not an item of {name}'s priority list for {where}{suggest(item_id, items)}; see {project.path}",
                    value=True,
                )
        yield from iter_url_problems(doc, [(*key, "tracking", i, "url") for i in range(len(_list(entry.get("tracking"))))])

    for i, other in enumerate(story.related):
        if other == story.id:
            yield doc.problem(("related", i), "R207", f"story '{story.id}' lists itself in 'related'; remove it", value=True)

    yield from iter_body_problems(doc, story, level)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _section(story: Story, names: tuple[str, ...]) -> Section | None:
    return next((s for s in story.sections if s.title.lower() in (n.lower() for n in names)), None)


def iter_body_problems(doc: Document, story: Story, level: int) -> Iterator[Diagnostic]:
    """Yield problems of the Markdown body: sections, use-case IDs, acceptance criteria, active content."""
    path = doc.path
    yield from _iter_active_content(story, path)
    for section in story.sections:
        if section.title not in _KNOWN_SECTIONS:
            hint = suggest(section.title, _KNOWN_SECTIONS)
            if hint:
                yield Diagnostic(
                    path,
                    section.line,
                    1,
                    "R309",
                    "warning",
                    f"section '{section.title}' is not a known section{hint}; fix the heading so the checker finds it",
                )
    if level >= PROPOSED:
        end = story.body_line + story.body.count("\n")
        for title, names in REQUIRED_SECTIONS.items():
            found = _section(story, names)
            if found is None:
                yield Diagnostic(
                    path,
                    max(end, 1),
                    1,
                    "R301",
                    "error",
                    f"missing section '## {title}': required once a story is proposed; add the heading and its text",
                )
            elif found.text.strip().lower() in _EMPTY_SECTION:
                yield Diagnostic(
                    path,
                    found.line,
                    1,
                    "R302",
                    "error",
                    f"section '## {found.title}' has no content; write it (\"None.\" is not enough once a story is proposed)",
                )
    ref = story.ref if re.fullmatch(r"[A-Z]{3}", story.ref) else ""
    use_cases = _section(story, REQUIRED_SECTIONS["Use cases"])
    ids: dict[str, int] = {}
    if use_cases is not None:
        for line, text in list_items(use_cases):
            match = re.match(r"^\**([A-Za-z]{3}\d{3})\b", text)
            if not match:
                yield Diagnostic(
                    path,
                    line,
                    1,
                    "R303",
                    "error",
                    f"use case has no ID; start it with '{ref or 'ABC'}{len(ids) + 1:03d}' (the story's ref and three digits)",
                )
                continue
            uc = match.group(1)
            if ref and not uc.startswith(ref):
                yield Diagnostic(
                    path,
                    line,
                    1,
                    "R303",
                    "error",
                    f"use-case ID '{uc}' does not start with the story's ref '{ref}'; rename it '{ref}{uc[3:]}'",
                )
            if uc in ids:
                yield Diagnostic(
                    path, line, 1, "R304", "error", f"use-case ID '{uc}' is already used at line {ids[uc]}; give each use case its own ID"
                )
                continue
            ids[uc] = line
    criteria = _section(story, REQUIRED_SECTIONS["Acceptance criteria"])
    covered: set[str] = set()
    if criteria is not None:
        for line, text in list_items(criteria):
            named = USE_CASE_ID.findall(text)
            if not named and level >= PROPOSED:
                yield Diagnostic(
                    path,
                    line,
                    1,
                    "R308",
                    "error",
                    f"acceptance criterion names no use case; name the use-case IDs it covers, e.g. '({next(iter(ids), (ref or 'ABC') + '001')})'",
                )
            for uc in named:
                if uc not in ids:
                    yield Diagnostic(
                        path,
                        line,
                        1,
                        "R305",
                        "error",
                        f"acceptance criterion names '{uc}', which is not a use case of this story{suggest(uc, ids)}",
                    )
                covered.add(uc)
    if level >= ACCEPTED:
        for uc, line in ids.items():
            if uc not in covered:
                yield Diagnostic(
                    path,
                    line,
                    1,
                    "R306",
                    "error",
                    f"use case '{uc}' is not covered by any acceptance criterion; name it in one (required once a story is accepted)",
                )


def _iter_active_content(story: Story, path: str) -> Iterator[Diagnostic]:
    for number, line, fenced in iter_body_lines(story.body, story.body_line):
        if fenced:
            continue  # code blocks are shown as text
        for pattern, what in _ACTIVE_CONTENT:
            for match in pattern.finditer(line):
                thing = what.format(match.group(1).lower())
                yield Diagnostic(
                    path,
                    number,
                    match.start() + 1,
                    "R307",
                    "error",
                    f"{thing} in the story text; stories are prose: remove it (to show code, put it in a code block)",
                )


def iter_priority_problems(doc: Document, project: Project, settings: Settings) -> Iterator[Diagnostic]:
    """Yield every problem of one priority file."""
    if not isinstance(doc.data, dict):
        if doc.data is not None:
            yield doc.problem((), "R103", "a priority file must be a mapping with 'project', 'name', 'liaisons' and 'releases'")
        return
    yield from iter_schema_problems(doc, "priorities")
    stem = Path(doc.path).stem
    declared = doc.data.get("project")
    if isinstance(declared, str) and declared != stem:
        yield doc.problem(
            ("project",),
            "R401",
            f"project '{declared}' does not match the file name '{Path(doc.path).name}'; write 'project: {stem}' or rename the file",
            value=True,
        )
    seen_liaisons: dict[str, int] = {}
    for i, entry in enumerate(_list(doc.data.get("liaisons"))):
        name = entry.get("name") if isinstance(entry, dict) else None
        if isinstance(name, str):
            if name in seen_liaisons:
                yield doc.problem(("liaisons", i, "name"), "R403", f"liaison '{name}' is listed twice; remove one", value=True)
            seen_liaisons[name] = i
    urls: list[tuple[str | int, ...]] = [("url",)]
    releases = doc.data.get("releases")
    for release, plan in releases.items() if isinstance(releases, dict) else []:
        if release not in settings.releases:
            yield doc.problem(
                ("releases", release),
                "R205",
                f"unknown release '{release}'{suggest(release, settings.releases)}; releases: {_names(settings.releases)}",
            )
        if not isinstance(plan, dict):
            continue
        seen: dict[str, int] = {}
        for kind in ("priorities", "without_plan"):
            for i, item in enumerate(_list(plan.get(kind))):
                item_id = item.get("id") if isinstance(item, dict) else None
                urls.append(("releases", release, kind, i, "url"))
                if not isinstance(item_id, str):
                    continue
                where = ("releases", release, kind, i, "id")
                if item_id in seen:
                    yield doc.problem(
                        where,
                        "R402",
                        f"item id '{item_id}' is used twice in release {release} (first at line {seen[item_id]}); give each item its own id",
                        value=True,
                    )
                else:
                    seen[item_id] = doc.where(where, value=True)[0]
    yield from iter_url_problems(doc, urls)


def iter_corpus_problems(docs: dict[str, Document], stories: dict[str, Story], changed: set[str] | None = None) -> Iterator[Diagnostic]:
    """Yield problems that need all stories at once: duplicate refs and related stories.

    A ref used twice is reported on the later story by id; with `changed` paths, unchanged stories
    keep their refs and the changed story is the one told to pick another."""
    by_ref: dict[str, Story] = {}
    for story_id in sorted(stories, key=lambda sid: (changed is not None and stories[sid].path in changed, sid)):
        story = stories[story_id]
        doc = docs[story_id]
        if story.ref and isinstance(doc.get(("ref",)), str):
            first = by_ref.setdefault(story.ref, story)
            if first is not story:
                yield doc.problem(
                    ("ref",), "R208", f"ref '{story.ref}' is already used by {first.path}; choose three other capital letters", value=True
                )
        for i, other in enumerate(story.related):
            if other != story.id and other not in stories:
                yield doc.problem(
                    ("related", i),
                    "R206",
                    f"no story '{other}'{suggest(other, stories)}; 'related' takes story ids (file names without .md)",
                    value=True,
                )
