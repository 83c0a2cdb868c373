"""Rules of one team's priority file: the file name, liaisons, releases and item ids."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..model import Diagnostic, Project, Settings
from ..yamldoc import Document
from .schemas import iter_schema_problems, iter_url_problems
from .suggest import names as _names
from .suggest import suggest


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


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
        seen: dict[str, tuple[str | int, ...]] = {}  # where each item id is first (its line is looked up only for a message)
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
                        f"item id '{item_id}' is used twice in release {release} (first at line {doc.where(seen[item_id], value=True)[0]}); "
                        "give each item its own id",
                        value=True,
                    )
                else:
                    seen[item_id] = where
    yield from iter_url_problems(doc, urls)
