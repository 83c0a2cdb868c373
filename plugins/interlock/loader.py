"""Reading input files: bytes -> text -> front-matter and body -> plain values that remember
the source position of every key and value, plus the model objects built from them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .model import (
    Diagnostic,
    Liaison,
    PriorityItem,
    Project,
    ReleasePlan,
    Section,
    Story,
    StoryProject,
    TrackingItem,
)

try:  # libyaml is several times faster; the pure-Python loader gives the same nodes.
    from yaml import CSafeLoader as _YamlLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _YamlLoader  # type: ignore[assignment]

MAX_FILE_BYTES = 1_000_000
MAX_YAML_VALUES = 50_000  # a story has a few hundred; more means an alias bomb or a mistake
MAX_YAML_DEPTH = 32

Path_ = tuple[str | int, ...]
_STR_TAG = "tag:yaml.org,2002:str"
_FM_HANDLER = YAMLHandler()
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")


@dataclass
class Document:
    """One input file after parsing: `data` holds plain values (None when unreadable)."""

    path: str
    data: Any = None
    body: str = ""
    body_line: int = 1
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    value_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    # Source text of unquoted scalars that YAML turned into something other than a string.
    coerced: dict[Path_, str] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def where(self, path: Path_, *, value: bool = False) -> tuple[int, int]:
        """Return (line, col) of the key at `path` (or its value), falling back to the nearest ancestor."""
        marks = (self.value_marks, self.key_marks) if value else (self.key_marks, self.value_marks)
        while True:
            for table in marks:
                if path in table:
                    return table[path]
            if not path:
                return (1, 1)
            path = path[:-1]

    def problem(self, path: Path_, code: str, message: str, *, value: bool = False, severity: str = "error") -> Diagnostic:
        """Return a diagnostic located at the key (or value) at `path`."""
        line, col = self.where(path, value=value)
        return Diagnostic(self.path, line, col, code, severity, message)  # type: ignore[arg-type]

    def get(self, path: Path_, default: Any = None) -> Any:
        """Return the value at `path`, or `default` when any step is missing or of the wrong type."""
        value = self.data
        for step in path:
            if isinstance(step, int):
                if not isinstance(value, list) or step >= len(value):
                    return default
            elif not isinstance(value, dict) or step not in value:
                return default
            value = value[step]
        return value


class _TooComplex(Exception):
    def __init__(self, node: Node, reason: str) -> None:
        super().__init__(reason)
        self.node = node
        self.reason = reason


class _Builder:
    """Turns a composed YAML node tree into plain values, recording positions and pitfalls."""

    def __init__(self, doc: Document, line_offset: int) -> None:
        self.doc = doc
        self.offset = line_offset
        self.count = 0
        self.constructor = SafeConstructor()

    def mark(self, node: Node) -> tuple[int, int]:
        return (node.start_mark.line + 1 + self.offset, node.start_mark.column + 1)

    def build(self, node: Node, path: Path_, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_YAML_VALUES:
            raise _TooComplex(node, f"the YAML expands to more than {MAX_YAML_VALUES} values")
        if depth > MAX_YAML_DEPTH:
            raise _TooComplex(node, f"the YAML is nested more than {MAX_YAML_DEPTH} levels deep")
        self.doc.value_marks.setdefault(path, self.mark(node))
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        if isinstance(node, SequenceNode):
            return [self.build(child, (*path, i), depth + 1) for i, child in enumerate(node.value)]
        assert isinstance(node, MappingNode)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self.key(key_node, path)
            if key is None:
                continue
            if key in result:
                first = self.doc.key_marks[(*path, key)]
                line, col = self.mark(key_node)
                self.doc.diagnostics.append(
                    Diagnostic(
                        self.doc.path,
                        line,
                        col,
                        "R004",
                        "error",
                        f"duplicate key '{key}' (first at line {first[0]}); YAML keeps only the last "
                        "value, silently: remove or merge one of them",
                    )
                )
                continue
            self.doc.key_marks[(*path, key)] = self.mark(key_node)
            result[key] = self.build(value_node, (*path, key), depth + 1)
        return result

    def key(self, node: Node, path: Path_) -> str | None:
        line, col = self.mark(node)
        if not isinstance(node, ScalarNode):
            self.doc.diagnostics.append(
                Diagnostic(self.doc.path, line, col, "R103", "error", "a key must be a plain name, not a list or mapping")
            )
            return None
        if node.tag != _STR_TAG and not node.style and node.value:
            value = self.scalar(node, ())
            self.doc.diagnostics.append(
                Diagnostic(
                    self.doc.path,
                    line,
                    col,
                    "R104",
                    "error",
                    f'key {node.value} is read by YAML as {describe_value(value)}; put it in quotes: "{node.value}"',
                )
            )
        return str(node.value)

    def scalar(self, node: ScalarNode, path: Path_) -> Any:
        if node.tag == _STR_TAG:
            return node.value
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (ConstructorError, ValueError, OverflowError) as exc:
            line, col = self.mark(node)
            problem = getattr(exc, "problem", None) or str(exc)
            self.doc.diagnostics.append(
                Diagnostic(self.doc.path, line, col, "R003", "error", f"YAML value cannot be read: {problem}; write it as a quoted string")
            )
            return node.value
        if not node.style:  # plain scalar: None from PyYAML, '' from libyaml
            self.doc.coerced[path] = node.value
        return value


def describe_value(value: Any) -> str:
    """Return how a YAML value reads to a person, e.g. 'the number 2023.1'."""
    if value is None:
        return "null (no value)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    return f"a {type(value).__name__} ({value})"


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
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_yaml(text: str, doc: Document, line_offset: int = 0) -> None:
    """Compose `text` and fill `doc.data` and its marks; problems become diagnostics on `doc`."""
    try:
        node = yaml.compose(text, Loader=_YamlLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 + line_offset) if mark else 1 + line_offset
        col = (mark.column + 1) if mark else 1
        problem = exc.problem or exc.context or "invalid YAML"
        doc.diagnostics.append(
            Diagnostic(
                doc.path,
                line,
                col,
                "R003",
                "error",
                f"YAML syntax error: {problem}; fix the YAML (quote values that contain ': ' or start with a special character)",
            )
        )
        return
    except (yaml.YAMLError, RecursionError) as exc:
        doc.diagnostics.append(Diagnostic(doc.path, 1 + line_offset, 1, "R003", "error", f"YAML cannot be read: {exc}"))
        return
    if node is None:
        doc.data = {}
        return
    builder = _Builder(doc, line_offset)
    try:
        doc.data = builder.build(node, (), 0)
    except _TooComplex as exc:
        line, col = builder.mark(exc.node)
        doc.data = None
        doc.diagnostics.append(
            Diagnostic(
                doc.path, line, col, "R006", "error", f"{exc.reason}; write plain keys and values without anchors (&) and aliases (*)"
            )
        )


def read_document(path: Path, rel: str, *, front_matter: bool) -> Document:
    """Read one file; for stories split YAML front-matter from the Markdown body."""
    doc = Document(path=rel)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        doc.diagnostics.append(Diagnostic(rel, 1, 1, "R001", "error", f"file cannot be read: {exc.strerror}"))
        return doc
    text = _read_text(raw, rel, doc)
    if text is None:
        return doc
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


def split_sections(body: str, first_line: int) -> list[Section]:
    """Return the level-2 sections of a Markdown body (headings inside code fences do not count)."""
    sections: list[Section] = []
    lines: list[str] = []
    current: Section | None = None
    for number, line, fenced in iter_body_lines(body, first_line):
        heading = None if fenced else _HEADING.match(line)
        if heading and len(heading.group(1)) == 2:
            if current is not None:
                current.text = "\n".join(lines)
                sections.append(current)
            current, lines = Section(heading.group(2).strip(), number, ""), []
        elif current is not None:
            lines.append(line)
    if current is not None:
        current.text = "\n".join(lines)
        sections.append(current)
    return sections


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
    weights = {
        k: v
        for k, v in (raw_weights.items() if isinstance(raw_weights, dict) else [])
        if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 5
    }
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
        body=doc.body,
        body_line=doc.body_line,
        sections=split_sections(doc.body, doc.body_line),
    )


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
    return Project(
        id=project_id,
        path=doc.path,
        name=_str(data.get("name")) or project_id,
        description=_str(data.get("description")),
        url=_opt_str(data.get("url")),
        liaisons=liaisons,
        releases=releases,
    )


def _item(project: str, release: str, entry: dict[str, Any], planned: bool) -> PriorityItem:
    return PriorityItem(
        project,
        release,
        _str(entry.get("id")),
        _str(entry.get("title")) or _str(entry.get("id")),
        planned,
        _strs(entry.get("owners")),
        _str(entry.get("description")),
        _opt_str(entry.get("url")),
    )


def iter_input_files(directory: Path, suffixes: tuple[str, ...]) -> list[tuple[Path, bool]]:
    """Return every visible entry of `directory`, sorted, each with whether it has an expected suffix."""
    if not directory.is_dir():
        return []
    return [(path, path.is_file() and path.suffix in suffixes) for path in sorted(directory.iterdir()) if not path.name.startswith(".")]


class DocumentCache:
    """Parsed documents keyed by path, size and mtime, so a rebuild re-reads only changed files."""

    def __init__(self) -> None:
        self._entries: dict[Path, tuple[tuple[int, int], Document]] = {}
        self.reads = 0

    def read(self, path: Path, rel: str, *, front_matter: bool) -> Document:
        """Return the parsed document of `path`, reading it only when it changed since last time."""
        try:
            stat = path.stat()
            key: tuple[int, int] | None = (stat.st_size, stat.st_mtime_ns)
        except OSError:
            key = None
        hit = self._entries.get(path)
        if key is not None and hit is not None and hit[0] == key and hit[1].path == rel:
            return hit[1]
        doc = read_document(path, rel, front_matter=front_matter)
        self.reads += 1
        if key is not None:
            self._entries[path] = (key, doc)
        return doc
