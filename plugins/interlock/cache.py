"""A cache on disk of work that depends only on what it is given: parsed input files, converted story
bodies, each story's own problems, the near-duplicate comparison and whole check results. It lives
under `.cache/interlock/` beside the site's configuration and makes a pre-commit run that changed
nothing, or one story, fast.

What the cache may never do is change an answer. So:
- every key is a digest of everything the value was computed from, and of the versions of interlock
  and of the libraries that computed it; entries of other versions are deleted, never read;
- values are JSON, read back with checks of their shape; an unreadable, corrupt or foreign entry is
  a miss, never an error (deleting the folder is always safe);
- a repository that tracks files under `.cache/`, or whose `.cache` is a link or not a folder, gets
  no cache at all: a pull request could otherwise commit entries that say its stories are clean.
  JSON, never pickle, so an entry cannot run code either.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

FORMAT = 3  # the layout of entries; part of every key
FOLDER = Path(".cache") / "interlock"
# Libraries whose output a cached value holds: a new version of any of them starts a new cache.
_LIBRARIES = ("yaml", "markdown", "pymdownx", "pygments", "nh3", "rapidfuzz", "jsonschema_rs")
_OFF = {"0", "off", "no", "false"}
_BATCH = 500  # keys per query: under SQLite's oldest limit of 999 parameters


def digest(*parts: str | bytes) -> str:
    """Return a hex digest of the parts (each length-prefixed, so ('ab', 'c') differs from ('a', 'bc'))."""
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def _fingerprint(folder: str, found: list[str], *, recurse: bool) -> None:
    """Append the name, size and modification time of every file in `folder` (and below, with `recurse`)."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        found.append(f"{folder} unreadable")
        return
    for entry in entries:
        if entry.name == "__pycache__":
            continue
        if entry.is_dir(follow_symlinks=False):
            if recurse:
                _fingerprint(entry.path, found, recurse=True)
            continue
        try:
            stat = entry.stat()
        except OSError:
            continue
        found.append(f"{entry.path} {stat.st_size} {stat.st_mtime_ns}")


def version_key() -> str:
    """Return the digest of the cache format, Python's version, and the files of this package and of
    the libraries whose output the cache holds (their names, sizes and times: a new version of any,
    or an edited rule without a new version number, starts a new cache). No library is imported."""
    from importlib.util import find_spec

    found = [f"format {FORMAT}", sys.version]
    _fingerprint(os.path.dirname(__file__), found, recurse=True)
    for name in _LIBRARIES:
        spec = find_spec(name)
        if spec is None or not spec.origin:
            found.append(f"{name} absent")
        else:
            _fingerprint(os.path.dirname(spec.origin), found, recurse=False)
    return digest(*found)[:16]


def _tracked(root: Path) -> bool:
    """Return whether git tracks any file under root/.cache (False outside git or without git)."""
    import subprocess  # only when a cache folder exists: a check answered from its cache needs no more

    try:
        listed = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--", str(FOLDER.parent)],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return listed.returncode == 0 and bool(listed.stdout.strip(b"\0"))


