"""Reading input files: bytes -> text -> front-matter and body -> plain values that remember
the source position of every key and value, plus the model objects built from them."""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from frontmatter.default_handlers import YAMLHandler

from .cache import (
    Store,
    Unencodable,
    decode_object,
    diagnostics_from_json,
    diagnostics_to_json,
    digest,
    encode_json,
    encode_value,
    file_digest,
)
from .model import (
    SCALE,
    TIERS,
    Backing,
    Decline,
    Diagnostic,
    Liaison,
    PriorityItem,
    Project,
    ReleasePlan,
    Section,
    Story,
    StoryProject,
    TrackingItem,
    Weighing,
)
from .parallel import start_forked_map
from .yamldoc import MAX_YAML_DEPTH, MAX_YAML_VALUES, Document, describe_value, parse_yaml

__all__ = ["MAX_YAML_DEPTH", "MAX_YAML_VALUES", "Document", "describe_value", "parse_yaml"]

MAX_FILE_BYTES = 1_000_000

_FM_HANDLER = YAMLHandler()
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")


def _read_text(raw: bytes, rel: str, doc: Document) -> str | None:
    if len(raw) > MAX_FILE_BYTES:
        doc.diagnostics.append(
            Diagnostic(rel, 1, 1, "R005", "error", f"file is {len(raw)} bytes, over the limit of {MAX_FILE_BYTES}; split it or shorten it")
        )
        return None
    if b"\x00" in raw:
        at = raw.index(b"\x00")
        line = raw.count(b"\n", 0, at) + 1
        doc.diagnostics.append(
            Diagnostic(
                rel,
                line,
                at - raw.rfind(b"\n", 0, at),
                "R001",
                "error",
                "file is binary (it contains a NUL byte); stories and priority lists are UTF-8 text",
            )
        )
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - raw.rfind(b"\n", 0, exc.start)
        doc.diagnostics.append(
            Diagnostic(rel, line, col, "R001", "error", f"file is not UTF-8 (byte 0x{raw[exc.start]:02x}); save it with UTF-8 encoding")
        )
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n") if b"\r" in raw else text


def read_document(path: Path, rel: str, *, front_matter: bool, raw: bytes | None = None) -> Document:
    """Read one file (or its bytes `raw`, already read); for stories split YAML front-matter from the Markdown body."""
    doc = Document(path=rel)
    if raw is None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            doc.diagnostics.append(Diagnostic(rel, 1, 1, "R001", "error", f"file cannot be read: {exc.strerror}"))
            return doc
    text = _read_text(raw, rel, doc)
    if text is None:
        return doc
    doc.last_line = max(text.count("\n") + (0 if text.endswith("\n") else 1), 1)
    if not front_matter:
        parse_yaml(text, doc)
        return doc
    if not _FM_HANDLER.detect(text):
        doc.diagnostics.append(
            Diagnostic(
                rel, 1, 1, "R002", "error", "no front-matter: the file must start with a line '---', then the YAML keys, then another '---'"
            )
        )
        return doc
    assert _FM_HANDLER.FM_BOUNDARY is not None
    boundaries = _FM_HANDLER.FM_BOUNDARY.finditer(text)
    opening = next(boundaries)
    closing = next(boundaries, None)
    if closing is None:
        line = text.count("\n", 0, opening.end()) + 1
        doc.diagnostics.append(
            Diagnostic(
                rel,
                1,
                1,
                "R002",
                "error",
                f"front-matter is not closed: add a line '---' after the YAML keys (opened at line {line - 1 if line > 1 else 1})",
            )
        )
        return doc
    start = opening.end()
    # The boundary pattern may swallow blank lines; keep YAML line numbers exact.
    fm_line_offset = text.count("\n", 0, start)
    if text[start : start + 1] == "\n":
        start += 1
        fm_line_offset += 1
    parse_yaml(text[start : closing.start()], doc, fm_line_offset)
    end = closing.end()
    if text[end : end + 1] == "\n":
        end += 1
    doc.body = text[end:]
    doc.body_line = text.count("\n", 0, end) + 1
    if doc.data is not None and not isinstance(doc.data, dict):
        doc.diagnostics.append(
            doc.problem((), "R103", "front-matter must be a mapping of keys to values (key: value), not a list or a single value")
        )
        doc.data = None
    return doc


