"""Rules of the input folders themselves: which entries are inputs, and the names, links and stray
files that are refused. Nothing in a folder is skipped silently: it is read, or it is reported."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..model import Diagnostic, Settings

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# File names whose pages would take the place of a page the site generates.
RESERVED_IDS = frozenset({"index"})


@dataclass
class Inputs:
    """The files of one input folder that are read, and the problems of the rest."""

    files: list[Path] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)  # beside stories: attachment folders
    problems: list[Diagnostic] = field(default_factory=list)
    entries: int = 0


def _stem_and_suffix(name: str) -> tuple[str, str]:
    """Return the stem and the suffix of a file name, as PurePath's do (Python 3.10 to 3.13), sooner:
    for each entry of a folder."""
    at = name.rfind(".")
    return (name[:at], name[at:]) if 0 < at < len(name) - 1 else (name, "")


def _fixed(stem: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "my-story"


def _link_problem(path: Path, root: Path) -> str | None:
    """Return why a symbolic link may not be read, or None when it points inside the repository."""
    try:
        target = path.resolve(strict=True)
    except RuntimeError:  # pragma: no cover - Python < 3.13 raises this for loops
        return "is a symbolic link loop"
    except OSError as exc:
        return "is a symbolic link loop" if exc.errno == 40 else "is a symbolic link to nothing"
    if not target.is_relative_to(root.resolve()):
        return "is a symbolic link out of the repository"
    return None


def list_inputs(directory: Path, suffixes: tuple[str, ...], settings: Settings, *, kind: str, story_ids: set[str] | None = None) -> Inputs:
    """Return the entries of an input folder: inputs to read, attachment folders, and problems of the rest."""
    found = Inputs()
    what = {
        "story": "stories (files ending in .md)",
        "project": "priority lists (files ending in .yaml)",
    }.get(kind, f"{kind} files (ending in .yaml)")
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return found
    names = {e.name: _stem_and_suffix(e.name) for e in entries}
    stems = {stem for stem, suffix in names.values() if suffix in suffixes}
    for entry in entries:
        path = directory / entry.name
        rel = settings.relpath_in(directory, entry.name)
        found.entries += 1

        def problem(code: str, message: str, rel: str = rel) -> None:
            found.problems.append(Diagnostic(rel, 1, 1, code, "error", message))

        if entry.is_symlink() and (why := _link_problem(path, settings.root)):
            problem("R010", f"'{entry.name}' {why}; it is not read: replace it with the file itself")
            continue
        stem, suffix = names[entry.name]
        if entry.name.startswith("."):
            problem("R008", f"hidden file '{entry.name}' is not read; remove it (only {what} belong here)")
        elif entry.is_dir():
            if kind == "story" and entry.name in stems:
                found.folders.append(path)  # a story's own files: images, diagrams
            else:
                problem(
                    "R008",
                    f"folder '{entry.name}' is not read; only {what}"
                    + (" and folders named after a story" if kind == "story" else "")
                    + " belong here",
                )
        elif not entry.is_file() or suffix not in suffixes:
            problem("R008", f"not one of the {what}: move it out of the folder")
        elif stem in RESERVED_IDS:
            listing = "the list of all stories" if kind == "story" else "the list of all projects"
            problem("R011", f"'{entry.name}' would take the place of {listing}; rename the file after its {kind}")
        elif not ID_PATTERN.match(stem):
            problem(
                "R007",
                f"file name '{stem}' is not a valid {kind} id; rename it to '{_fixed(stem)}{suffix}' (lowercase letters, digits, hyphens)",
            )
        else:
            found.files.append(path)
    return found


def list_weighing_inputs(settings: Settings) -> tuple[list[tuple[Path, str]], list[Diagnostic], int]:
    """Return the weighing files as (path, release), the problems of other entries, and the entry count."""
    if settings.weighing_dir is None:
        return [], [], 0
    found: list[tuple[Path, str]] = []
    problems: list[Diagnostic] = []
    count = 0
    for folder in sorted(settings.weighing_dir.iterdir(), key=lambda p: p.name):
        count += 1
        rel = settings.relpath(folder)
        if folder.is_symlink() and (why := _link_problem(folder, settings.root)):
            problems.append(Diagnostic(rel, 1, 1, "R010", "error", f"'{folder.name}' {why}; it is not read"))
            continue
        if not folder.is_dir() or folder.name.startswith("."):
            problems.append(Diagnostic(rel, 1, 1, "R008", "error", "not read: the weighing folder holds one folder per release"))
            continue
        if folder.name not in settings.releases:
            problems.append(
                Diagnostic(
                    rel,
                    1,
                    1,
                    "R205",
                    "error",
                    f"unknown release '{folder.name}'; name the folder after one of: {', '.join(settings.releases)}",
                )
            )
            continue
        inputs = list_inputs(folder, (".yaml", ".yml"), settings, kind="organisation")
        count += inputs.entries
        problems += inputs.problems
        found += [(path, folder.name) for path in inputs.files]
    return found, problems, count