class Store:
    """JSON values by kind and key in one SQLite file per cache version (the standard library's
    sqlite3: one file, atomic commits, safe when two checks run at once). Writes wait in memory
    until `flush`. A Store without a file keeps nothing."""

    def __init__(self, file: Path | None, *, why_off: str | None = None) -> None:
        self.file = file
        self.why_off = why_off  # set when a cache was refused: the CLI says so once
        self._db: sqlite3.Connection | None = None
        self._pending: dict[tuple[str, str], str] = {}
        self._fetched: dict[tuple[str, str], str] = {}  # read by `prefetch`, not yet by `get`
        self._used: set[tuple[str, str]] = set()

    @classmethod
    def off(cls, why: str | None = None) -> Store:
        return cls(None, why_off=why)

    @classmethod
    def for_site(cls, root: Path) -> Store:
        """Return the cache of the site whose configuration is in `root` (off when INTERLOCK_CACHE=0,
        or when the repository's own files could pose as entries)."""
        if os.environ.get("INTERLOCK_CACHE", "").strip().lower() in _OFF:
            return cls.off()
        base = root / FOLDER.parent
        if base.is_symlink() or (base.exists() and not base.is_dir()) or (root / FOLDER).is_symlink():
            return cls.off(f"{FOLDER.parent}/ is a link or not a folder")
        if base.exists() and _tracked(root):
            return cls.off(f"git tracks files under {FOLDER.parent}/, which could pose as cache entries")
        try:
            return cls(root / FOLDER / f"{version_key()}.sqlite")
        except Exception:  # noqa: BLE001 - a broken installation's metadata must not stop the check
            return cls.off()

    @property
    def enabled(self) -> bool:
        return self.file is not None

    @property
    def exists(self) -> bool:
        """Whether an earlier run left this cache on disk."""
        return self.file is not None and self.file.is_file()

    def _connect(self, *, create: bool) -> sqlite3.Connection | None:
        if self._db is not None or self.file is None:
            return self._db
        if not create and not self.file.is_file():
            return None
        try:
            if create:
                self.file.parent.mkdir(parents=True, exist_ok=True)
            # mkdocs serve rebuilds in another thread than the first build; one build runs at a time.
            db = sqlite3.connect(self.file, timeout=10, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error):
            self._off()
            return None
        # The connection lives as long as the store and is closed with it (Python 3.13 warns of one left open).
        weakref.finalize(self, db.close)
        self._db = db
        try:
            db.execute("CREATE TABLE IF NOT EXISTS entries (kind TEXT, key TEXT, value TEXT, used INTEGER, PRIMARY KEY (kind, key))")
        except sqlite3.Error:
            self._off()
            return None
        return db

    def _off(self) -> None:
        """A cache that cannot be read or written is turned off for the rest of the run, silently."""
        self.file = None
        if self._db is not None:
            self._db.close()
            self._db = None

    def get(self, kind: str, key: str, *, hook: Callable[[dict[str, Any]], Any] | None = None) -> Any:
        """Return the value stored for (kind, key), read with json.loads's `hook`, or None (also when
        it cannot be read back)."""
        if self.file is None:
            return None
        text = self._pending.get((kind, key)) or self._fetched.pop((kind, key), None)
        if text is None:
            db = self._connect(create=False)
            if db is None:
                return None
            try:
                row = db.execute("SELECT value FROM entries WHERE kind = ? AND key = ?", (kind, key)).fetchone()
            except sqlite3.Error:
                self._off()
                return None
            if row is None or not isinstance(row[0], str):
                return None
            text = row[0]
        if hook is not None and "\\u0000" not in text:
            hook = None  # a tagged object's key starts with NUL, written as \u0000: without one there is nothing to turn back
        try:
            value = json.loads(text, object_hook=hook)
        except (ValueError, TypeError, RecursionError):
            return None
        self._used.add((kind, key))
        return value

    def prefetch(self, kind: str, keys: Iterable[str]) -> None:
        """Read the values of many keys of a kind at once, for the `get`s that follow (one query per
        few hundred keys instead of one per key)."""
        if self.file is None:
            return
        wanted = [key for key in dict.fromkeys(keys) if key and (kind, key) not in self._pending]
        db = self._connect(create=False) if wanted else None
        if db is None:
            return
        for at in range(0, len(wanted), _BATCH):
            batch = wanted[at : at + _BATCH]
            try:
                rows = db.execute(
                    f"SELECT key, value FROM entries WHERE kind = ? AND key IN ({','.join('?' * len(batch))})", (kind, *batch)
                ).fetchall()
            except sqlite3.Error:
                self._off()
                return
            self._fetched.update(((kind, key), value) for key, value in rows if isinstance(key, str) and isinstance(value, str))

    def discard(self) -> None:
        """Forget what was put and used since the last flush: nothing of it is written."""
        self._pending.clear()
        self._fetched.clear()
        self._used.clear()

    def touch(self, kind: str, key: str) -> None:
        """Count an entry as used by this run without reading it (a sweep keeps it)."""
        if self.file is not None:
            self._used.add((kind, key))

    @property
    def pending(self) -> bool:
        """Whether values were put that `flush` has not written yet."""
        return bool(self._pending)

    def has(self, kind: str, key: str) -> bool:
        """Return whether a value is stored for (kind, key), without reading it."""
        if self.file is None:
            return False
        if (kind, key) in self._pending:
            return True
        db = self._connect(create=False)
        if db is None:
            return False
        try:
            return db.execute("SELECT 1 FROM entries WHERE kind = ? AND key = ?", (kind, key)).fetchone() is not None
        except sqlite3.Error:
            self._off()
            return False

    def put(self, kind: str, key: str, value: Any) -> None:
        """Keep a JSON-able value, to be written by `flush`."""
        if self.file is not None:
            self.put_encoded(kind, key, encode_json(value))

    def put_encoded(self, kind: str, key: str, text: str | None) -> None:
        """Keep a value `encode_json` made (in a worker, say), to be written by `flush`; None: nothing."""
        if self.file is None or text is None:
            return
        self._pending[(kind, key)] = text
        self._used.add((kind, key))

    def flush(self, *, sweep: Iterable[str] = (), keep: dict[str, int] | None = None) -> None:
        """Write what was put, in one transaction. Then delete the entries of the kinds in `sweep`
        that this run did not use (what edits left behind: call it only after a run that used every
        current entry of those kinds), and keep only the most recently used `keep[kind]` of others."""
        keep = keep or {}
        stamp = time.time_ns()
        # Only the kinds kept by recent use need the time of their use (thousands of other entries are
        # read on every run: writing each one's time back cost more than the rest of a pre-commit run).
        stamps = [(stamp, kind, key) for kind, key in self._used if kind in keep]
        sweep = tuple(sweep)
        if self.file is None or not (self._pending or stamps or sweep):
            self._used.clear()
            return
        fresh = not self.file.is_file()
        db = self._connect(create=True)
        if db is None:
            return
        try:
            db.execute("BEGIN IMMEDIATE")
            db.executemany(
                "INSERT OR REPLACE INTO entries (kind, key, value, used) VALUES (?, ?, ?, ?)",
                [(kind, key, text, stamp) for (kind, key), text in self._pending.items()],
            )
            db.executemany("UPDATE entries SET used = ? WHERE kind = ? AND key = ?", stamps)
            for kind in sweep:  # an earlier run may have left them, one that did not sweep
                used = {key for k, key in self._used if k == kind}
                stale = [(kind, key) for (key,) in db.execute("SELECT key FROM entries WHERE kind = ?", (kind,)) if key not in used]
                db.executemany("DELETE FROM entries WHERE kind = ? AND key = ?", stale)
            if self._pending:  # nothing new, nothing more than `keep`
                for kind, count in keep.items():
                    db.execute(
                        "DELETE FROM entries WHERE kind = ? AND key NOT IN "
                        "(SELECT key FROM entries WHERE kind = ? ORDER BY used DESC LIMIT ?)",
                        (kind, kind, count),
                    )
            db.execute("COMMIT")
        except sqlite3.Error:
            self._off()
            return
        self._pending.clear()
        self._fetched.clear()
        self._used.clear()
        if fresh:
            self._delete_other_versions()

    def _delete_other_versions(self) -> None:
        """Delete the files of other cache versions: they are never read again."""
        assert self.file is not None
        for entry in self.file.parent.glob("*.sqlite*"):
            if not entry.name.startswith(self.file.stem) and entry.is_file() and not entry.is_symlink():
                entry.unlink(missing_ok=True)