def iter_body_lines(body: str, first_line: int) -> Iterator[tuple[int, str, bool]]:
    """Yield (line number, text, inside a code fence) for each line of a Markdown body; fence lines count as inside."""
    fence: str | None = None
    for number, line in enumerate(body.split("\n"), start=first_line):
        fence_match = _FENCE.match(line)
        if fence_match:
            marker = fence_match.group(1)
            if fence is None:
                fence = marker[0] * 3
                yield number, line, True
                continue
            if marker.startswith(fence):
                fence = None
                yield number, line, True
                continue
        yield number, line, fence is not None


# The lines split_sections looks at: a fence (group 1) or a heading (groups 2, 3), as _FENCE and _HEADING
# read them, each after its newline: a pattern that starts with a literal is searched for five times faster.
_MARKED_LINE = re.compile(r"\n(?=[ \t`~#])(?:[ \t]{0,3}(`{3,}|~{3,})|(#{1,6})[ \t]+(.+?)[ \t#]*$)", re.MULTILINE)


def section_spans(body: str, first_line: int) -> list[tuple[str, int, int, int]]:
    """Return (title, line, start, end) of each level-2 section of a Markdown body: its text is
    body[start:end] (headings inside code fences do not count).

    The same as walking iter_body_lines, but only the fence and heading lines are visited: every story
    is split on every run, also when its checks come from the cache."""
    spans: list[tuple[str, int, int, int]] = []
    title: str | None = None
    line = text_start = 0  # of the current section, and where its text starts in the body
    fence: str | None = None
    number, counted = first_line, 0
    padded = "\n" + body  # a match's start in `padded` is its line's start in `body`
    for match in _MARKED_LINE.finditer(padded):
        marker = match.group(1)
        if marker is not None:
            if fence is None:
                fence = marker[0] * 3
            elif marker.startswith(fence):
                fence = None
            continue
        if fence is not None or len(match.group(2)) != 2:
            continue
        start = match.start()
        number += body.count("\n", counted, start)
        counted = start
        if title is not None:
            spans.append((title, line, text_start, max(start - 1, text_start)))
        title, line = match.group(3).strip(), number
        end = body.find("\n", match.end() - 1)
        text_start = len(body) if end < 0 else end + 1
    if title is not None:
        spans.append((title, line, text_start, len(body)))
    return spans


def split_sections(body: str, first_line: int) -> list[Section]:
    """Return the level-2 sections of a Markdown body (headings inside code fences do not count)."""
    return [Section(title, line, body, start, end) for title, line, start, end in section_spans(body, first_line)]


def list_items(section: Section) -> list[tuple[int, str]]:
    """Return (line, text) of each top-level list item of a section, continuation lines joined."""
    items: list[tuple[int, str]] = []
    for offset, line in enumerate(section.text.split("\n"), start=1):
        match = re.match(r"^(?:[-*+]|\d+[.)])[ \t]+(.*)$", line)
        if match:
            items.append((section.line + offset, match.group(1).strip()))
        elif items and line.startswith((" ", "\t")) and line.strip():
            number, text = items[-1]
            items[-1] = (number, f"{text} {line.strip()}")
    return items


# -- building model objects leniently: wrong-typed values fall back to defaults, the schema reports them


