"""The input files git says changed, for `check --changed-since` and `check --staged`, with plain
`git` commands: GitPython, which the history needs, costs a pre-commit run 0.2 s to import.

`check --staged` reads the working tree in place when its input folders hold exactly the files git's
index holds, byte for byte (as git would store them: no line-end conversion or filter in between, no
link, no file git does not track, no empty folder): what is staged is then what is there, and the
check reads it with its cache. Otherwise the caller copies the staged files out and checks the copy."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from pathlib import Path

from .model import Settings

_REGULAR = (b"100644", b"100755")


class RevisionError(Exception):
    """A revision git does not know."""


class NotInGit(Exception):
    """The site, or one of its input folders, is not in the git repository (or git is not there)."""


def _git(root: Path, *args: str) -> bytes | None:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _top(root: Path) -> Path | None:
    shown = _git(root, "rev-parse", "--show-toplevel")
    return Path(os.fsdecode(shown.rstrip(b"\n"))).resolve() if shown else None


def input_folders(settings: Settings, top: Path) -> list[str] | None:
    """Return the input folders relative to the repository's top (None when one is outside it)."""
    roots = [settings.stories_dir, settings.priorities_dir, *([settings.weighing_dir] if settings.weighing_dir else [])]
    if not all(folder.resolve().is_relative_to(top) for folder in roots):
        return None
    return [folder.resolve().relative_to(top).as_posix() for folder in roots]


def resolve_commit(top: Path, ref: str) -> str:
    """Return the commit id a revision names, or raise RevisionError.

    A ref comes from the command line of a CI job or a hook, so it is verified before any other
    git command sees it: `--output=FILE` must never reach git as an option."""
    if not ref or any(c in ref for c in "\0\n\r"):
        raise RevisionError(f"'{ref}' is not a revision")
    shown = _git(top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    sha = (shown or b"").strip().decode("ascii", "replace")
    if not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", sha):
        raise RevisionError(f"'{ref}' is not a commit git knows")
    return sha


def changed_since(settings: Settings, ref: str) -> set[str]:
    """Return the input files (relative to the site root) that differ from `ref`: committed since,
    staged, unstaged, deleted or not yet tracked (NotInGit, RevisionError: why not)."""
    top = _top(settings.root)
    if top is None:
        raise NotInGit
    sha = resolve_commit(top, ref)
    folders = input_folders(settings, top)
    if folders is None:
        raise NotInGit
    listed = _git(top, "diff", "--name-only", "--no-renames", "-z", sha, "--", *folders)
    others = _git(top, "ls-files", "--others", "--exclude-standard", "-z", "--", *folders)
    if listed is None or others is None:
        raise RevisionError(f"git cannot compare the tree with '{ref}'")
    return {settings.relpath(top / name) for name in map(os.fsdecode, (listed + b"\0" + others).split(b"\0")) if name}


def blob_id(data: bytes, object_format: str = "sha1") -> str:
    """Return the id git gives a file of these bytes (`git hash-object`)."""
    return hashlib.new(object_format, b"blob %d\0" % len(data) + data).hexdigest()


def _tree_files(top: Path, folder: str, files: list[str], folders: set[str]) -> bool:
    """Add the files (and folders) under `folder` of the working tree, relative to `top`; return
    False when something there is neither a plain file nor a folder (a link, a socket). One folder
    at a time, not by recursion: a pull request may nest folders as deep as the system allows."""
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            entries = list(os.scandir(top / current))
        except FileNotFoundError:
            if current == folder:
                continue  # an input folder the site does not have
            return False
        except OSError:
            return False
        folders.add(current)
        for entry in entries:
            name = f"{current}/{entry.name}"
            if entry.is_symlink():
                return False
            if entry.is_dir():
                pending.append(name)
            elif entry.is_file():
                files.append(name)
            else:
                return False
    return True


def staged_in_place(settings: Settings) -> set[str] | None:
    """Return the input files staged for the next commit (changed against HEAD, relative to the site
    root) when the working tree's input folders are the index's; None when they are not, or when git
    cannot say (the caller then checks a copy of the index)."""
    shown = (_git(settings.root, "rev-parse", "--show-toplevel", "--show-object-format") or b"").split(b"\n")
    if len(shown) < 2 or shown[1] not in (b"sha1", b"sha256"):  # outside git, or a git too old to say
        return None
    top, object_format = Path(os.fsdecode(shown[0])).resolve(), shown[1].decode("ascii")
    folders = input_folders(settings, top)
    if folders is None:
        return None
    listed = _git(top, "ls-files", "--stage", "-z", "--", *folders)
    if listed is None:
        return None
    index: dict[str, str] = {}
    for entry in filter(None, listed.split(b"\0")):
        meta, _, path = entry.partition(b"\t")
        mode, sha, stage = meta.split()
        if mode not in _REGULAR or stage != b"0":  # a link, a submodule, a conflict: the copy says what it is
            return None
        index[os.fsdecode(path)] = sha.decode("ascii")
    files: list[str] = []
    seen_folders: set[str] = set()
    for folder in folders:
        if not _tree_files(top, folder, files, seen_folders):
            return None
    if set(files) != set(index):  # a file git does not track, or one deleted from the tree only
        return None
    holding = {folder for folder in folders if (top / folder).is_dir()}
    for name in index:
        parent = name.rpartition("/")[0]
        while parent and parent not in holding:
            holding.add(parent)
            parent = parent.rpartition("/")[0]
    if not seen_folders <= holding:  # a folder with no file in it: the index has no such folder
        return None
    for name, blob in index.items():
        try:
            data = (top / name).read_bytes()
        except OSError:
            return None
        if blob_id(data, object_format) != blob:  # changed since it was staged, or converted on the way
            return None
    # Against HEAD; before the first commit, everything staged.
    changed = _git(top, "diff", "--cached", "--name-only", "--no-renames", "-z", "--", *folders)
    if changed is None:
        return None
    return {settings.relpath(top / name) for name in map(os.fsdecode, changed.split(b"\0")) if name in index}