# Values: YAML gives None, bools, numbers, strings, dates, datetimes, lists and mappings whose keys
# may be any of those scalars. JSON has no dates and only string keys, so dates and other mappings
# are objects with one tagged key, which no YAML mapping written natively has (a mapping with a key
# starting with NUL is always written tagged): {"\0d": "2024-01-31"}, {"\0t": "2024-01-31T10:00:00+00:00"},
# {"\0m": [[key, value], ...]}. Reading turns them back in json.loads's object hook, in one pass.


def encode_json(value: Any) -> str | None:
    """Return a value as the cache writes it, or None when it is not JSON (then it is not cached)."""
    try:
        # ASCII: a lone surrogate from a YAML escape round-trips as \udxxx instead of failing to encode.
        return json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return None


class Unencodable(TypeError):
    """A value the cache does not store (then the work is simply not cached)."""


def encode_value(value: Any) -> Any:
    """Return the JSON form of a YAML value (raises Unencodable for anything else)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, datetime):
        return {"\0t": value.isoformat()}
    if isinstance(value, date):
        return {"\0d": value.isoformat()}
    if isinstance(value, list):
        return [encode_value(item) for item in value]
    if isinstance(value, dict):
        if all(type(key) is str and not key.startswith("\0") for key in value):
            return {key: encode_value(item) for key, item in value.items()}
        return {"\0m": [[encode_value(key), encode_value(item)] for key, item in value.items()]}
    raise Unencodable(type(value).__name__)


def decode_object(obj: dict[str, Any]) -> Any:
    """The object hook of json.loads that turns tagged objects back into dates and mappings."""
    if len(obj) == 1:
        ((tag, inner),) = obj.items()
        if tag == "\0d":
            return date.fromisoformat(inner)
        if tag == "\0t":
            return datetime.fromisoformat(inner)
        if tag == "\0m":
            return {key: item for key, item in inner}  # an unhashable key raises TypeError: a miss
    return obj


def settings_key(settings: Any) -> str:
    """Return a digest of the site settings with paths relative to the site root, so that the same
    configuration in another folder (the staged tree of a pre-commit run) has the same key."""
    root = settings.root

    def plain(value: Any) -> Any:
        if isinstance(value, Path):
            try:
                return ("path", value.relative_to(root).as_posix())
            except ValueError:
                return ("path", value.as_posix())
        if is_dataclass(value) and not isinstance(value, type):
            return (type(value).__name__, [(f.name, plain(getattr(value, f.name))) for f in fields(value)])
        if isinstance(value, dict):
            return ("dict", [(repr(k), plain(v)) for k, v in value.items()])
        if isinstance(value, (list, tuple)):
            return ("list", [plain(v) for v in value])
        return repr(value)

    return digest(repr(plain(settings)))


# A file's content digest is taken from the last run when its stat is the same (device, inode, size,
# and modification and change times in nanoseconds), as git's index does. The change time cannot be set
# back by anyone but the kernel: any write or `touch` moves it. A file changed less than RACY_NS before
# those stats were recorded is read again: within one tick of a coarse clock, a write may not move them.
RACY_NS = 2_000_000_000
# The kinds of entries kept per input file: a run that read every input used every current one, so the
# others are what edits left behind (swept after such a run).
PER_FILE_KINDS = ("doc", "marks", "list", "story", "links")
# Kept by a whole check, which sweeps them with the others: what the rules across stories read of each
# story file, and the problems they found in the facts of all.
CHECK_KINDS = (*PER_FILE_KINDS, "facts", "corpus")
STATS_KEPT = 4  # trees whose file stats are kept: the repository, and the staged copies of pre-commit runs


def file_digest(raw: bytes) -> bytes:
    """Return the digest of a file's bytes, as tree_key takes it (and the documents' keys with it)."""
    return hashlib.blake2b(raw, digest_size=20).digest()


def tree_key(settings: Any, folders: Iterable[Path | None], store: Store | None = None, contents: dict[str, bytes] | None = None) -> str:
    """Return a digest of every entry under the input folders: names, kinds, link targets and contents.

    Two trees with the same key give the same check result; it is what a whole result is stored by.
    With a `store`, the contents of files whose stats did not change are not read again. `contents`,
    if given, receives the digest of each file's bytes by its path relative to the site root."""
    contents = {} if contents is None else contents
    root = settings.root.resolve()
    h = hashlib.blake2b(digest_size=20)
    stats_key = digest("stats", str(root))
    known: dict[str, Any] = {}
    trusted_before = 0
    if store is not None and isinstance(kept := store.get("stats", stats_key), dict) and isinstance(kept.get("files"), dict):
        known = kept["files"] if type(kept.get("at")) is int else {}
        trusted_before = kept["at"] - RACY_NS if known else 0
    seen: dict[str, list[Any]] = {}
    now = time.time_ns()

    def content(entry: os.DirEntry[str], name: str) -> bytes:
        """The digest of a regular file's bytes, from the last run's stats when they match."""
        stat = entry.stat(follow_symlinks=False)
        sign = [stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]
        old = known.get(name)
        if (
            isinstance(old, list)
            and old[:5] == sign
            and max(stat.st_mtime_ns, stat.st_ctime_ns) < trusted_before
            and isinstance(old[5], str)
            and len(old[5]) == 40
        ):
            seen[name] = old
            return bytes.fromhex(old[5])
        with open(entry.path, "rb") as handle:
            found = file_digest(handle.read())
        if max(stat.st_mtime_ns, stat.st_ctime_ns) < now - RACY_NS:  # else too fresh to be trusted next time
            seen[name] = [*sign, found.hex()]
        return found

    def listing(folder: str, rel: str) -> Iterator[tuple[os.DirEntry[str], str]]:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            h.update(b"\0unlistable\0" + str(exc.errno).encode())
            return iter(())
        return ((entry, f"{rel}/{entry.name}") for entry in entries)

    def walk(folder: str, rel: str) -> None:
        """Digest the entries under `folder`, depth first in name order; one folder at a time, not by
        recursion: a pull request may nest folders as deep as the system allows."""
        pending = [listing(folder, rel)]
        while pending:
            step = next(pending[-1], None)
            if step is None:
                pending.pop()
                continue
            entry, name = step
            h.update(b"\0entry\0" + os.fsencode(name))
            try:
                if entry.is_symlink():
                    h.update(b"\0link\0" + os.fsencode(os.readlink(entry.path)))
                    try:
                        target = Path(entry.path).resolve(strict=True)
                    except (OSError, RuntimeError):
                        h.update(b"\0dangling")
                        continue
                    if not target.is_relative_to(root):
                        h.update(b"\0outside")
                        continue
                    h.update(b"\0to\0" + os.fsencode(str(target.relative_to(root))))
                if entry.is_file():
                    if entry.is_symlink():
                        with open(entry.path, "rb") as handle:
                            found = file_digest(handle.read())
                    else:
                        found = content(entry, name)
                    contents[name] = found
                    h.update(b"\0file\0" + found)
                elif entry.is_dir():
                    h.update(b"\0dir")
                    if not entry.is_symlink():
                        pending.append(listing(entry.path, name))
                else:
                    h.update(b"\0other")
            except OSError as exc:
                h.update(b"\0unreadable\0" + str(exc.errno).encode())

    for folder in folders:
        if folder is None:
            continue
        rel = settings.relpath(folder)
        h.update(b"\0folder\0" + os.fsencode(rel))
        if folder.is_dir():
            walk(str(folder), rel)
        else:
            h.update(b"\0missing")
    if store is not None and seen != known:
        store.put("stats", stats_key, {"at": now, "files": seen})
    return h.hexdigest()


def diagnostics_to_json(diagnostics: Iterable[Any]) -> list[list[Any]]:
    """Return diagnostics as JSON rows."""
    return [[d.path, d.line, d.col, d.code, d.severity, d.message] for d in diagnostics]


def diagnostics_from_json(rows: Any) -> list[Any]:
    """Return the diagnostics of JSON rows (raises ValueError on a malformed row)."""
    from .model import Diagnostic

    if not isinstance(rows, list):
        raise ValueError("not a list")
    found = []
    for row in rows:
        if not (isinstance(row, list) and len(row) == 6 and isinstance(row[1], int) and isinstance(row[2], int)):
            raise ValueError("malformed diagnostic")
        path, line, col, code, severity, message = row
        if not all(isinstance(v, str) for v in (path, code, message)) or severity not in ("error", "warning"):
            raise ValueError("malformed diagnostic")
        found.append(Diagnostic(path, line, col, code, severity, message))
    return found