def _str(value: Any, default: str = "") -> str:
    return value if isinstance(value, str) else default


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _strs(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def build_story(doc: Document, story_id: str) -> Story:
    """Return the Story a parsed document describes, ignoring values of the wrong type."""
    data = doc.data if isinstance(doc.data, dict) else {}
    projects: dict[str, StoryProject] = {}
    raw_projects = data.get("projects")
    for name, entry in raw_projects.items() if isinstance(raw_projects, dict) else []:
        entry = entry if isinstance(entry, dict) else {}
        tracking = [
            TrackingItem(_str(t.get("type"), "other"), _str(t.get("title")), _opt_str(t.get("url")), _str(t.get("status"), "pending"))
            for t in _dicts(entry.get("tracking"))
        ]
        projects[name] = StoryProject(
            name, _str(entry.get("gap")), _strs(entry.get("priorities")), _opt_str(entry.get("liaison")), tracking
        )
    raw_weights = data.get("weights")
    weights = {k: v for k, raw in (raw_weights.items() if isinstance(raw_weights, dict) else []) if (v := _score(raw)) is not None}
    return Story(
        id=story_id,
        path=doc.path,
        title=_str(data.get("title")) or story_id,
        status=_str(data.get("status"), "draft"),
        ref=_str(data.get("ref")),
        authors=_strs(data.get("authors")),
        working_groups=_strs(data.get("working_groups")),
        personas=_strs(data.get("personas")),
        target_release=_opt_str(data.get("target_release")),
        weights=weights,
        projects=projects,
        related=_strs(data.get("related")),
        depends_on=_strs(data.get("depends_on")),
        supersedes=_strs(data.get("supersedes")),
        body=(body := doc.body_or_reader()),
        body_line=doc.body_line,
        sections=[Section(title, line, body, start, end) for title, line, start, end in _spans(doc)],
    )


def _spans(doc: Document) -> list[tuple[str, int, int, int]]:
    if doc.sections is None:
        doc.sections = section_spans(doc.body, doc.body_line)
    return doc.sections


def build_project(doc: Document, project_id: str) -> Project:
    """Return the Project a parsed priority file describes, ignoring values of the wrong type."""
    data = doc.data if isinstance(doc.data, dict) else {}
    liaisons = [
        Liaison(_str(entry.get("name")), _opt_str(entry.get("irc")), _opt_str(entry.get("email")))
        for entry in _dicts(data.get("liaisons"))
        if _str(entry.get("name"))
    ]
    releases: dict[str, ReleasePlan] = {}
    raw_releases = data.get("releases")
    for release, plan in raw_releases.items() if isinstance(raw_releases, dict) else []:
        plan = plan if isinstance(plan, dict) else {}
        releases[release] = ReleasePlan(
            release,
            [_item(project_id, release, entry, True) for entry in _dicts(plan.get("priorities")) if _str(entry.get("id"))],
            [_item(project_id, release, entry, False) for entry in _dicts(plan.get("without_plan")) if _str(entry.get("id"))],
        )
    declined = [
        Decline(_str(entry.get("story")), _str(entry.get("reason")), _opt_str(entry.get("release")))
        for entry in _dicts(data.get("declined"))
        if _str(entry.get("story"))
    ]
    return Project(
        id=project_id,
        path=doc.path,
        name=_str(data.get("name")) or project_id,
        description=_str(data.get("description")),
        url=_opt_str(data.get("url")),
        liaisons=liaisons,
        releases=releases,
        declined=declined,
    )


def _item(project: str, release: str, entry: dict[str, Any], planned: bool) -> PriorityItem:
    order = entry.get("order")
    return PriorityItem(
        project,
        release,
        _str(entry.get("id")),
        _str(entry.get("title")) or _str(entry.get("id")),
        planned,
        _strs(entry.get("owners")),
        _str(entry.get("description")),
        _opt_str(entry.get("url")),
        _strs(entry.get("stories")),
        entry.get("tier") if entry.get("tier") in TIERS else None,
        order if isinstance(order, int) and not isinstance(order, bool) else None,
    )


def _score(value: Any) -> int | None:
    low, high = SCALE
    return value if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high else None


def build_weighing(doc: Document, organisation: str, release: str) -> Weighing:
    """Return one organisation's scores and backing for a release, ignoring values of the wrong type."""
    data = doc.data if isinstance(doc.data, dict) else {}
    scores: dict[str, dict[str, int]] = {}
    raw_scores = data.get("scores")
    for story, values in raw_scores.items() if isinstance(raw_scores, dict) else []:
        if isinstance(values, dict):
            scores[story] = {c: v for c, raw in values.items() if (v := _score(raw)) is not None}
    backing: dict[str, Backing] = {}
    raw_backing = data.get("backing")
    for story, entry in raw_backing.items() if isinstance(raw_backing, dict) else []:
        if isinstance(entry, dict):
            people = entry.get("people")
            offered = {
                p: n
                for p, n in (people.items() if isinstance(people, dict) else [])
                if isinstance(n, int) and not isinstance(n, bool) and n >= 0
            }
            backing[story] = Backing(offered, _str(entry.get("note")))
    return Weighing(organisation, _str(data.get("organisation")) or organisation, release, doc.path, scores, backing)


class DocumentCache:
    """Parsed documents keyed by path, size and mtime, so a rebuild re-reads only changed files; with
    a `store`, also kept on disk by content, so the next run parses only what changed.

    `contents` may give the digest of a file's bytes (file_digest) by its path relative to the site
    root, as the check's tree_key found them: the bytes are then not hashed again."""

    def __init__(self, store: Store | None = None, contents: dict[str, bytes] | None = None) -> None:
        self._entries: dict[Path, tuple[tuple[int, int], Document]] = {}
        self.store = store if store is not None else Store.off()
        self.contents = contents or {}
        self.reads = 0

    def read(self, path: Path, rel: str, *, front_matter: bool) -> Document:
        """Return the parsed document of `path`, reading it only when it changed since last time."""
        return self.read_many([(path, rel)], front_matter=front_matter)[0]

    def source(self, path: Path, rel: str, *, front_matter: bool) -> str:
        """Return the digest the document of a file is kept by in the cache (its `source_digest`), from
        the tree's digests when they hold the file; "" when the file cannot be read."""
        known = self.contents.get(rel)
        if not known:
            try:
                known = self.contents[rel] = file_digest(path.read_bytes())
            except OSError:
                return ""
        return digest("doc", rel, "front-matter" if front_matter else "yaml", known)

    def read_many(self, files: list[tuple[Path, str]], *, front_matter: bool) -> list[Document]:
        """Return the parsed documents of the files (path, path relative to the site root), in order;
        the files to parse anew are parsed by forked workers when there are many."""
        return [doc for doc, _ in self.read_many_derived(files, front_matter=front_matter)]

    def read_many_derived(
        self, files: list[tuple[Path, str]], *, front_matter: bool, derive: Callable[[Document, Path], Any] | None = None
    ) -> list[tuple[Document, Any]]:
        """Return (document, derived) for each of the files, in order, as `read_many` does: `derived` is
        what `derive(document, path)` returns for a document parsed anew, where it was parsed (by a
        forked worker, when there are many), and None for a document known already."""
        return self.start_reading(files, front_matter=front_matter, derive=derive)()

    def start_reading(
        self, files: list[tuple[Path, str]], *, front_matter: bool, derive: Callable[[Document, Path], Any] | None = None
    ) -> Callable[[], list[tuple[Document, Any]]]:
        """Start `read_many_derived` and return what finishes it: when forked workers parse the files,
        the caller's work until it calls that shares the cores with them."""
        found: list[Document | None] = []
        derived: dict[int, Any] = {}
        stats: list[tuple[int, int] | None] = []
        parse: list[tuple[int, Path, str, bytes]] = []  # (index, path, rel, bytes) of each file to parse
        sources: dict[int, str] = {}
        read: list[tuple[int, Path, str, bytes | None]] = []  # (index, path, rel, bytes if read yet) of each file read anew
        for index, (path, rel) in enumerate(files):
            try:
                stat = path.stat()
                stats.append((stat.st_size, stat.st_mtime_ns))
            except OSError:
                stats.append(None)
            hit = self._entries.get(path)
            if stats[-1] is not None and hit is not None and hit[0] == stats[-1] and hit[1].path == rel:
                found.append(hit[1])
                continue
            self.reads += 1
            found.append(None)
            known = self.contents.pop(rel, b"")
            raw: bytes | None = None
            if not known:  # else the bytes are read only if the file is parsed, or its body is needed
                try:
                    raw = path.read_bytes()
                except OSError:
                    found[-1] = read_document(path, rel, front_matter=front_matter)  # it says why
                    continue
            sources[index] = digest("doc", rel, "front-matter" if front_matter else "yaml", known or file_digest(raw or b""))
            read.append((index, path, rel, raw))
        self.store.prefetch("doc", sources.values())
        for index, path, rel, raw in read:
            found[index] = self._cached(rel, front_matter, FileBytes(path, raw), sources[index])
            if found[index] is None:
                if raw is None:
                    try:
                        raw = path.read_bytes()
                    except OSError:
                        found[index] = read_document(path, rel, front_matter=front_matter)
                        continue
                parse.append((index, path, rel, raw))

        keep = self.store.enabled
        parent = os.getpid()

        def job(item: tuple[int, Path, str, bytes, str]) -> tuple[Document, str | None, str | None, Any]:
            """Parse a file; with the cache, also encode its entries (in the worker, when forked)."""
            _, path, rel, raw, source = item
            doc = read_document(path, rel, front_matter=front_matter, raw=raw)
            doc.source_digest = source
            if front_matter:
                _spans(doc)
            entry = marks = None
            if keep:
                with contextlib.suppress(Unencodable):  # a value YAML made that the cache does not keep: parsed again next time
                    entry = encode_json(document_to_json(doc, raw))
                    marks = encode_json([_marks_to_json(doc.key_marks), _marks_to_json(doc.value_marks)])
                if entry is None or marks is None:
                    entry = marks = None
            made = derive(doc, path) if derive is not None else None
            if marks is not None and os.getpid() != parent:
                # A worker hands back the positions as their JSON text, made into tables where a problem
                # needs one: passing the tables cost the parent more than parsing took the worker.
                doc.key_marks, doc.value_marks = {}, {}
                doc.stored_marks = MarksText(marks)
            return doc, entry, marks, made

        items = [(index, path, rel, raw, sources[index]) for index, path, rel, raw in parse]
        started = start_forked_map(job, items)

        def finish() -> list[tuple[Document, Any]]:
            parsed = (started.results() if started is not None else None) or [job(item) for item in items]
            for (index, _, _, _), (doc, entry, marks, made) in zip(parse, parsed, strict=True):
                if entry is not None:
                    self.store.put_encoded("doc", doc.source_digest, entry)
                    self.store.put_encoded("marks", doc.source_digest, marks)
                found[index] = doc
                derived[index] = made
            documents = [doc for doc in found if doc is not None]
            assert len(documents) == len(files)
            for (path, _), seen, doc in zip(files, stats, documents, strict=True):
                if seen is not None:
                    self._entries[path] = (seen, doc)
            return [(doc, derived.get(index)) for index, doc in enumerate(documents)]

        return finish

    def _cached(self, rel: str, front_matter: bool, source: FileBytes, key: str) -> Document | None:
        """Return the document kept in the cache on disk for the file's bytes (digest `key`), or None."""
        if not self.store.enabled or (cached := self.store.get("doc", key, hook=decode_object)) is None:
            return None
        try:
            doc = document_from_json(cached, rel, source)
        except (ValueError, TypeError, KeyError, IndexError):
            return None
        doc.source_digest = key
        self.store.touch("marks", key)  # read only when a message needs a position, but still current
        doc.stored_marks = partial(self._stored_marks, rel, front_matter, source, key)
        return doc

    def _stored_marks(self, rel: str, front_matter: bool, source: FileBytes, key: str) -> tuple[Marks, Marks]:
        """Return the positions of a document read from the cache: from their own entry, or from parsing
        its bytes again when that entry cannot be read (a position is never guessed)."""
        kept = _marks_pair(self.store.get("marks", key, hook=decode_object))
        if kept is not None:
            return kept
        again = read_document(source.path, rel, front_matter=front_matter, raw=source.read())
        return again.key_marks, again.value_marks


class FileBytes:
    """The bytes of an input file whose document came from the cache, read when first needed: a check
    of one changed story reads the bodies of few of the others. Read once: the body and any position
    come from the same bytes. (If the file changed since its digest was taken, the check's closing
    look at the tree sees it, and keeps nothing of that run.)"""

    __slots__ = ("_raw", "path")

    def __init__(self, path: Path, raw: bytes | None = None) -> None:
        self.path, self._raw = path, raw

    def read(self) -> bytes:
        if self._raw is None:
            try:
                self._raw = self.path.read_bytes()
            except OSError:
                self._raw = b""
        return self._raw


class _StoredBody:
    """The body of a document kept in the cache: the text of its file from `start`, read when first
    needed (the function a LazyText field and the story's sections are given)."""

    __slots__ = ("_rel", "_source", "_start", "_text")

    def __init__(self, source: FileBytes, rel: str, start: int) -> None:
        self._source, self._rel, self._start = source, rel, start
        self._text: str | None = None

    def __call__(self) -> str:
        if self._text is None:
            text = _read_text(self._source.read(), self._rel, Document(path=self._rel))
            self._text = text[self._start :] if text is not None else ""
        return self._text


Marks = dict[tuple[Any, ...], tuple[int, int]]


def _marks_to_json(marks: dict[tuple[Any, ...], tuple[int, int]]) -> list[list[Any]]:
    return [[*map(encode_value, path), line, col] for path, (line, col) in marks.items()]


def _marks_from_json(raw: Any) -> Marks | None:
    """Return a table of positions read back from the cache (None when malformed)."""
    try:
        marks = {tuple(e[:-2]): (e[-2], e[-1]) for e in raw}
    except (TypeError, IndexError, KeyError):
        return None
    return marks if all(type(line) is int and type(col) is int for line, col in marks.values()) else None


def _marks_pair(raw: Any) -> tuple[Marks, Marks] | None:
    """Return the two tables of positions of a "marks" entry read back (None when malformed)."""
    if not (isinstance(raw, list) and len(raw) == 2):
        return None
    keys, values = _marks_from_json(raw[0]), _marks_from_json(raw[1])
    return (keys, values) if keys is not None and values is not None else None


class MarksText:
    """The positions of a document as the cache keeps them (JSON text), made into its tables when first
    needed (a Document's stored_marks): what a forked worker hands back instead of the tables."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __call__(self) -> tuple[Marks, Marks]:
        kept = _marks_pair(json.loads(self.text, object_hook=decode_object))
        if kept is None:  # pragma: no cover - the text is the worker's own encoding
            raise ValueError("malformed positions")
        return kept


def marks_in_store(doc: Document) -> bool:
    """Return whether the document's positions are still to be read from the cache on disk (not in memory)."""
    return doc.stored_marks is not None and not isinstance(doc.stored_marks, MarksText)


def _body_start(doc: Document, raw: bytes) -> int | None:
    """Return where the document's body starts in the text of its bytes (None: no body)."""
    if not doc.body:
        return None
    text = _read_text(raw, doc.path, Document(path=doc.path))
    if text is None or not text.endswith(doc.body):
        raise Unencodable("a body that is not the end of its file")
    return len(text) - len(doc.body)


def document_to_json(doc: Document, raw: bytes) -> dict[str, Any]:
    """Return a document parsed from `raw` as JSON for the cache (raises Unencodable for values JSON
    cannot tag). The body is not kept: it is where it starts in the file, read again with the entry."""
    return {
        "data": encode_value(doc.data),
        "body_start": _body_start(doc, raw),
        "body_length": len(doc.body),
        "body_line": doc.body_line,
        "last_line": doc.last_line,
        "sections": doc.sections,
        "coerced": [[*map(encode_value, path), text] for path, text in doc.coerced.items()],
        "diagnostics": diagnostics_to_json(doc.diagnostics),
    }


def document_from_json(raw: Any, rel: str, source: FileBytes) -> Document:
    """Return the document whose JSON form (read with `decode_object`) is `raw`, parsed from the file
    `source`, whose body is read when first needed; raises ValueError, TypeError, KeyError or
    IndexError on a malformed one."""
    if not isinstance(raw, dict):
        raise ValueError("not a document")
    body_start, body_length, body_line, last_line = raw["body_start"], raw["body_length"], raw["body_line"], raw["last_line"]
    if not (body_start is None or type(body_start) is int and body_start >= 0) or type(body_length) is not int:
        raise ValueError("malformed document")
    if type(body_line) is not int or type(last_line) is not int or (body_start is None) != (body_length == 0):
        raise ValueError("malformed document")
    body: str | _StoredBody = "" if body_start is None else _StoredBody(source, rel, body_start)
    coerced = {tuple(e[:-1]): e[-1] for e in raw["coerced"]}
    if not all(isinstance(text, str) for text in coerced.values()):
        raise ValueError("malformed coercion")
    diagnostics = diagnostics_from_json(raw["diagnostics"])
    if any(d.path != rel for d in diagnostics):
        raise ValueError("diagnostics of another file")
    sections = raw["sections"]
    if sections is not None:
        sections = [(str(title), int(line), int(start), int(end)) for title, line, start, end in sections]
        if any(not 0 <= start <= end <= body_length for _, _, start, end in sections):
            raise ValueError("sections outside the body")
    return Document(
        path=rel,
        data=raw["data"],
        body=body,
        body_line=body_line,
        last_line=last_line,
        coerced=coerced,
        diagnostics=diagnostics,
        sections=sections,
    )
