"""Exports for tools: the whole roadmap as JSON (the /roadmap.json contract, published as
schemas/roadmap.schema.json) and one CSV row per (story, project) for spreadsheets."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from .attachments import site_path
from .history import History, utc_date
from .linking import Roadmap, alignment_counts
from .model import STATUSES, TRACKING_STATUSES, TRACKING_TYPES, Story, TrackingItem
from .rules.schemas import schema_id
from .urls import Urls

SCHEMA_VERSION = 2  # 2: teams' answers, tiers, group weighing and backing, dependencies, unscored stories


def closed(value: str, allowed: tuple[str, ...], default: str) -> str:
    """Return a value of a closed set as the contract has it: one the checker refuses reads as missing."""
    # The checker has reported it (the export exits 1); tools that switch on these values never see it.
    return value if value in allowed else default


def export_tracking(item: TrackingItem) -> dict[str, Any]:
    """Return one tracking item as JSON-ready data, with the defaults the loader gives a missing type or status."""
    return {
        "type": closed(item.type, TRACKING_TYPES, "other"),
        "title": item.title,
        "url": item.url,
        "status": closed(item.status, TRACKING_STATUSES, "pending"),
    }


def export_history(history: History | None, story: Story) -> dict[str, Any] | None:
    """Return a story's git history as JSON-ready data; None when history is off or it is not committed."""
    found = history.of(story.path) if history is not None else None
    if found is None:
        return None
    return {
        "created": utc_date(found.created),
        "updated": utc_date(found.updated),
        "commits": found.commits,
        "contributors": [c.name for c in found.contributors],
        "statuses": [{"date": utc_date(c.date), "status": c.status} for c in found.statuses],
    }


