"""Git history of the stories: when each was created and last updated, by whom, and when its status
changed. All of it comes from one `git log` walk over the stories folder plus one `git cat-file`
batch for the versions' front-matter, so the cost grows with commits, not with files x commits."""

from __future__ import annotations

import os
import posixpath
import re
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import git

from . import gitfiles
from .gitfiles import RevisionError
from .model import Settings

# Tolerant on purpose: an old version whose YAML no longer parses still has a readable status line.
_STATUS_LINE = re.compile(rb"^status:[ \t]*[\"']?([A-Za-z][A-Za-z-]*)", re.MULTILINE)
_FRONT_MATTER_END = re.compile(rb"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)


@dataclass(frozen=True)
class Contributor:
    name: str
    email: str
    commits: int


@dataclass(frozen=True)
class StatusChange:
    date: datetime
    status: str
    commit: str


@dataclass
class FileHistory:
    """The committed history of one story file, following renames."""

    created: datetime
    updated: datetime
    commits: int
    contributors: list[Contributor]
    statuses: list[StatusChange]
    created_as: str  # the path at creation; differs from today's when the file was renamed


@dataclass
class History:
    """What git knows about the stories; `files` is keyed by path relative to the site root."""

    head: str | None = None
    files: dict[str, FileHistory] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    reason: str = ""  # why there is no history at all, if so

    def of(self, path: str) -> FileHistory | None:
        """Return the history of a story file, or None when it is not yet committed."""
        return self.files.get(path)

    def changed_since(self, when: datetime) -> list[str]:
        """Return the paths of the story files last updated at or after `when`."""
        return sorted(path for path, h in self.files.items() if h.updated >= when)


@dataclass
class _Version:
    commit: str
    date: datetime
    name: str
    email: str
    blob: str  # the file's content at this commit ('' when unknown)
    path: str


def open_repo(root: Path) -> git.Repo | None:
    """Return the git repository holding `root`, or None when there is none (or no git)."""
    try:
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, git.GitCommandNotFound):
        return None


def head_of(repo: git.Repo) -> str | None:
    """Return the commit HEAD points at, or None in a repository without commits."""
    try:
        return repo.head.commit.hexsha
    except ValueError:
        return None


class HistoryCache:
    """Keeps the last history per (repository, folder) and walks again only when HEAD moves."""

    def __init__(self) -> None:
        self._kept: dict[tuple[str, str], History] = {}
        self.walks = 0

    def get(self, root: Path, stories_dir: Path) -> History:
        repo = open_repo(root)
        if repo is None:
            return History(reason="not a git repository")
        with repo:
            key = (str(repo.git_dir), str(stories_dir.resolve()))
            head = head_of(repo)
            kept = self._kept.get(key)
            if kept is not None and kept.head == head:
                return kept
            self.walks += 1
            try:
                history = collect_history(repo, root, stories_dir)
            except git.GitCommandNotFound:
                return History(reason="git is not installed")
            except git.GitCommandError as exc:
                # A broken repository must not stop the site: report it and build without dates.
                failed = History(reason="git failed")
                failed.warnings.append(f"git history unavailable, story dates not shown: {str(exc.stderr).strip() or exc}")
                return failed
            self._kept[key] = history
            return history