def model_json(model: dict[str, Any]) -> str:
    """Return the model as the text of /roadmap.json: each top-level key on a line of its own, and each
    item of a top-level list (a story, a project) on one line. A diff then shows which story changed,
    and json.dumps writes every line with its fast encoder (with indent it takes a pure-Python one,
    a third of a second for 1,000 stories)."""

    def compact(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))

    lines = []
    for key, value in model.items():
        if isinstance(value, list) and value:
            items = ",\n".join(f"  {compact(item)}" for item in value)
            lines.append(f" {compact(key)}: [\n{items}\n ]")
        else:
            lines.append(f" {compact(key)}: {compact(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def export_model(roadmap: Roadmap, urls: Urls, history: History | None = None, *, site_url: str | None = None) -> dict[str, Any]:
    """Return the whole roadmap as plain JSON-ready data (the /roadmap.json contract).

    With the site's address, "$schema" names the copy of the schema the site serves beside it. Without
    it there is no address to give (the packaged schema's $id is a name that never resolves, and an
    editor would report it as a schema it cannot load), so the key is left out."""
    settings = roadmap.settings
    projects = []
    for project in roadmap.projects.values():
        counts = alignment_counts(roadmap.by_project[project.id])
        projects.append(
            {
                "id": project.id,
                "name": project.name,
                "description": project.description,
                "url": project.url,
                "page": urls.page("project", project.id),
                "source": project.path,
                "liaisons": [{"name": p.name, "irc": p.irc, "email": p.email} for p in project.liaisons],
                "releases": {
                    release: {
                        kind: [
                            {
                                "id": i.id,
                                "title": i.title,
                                "owners": i.owners,
                                "description": i.description,
                                "url": i.url,
                                "tier": i.tier,
                                "order": i.order,
                                "serves": i.stories,
                                "stories": [s.id for s in roadmap.by_item.get((project.id, release, i.id), [])],
                            }
                            for i in getattr(plan, kind)
                        ]
                        for kind in ("priorities", "without_plan")
                    }
                    for release, plan in project.releases.items()
                },
                "has_list": project.has_list(),
                "declined": [{"story": d.story, "reason": d.reason, "release": d.release} for d in project.declined],
                "counts": dict(counts),
            }
        )
    stories = []
    for story in roadmap.ranked:
        info = roadmap.score_info[story.id]
        stories.append(
            {
                "id": story.id,
                "title": story.title,
                "status": closed(story.status, STATUSES, "draft"),
                "ref": story.ref,
                "authors": story.authors,
                "working_groups": story.working_groups,
                "personas": story.personas,
                "target_release": story.target_release,
                "weights": story.weights,
                "score": roadmap.scores[story.id],
                "rank": roadmap.ranks[story.id],
                "scored_by": info.source,
                "organisations": info.organisations,
                "spread": list(info.spread) if info.spread else None,
                "contributions": [
                    {"criterion": c.criterion, "value": c.value, "weight": c.weight, "points": c.points, "low": c.low, "high": c.high}
                    for c in info.contributions
                ],
                "backing": [{"organisation": w.name, "people": b.people, "note": b.note} for w, b in roadmap.backing[story.id]],
                "completion": roadmap.completion(story.id),
                "page": urls.page("story", story.id),
                "source": story.path,
                "attachments": [
                    {"name": name, "url": site_path(story.id, name), "source": a.rel, "bytes": a.size}
                    for name, a in sorted(roadmap.attachments.published(story.id).items())
                ],
                "related": [s.id for s in roadmap.related[story.id]],
                "depends_on": [sid for sid in story.depends_on if sid in roadmap.stories],
                "needed_by": [s.id for s in roadmap.dependents[story.id]],
                "supersedes": [sid for sid in story.supersedes if sid in roadmap.stories],
                "superseded_by": [s.id for s in roadmap.superseded_by[story.id]],
                "history": export_history(history, story),
                "projects": [
                    {
                        "project": a.project.id,
                        "gap": story.projects[a.project.id].gap,
                        "alignment": a.kind,
                        "answer": a.answer,
                        "declined_because": a.declined.reason if a.declined else None,
                        "served_by": [{"id": i.id, "release": i.release} for i in a.served_by],
                        "priorities": [{"id": i.id, "release": i.release, "planned": i.planned} for i in a.items],
                        "liaison": a.liaison.name if a.liaison else None,
                        "needs_liaison": a.needs_liaison,
                        "completion": a.completion,
                        "tracking": [export_tracking(t) for t in story.projects[a.project.id].tracking],
                    }
                    for a in roadmap.alignments[story.id]
                ],
            }
        )
    head: dict[str, Any] = {"$schema": schema_id("roadmap", site_url)} if site_url else {}
    return {
        **head,
        "schema_version": SCHEMA_VERSION,
        "releases": settings.releases,
        "current_release": settings.current_release,
        "personas": settings.personas,
        "criteria": {
            c.name: {"weight": c.weight, "question": c.question, "low": c.low, "high": c.high} for c in settings.criteria.values()
        },
        "score_formula": "100 * sum(weight_c * value_c) / (5 * sum(weight_c)); value_c is the median of the organisations' scores where the story was weighed, its own score otherwise",
        "weighings": [
            {"organisation": w.organisation, "name": w.name, "release": w.release, "source": w.path, "stories": sorted(w.scores)}
            for w in roadmap.weighings
        ],
        "projects": projects,
        "stories": stories,
    }


CSV_COLUMNS = (
    "story",
    "title",
    "status",
    "ref",
    "score",
    "rank",
    "target_release",
    "project",
    "scored_by",
    "alignment",
    "answer",
    "priorities",
    "liaison",
    "needs_liaison",
    "completion",
    "gap",
    "people_offered",
    "page",
)


# OWASP's "CSV Injection" list of first characters that make a spreadsheet read a cell as a
# formula (tab, CR and LF because an importer that trims or splits on them leaves a formula at the
# start of a cell), and NUL, which ASVS 5.0 (1.2.10) adds.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")


def neutralise_cell(value: object) -> object:
    """Return the value a spreadsheet shows as text: a string starting like a formula gets a leading quote."""
    # Every string is treated alike, '-1' included. The export's numbers are ints and floats and stay
    # as they are; a string that looks like a number is text from a file (a title, a gap, a release),
    # and exempting "harmless" numeric strings would mean parsing spreadsheet number syntax
    # ('-1+1', '-1e3', '-1,5' in some locales) to decide what is safe.
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def export_rows(model: dict[str, Any]) -> list[dict[str, Any]]:
    """Return one flat row per (story, project) pair of an exported model, for spreadsheets.

    Every value comes from pull requests, so string cells are already neutralised (see `neutralise_cell`)."""
    rows = []
    for story in model["stories"]:
        for entry in story["projects"]:
            row = {
                "story": story["id"],
                "title": story["title"],
                "status": story["status"],
                "ref": story["ref"],
                "score": "" if story["score"] is None else story["score"],
                "rank": "" if story["rank"] is None else story["rank"],
                "target_release": story["target_release"] or "",
                "project": entry["project"],
                "scored_by": story.get("scored_by", ""),
                "alignment": entry["alignment"],
                "answer": f"declined: {entry['declined_because']}" if entry.get("declined_because") else entry.get("answer", ""),
                "priorities": " ".join(f"{p['release']}/{p['id']}" for p in entry["priorities"]),
                "liaison": entry["liaison"] or "",
                "needs_liaison": entry["needs_liaison"],
                "completion": "" if entry["completion"] is None else round(entry["completion"], 3),
                "gap": entry["gap"],
                "people_offered": sum(b["people"].get(entry["project"], 0) for b in story.get("backing", [])),
                "page": story["page"],
            }
            rows.append({column: neutralise_cell(value) for column, value in row.items()})
    return rows


def export_csv(model: dict[str, Any]) -> str:
    """Return the CSV text of an exported model: a header, then one row per (story, project)."""
    buffer = io.StringIO()
    # The header is ours and is written as it always was.
    csv.writer(buffer, lineterminator="\n").writerow(CSV_COLUMNS)
    # Every text cell is quoted, so a CR or LF inside one can never end the row, whatever the line
    # ending. Minimal quoting is not enough with "\n" as terminator: the csv module then quotes a
    # field for '\n' but not for a bare '\r', and spreadsheets split the row there. RFC 4180's
    # "\r\n" would make both trigger quoting, but this text also goes to standard output, a text
    # stream that on Windows turns "\r\n" into "\r\r\n". Numbers stay unquoted: spreadsheets keep
    # them numbers even when set to read quoted fields as text.
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerows(export_rows(model))
    return buffer.getvalue()