def collect_history(repo: git.Repo, root: Path, stories_dir: Path) -> History:
    """Return the history of every file under `stories_dir` from one walk of the log of `repo`."""
    head = head_of(repo)
    if head is None:
        return History(reason="no commits yet")
    work_tree = Path(repo.working_tree_dir or root).resolve()
    try:
        folder = stories_dir.resolve().relative_to(work_tree).as_posix()
        site_prefix = root.resolve().relative_to(work_tree).as_posix()
    except ValueError:
        return History(head=head, reason="the stories folder is outside the git repository")
    history = History(head=head)
    if repo.git.rev_parse("--is-shallow-repository").strip() == "true":
        history.warnings.append(
            "shallow git clone: created dates, contributors and status timelines only cover the commits fetched; "
            "fetch the whole history (on GitHub Actions: actions/checkout with fetch-depth: 0)"
        )
    # Commit metadata comes from pull requests too: a name may hold any character, so the fields are
    # delimited by a token no commit can know, and dates are read as timestamps, never parsed text.
    token = secrets.token_hex(12)
    log = repo.git.log(
        "--raw",
        "--no-abbrev",
        "-M",
        "--no-color",
        f"--format={token}C%H{token}F%at{token}F%aN{token}F%aE{token}E",
        "--",
        folder,
    )
    versions = _versions_by_file(log, token)
    statuses = _read_statuses(repo, {v.blob for vs in versions.values() for v in vs if v.blob})
    prefix = "" if site_prefix == "." else site_prefix + "/"
    for path, found in versions.items():
        if not path.startswith(prefix):
            continue
        found.sort(key=lambda v: v.date)
        people: dict[str, list[_Version]] = {}
        for v in found:
            people.setdefault(v.email.lower(), []).append(v)
        timeline: list[StatusChange] = []
        for v in found:
            status = statuses.get(v.blob)
            if status and (not timeline or timeline[-1].status != status):
                timeline.append(StatusChange(v.date, status, v.commit))
        history.files[path[len(prefix) :]] = FileHistory(
            created=found[0].date,
            updated=found[-1].date,
            commits=len({v.commit for v in found}),
            contributors=sorted(
                (Contributor(vs[-1].name, vs[-1].email, len(vs)) for vs in people.values()),
                key=lambda c: (-c.commits, c.name.lower()),
            ),
            statuses=timeline,
            created_as=found[0].path[len(prefix) :] if found[0].path.startswith(prefix) else found[0].path,
        )
    return history


def _iter_commits(log: str, token: str) -> Iterator[tuple[str, datetime, str, str, list[str]]]:
    """Yield (commit, date, author name, author e-mail, raw change lines) of a log made with `token` delimiters."""
    for chunk in log.split(f"{token}C")[1:]:
        header, found, changes = chunk.partition(f"{token}E")
        fields = header.split(f"{token}F")
        if not found or len(fields) != 4:
            continue
        commit, stamp, name, email = fields
        try:
            when = datetime.fromtimestamp(int(stamp), timezone.utc)
        except (ValueError, OverflowError, OSError):
            continue  # a date git itself could not make sense of: this commit gives no date
        yield commit, when, name, email, [line for line in changes.split("\n") if line.startswith(":")]


def _versions_by_file(log: str, token: str) -> dict[str, list[_Version]]:
    """Attribute each change of the log (newest first) to the file's current path, following renames."""
    current: dict[str, str] = {}  # path at that point in history -> path today
    retired = 0
    versions: dict[str, list[_Version]] = {}

    def today(path: str) -> str:
        return current.setdefault(path, path)

    def retire(path: str) -> None:
        # Older changes at this path belong to an earlier file that has since been deleted.
        nonlocal retired
        retired += 1
        current[path] = f"\0{retired}"

    for commit, when, name, email, changes in _iter_commits(log, token):
        for line in changes:
            meta, *paths = line.split("\t")
            fields = meta.split()
            if len(fields) < 5 or not paths:
                continue
            blob, kind = fields[3], fields[4][:1]
            paths = [_unquote(p) for p in paths]
            if kind == "D":
                retire(paths[0])
                continue
            target = paths[-1]
            key = today(target)
            versions.setdefault(key, []).append(_Version(commit, when, name, email, blob.strip("0") and blob, target))
            if kind == "R" and len(paths) == 2:
                retire(target)
                current[paths[0]] = key
            elif kind == "A":
                retire(target)
    return {path: found for path, found in versions.items() if not path.startswith("\0")}


def _unquote(path: str) -> str:
    # git quotes unusual paths C-style; story file names are plain slugs, so this only guards odd files.
    if len(path) >= 2 and path[0] == path[-1] == '"':
        return path[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1").decode("utf-8", "replace")
    return path


def _read_statuses(repo: git.Repo, blobs: set[str]) -> dict[str, str]:
    """Return the front-matter status of each blob, read through one `git cat-file --batch`."""
    contents = _read_blobs(repo, sorted(blobs))
    statuses = {sha: _status_of(content) or "" for sha, content in contents.items()}
    return {sha: status for sha, status in statuses.items() if status}


def _status_of(content: bytes) -> str | None:
    if not content.lstrip(b"\xef\xbb\xbf").startswith(b"---"):
        return None
    start = content.index(b"\n") + 1 if b"\n" in content else len(content)
    end = _FRONT_MATTER_END.search(content, start)
    match = _STATUS_LINE.search(content[start : end.start() if end else len(content)])
    return match.group(1).decode() if match else None


def resolve_commit(repo: git.Repo, ref: str) -> str:
    """Return the commit id a revision names, or raise RevisionError (verified as gitfiles does it)."""
    return gitfiles.resolve_commit(Path(repo.working_tree_dir or repo.git_dir), ref)


def merge_base(repo: git.Repo, base: str, head: str) -> str:
    """Return the commit where `head` forked from `base` (both commit ids), as `git diff base...head` uses."""
    try:
        found = repo.git.merge_base("--end-of-options", base, head).strip()
    except git.GitCommandError as exc:
        raise RevisionError("the two revisions have no common ancestor") from exc
    return str(found.splitlines()[0])


def staged_files(repo: git.Repo, settings: Settings) -> tuple[set[str], dict[str, bytes | None]]:
    """Return the input files staged for the next commit (changed against HEAD) and the staged
    content of every input file, keyed by path relative to the site root (None: a link that leaves
    the repository, to be reported as such)."""
    work_tree = Path(repo.working_tree_dir or settings.root).resolve()
    folders = gitfiles.input_folders(settings, work_tree) or []  # the settings keep them inside the site, in the repository
    head = head_of(repo)
    changed = repo.git.diff("--cached", "--name-only", "--no-renames", "-z", *([head] if head else []), "--", *folders)
    if head is None:
        changed = repo.git.ls_files("--cached", "-z", "--", *folders)
    entries = [line for line in repo.git.ls_files("--stage", "-z", "--", *folders).split("\0") if line]
    blobs: dict[str, str] = {}
    links: dict[str, str] = {}
    for entry in entries:
        meta, _, name = entry.partition("\t")
        mode, sha, _stage = meta.split()
        if mode in ("100644", "100755"):
            blobs[name] = sha
        elif mode == "120000":
            links[name] = sha
    contents = _read_blobs(repo, sorted({*blobs.values(), *links.values()}))
    files: dict[str, bytes | None] = {settings.relpath(work_tree / name): contents.get(sha, b"") for name, sha in blobs.items()}
    staged = set(blobs)
    for name, sha in links.items():
        # A staged link is read as its target: the staged version of it, else the file in the tree.
        target = os.path.normpath(posixpath.join(posixpath.dirname(name), contents.get(sha, b"").decode("utf-8", "replace")))
        inside_repo = not os.path.isabs(target) and not target.startswith("..")
        if not inside_repo:
            files[settings.relpath(work_tree / name)] = None  # a link out of the repository: reported, never read
        elif target in blobs:
            files[settings.relpath(work_tree / name)] = contents.get(blobs[target], b"")
        elif (work_tree / target).is_file():
            files[settings.relpath(work_tree / name)] = (work_tree / target).read_bytes()
        staged.add(name)  # its target may have changed: check it every time
    changed_names = {name for name in changed.split("\0") if name} | set(links)
    return {settings.relpath(work_tree / name) for name in changed_names if name in staged or name in links}, files


def _read_blobs(repo: git.Repo, shas: list[str]) -> dict[str, bytes]:
    """Return the content of each blob, read through one `git cat-file --batch`."""
    if not shas:
        return {}
    proc = repo.git.cat_file("--batch", as_process=True, istream=subprocess.PIPE)
    out, _ = proc.proc.communicate(("\n".join(shas) + "\n").encode())
    found: dict[str, bytes] = {}
    pos = 0
    for sha in shas:
        eol = out.index(b"\n", pos)
        header = out[pos:eol].split()
        pos = eol + 1
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        found[sha] = out[pos : pos + size]
        pos += size + 1
    return found


def utc_date(when: datetime) -> str:
    """Return the UTC calendar date of `when`, as YYYY-MM-DD."""
    return when.astimezone(timezone.utc).strftime("%Y-%m-%d")
