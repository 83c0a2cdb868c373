"""YAML text -> plain values that remember the line and column of every key and value, refusing
what YAML can do to a reader of untrusted files: anchors and aliases (expansion bombs), merge keys,
nesting deep enough to exhaust a parser, several documents in one file. Values are built from the
parser's event stream with an explicit stack, so no input recurses, and every syntax error is
explained in plain words at the line a person has to fix."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from .model import Diagnostic, LazyText

try:  # libyaml is several times faster; the pure-Python parser gives the same events.
    from yaml import CSafeLoader as _YamlLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _YamlLoader  # type: ignore[assignment]

MAX_YAML_VALUES = 50_000  # a story has a few hundred
MAX_YAML_DEPTH = 32

Path_ = tuple[str | int, ...]
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
# YAML counts NEL, LS and PS as line breaks, editors and git do not: hide them from the parser so
# that line numbers are the ones a person sees, and put them back in the values.
_HIDDEN_BREAKS = {"\x85": "\ufdd0", "\u2028": "\ufdd1", "\u2029": "\ufdd2"}
_HIDE = str.maketrans(_HIDDEN_BREAKS)
_SHOW = str.maketrans({v: k for k, v in _HIDDEN_BREAKS.items()})
_SHOW_CHARS = tuple(_HIDDEN_BREAKS.values())
_KEY_WITHOUT_SPACE = re.compile(r"^(\s*(?:-\s+)?)([A-Za-z_][\w-]*):(?=[^\s:/])(\S.*)$")


@dataclass
class Document:
    """One input file after parsing: `data` holds plain values (None when unreadable)."""

    path: str
    data: Any = None
    body: LazyText = LazyText()  # a str; read from the file only when first needed, for a document kept in the cache
    body_line: int = 1
    last_line: int = 1  # the file's last line, so no message points past it
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    value_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    # Source text of unquoted scalars that YAML turned into something other than a string.
    coerced: dict[Path_, str] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    source_digest: str = ""  # of the file's name, kind and bytes, when read through a cache: keys work derived from it
    # Marks read from the cache, turned into the two tables only when a problem needs a position.
    stored_marks: Callable[[], tuple[dict[Path_, tuple[int, int]], dict[Path_, tuple[int, int]]]] | None = None
    # The level-2 sections of a story's body as (title, line, start, end) of its text, once split (or read from the cache).
    sections: list[tuple[str, int, int, int]] | None = None

    def body_or_reader(self) -> str | Callable[[], str]:
        """Return the body, or the function that reads it when it has not been read yet."""
        return Document.__dict__["body"].held(self)  # type: ignore[no-any-return]

    def read_marks(self) -> None:
        """Make the tables of positions, if they were left in the cache."""
        if self.stored_marks is not None:
            self.key_marks, self.value_marks = self.stored_marks()
            self.stored_marks = None

    def where(self, path: Path_, *, value: bool = False) -> tuple[int, int]:
        """Return (line, col) of the key at `path` (or its value), falling back to the nearest ancestor."""
        self.read_marks()
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


def describe_value(value: Any) -> str:
    """Return how a YAML value reads to a person, e.g. 'the number 2023.1'."""
    if value is None:
        return "null (no value)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    return f"a {type(value).__name__} ({value})"


# Explicit tags a person may write to force a plain type; any other tag (!!python/..., !!binary,
# !!set, a local !tag) is refused.
_ALLOWED_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq"))
# What the constructors raise for a tag they cannot apply (`!!bool maybe`, a 30th of February).
_CONSTRUCT_ERRORS = (ConstructorError, ValueError, OverflowError, KeyError, TypeError, IndexError)


class _Refused(Exception):
    """A construct the loader will not build; the message says what to write instead."""

    def __init__(self, line: int, col: int, code: str, message: str) -> None:
        super().__init__(message)
        self.line, self.col, self.code, self.message = line, col, code, message


@dataclass
class _Frame:
    value: dict[str, Any] | list[Any]
    path: Path_
    key: str | None = None  # a mapping's key waiting for its value
    skip_value: bool = False  # the value after a refused or duplicate key is read and dropped
    mapping: bool = False  # whether `value` is a dict (known once, not asked of every event)


_STARTS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_PASSED = (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)
# The tag YAML resolves a plain scalar to depends on its text alone: keys and short values repeat
# across thousands of files, and resolving each (a few regular expressions) was a fifth of parsing.
_RESOLVED: dict[str, str] = {}
_RESOLVED_MAX = 20_000
_RESOLVED_TEXT = 64  # longer texts are resolved each time (prose, seldom repeated)


class _Builder:
    """Builds plain values from YAML events with an explicit stack, recording marks and pitfalls."""

    def __init__(self, doc: Document, lines: list[str], line_offset: int, *, hidden: bool = True) -> None:
        self.doc = doc
        self.lines = lines
        self.hidden = hidden  # whether the text may hold hidden line breaks to put back in its values
        self.offset = line_offset
        self.count = 0
        self.resolver = Resolver()
        self.constructor = SafeConstructor()

    def mark(self, event: Any) -> tuple[int, int]:
        return (event.start_mark.line + 1 + self.offset, event.start_mark.column + 1)

    def add(self, code: str, event: Any, message: str, severity: str = "error") -> None:
        line, col = self.mark(event)
        self.doc.diagnostics.append(Diagnostic(self.doc.path, line, col, code, severity, message))  # type: ignore[arg-type]

    def build(self, events: Iterator[Any]) -> Any:
        stack: list[_Frame] = []
        root: Any = None
        documents = 0
        skipping = 0  # depth inside a subtree that is read and dropped
        value_marks = self.doc.value_marks
        offset = self.offset
        scalar_event, mapping_start = yaml.ScalarEvent, yaml.MappingStartEvent
        for event in events:
            kind = type(event)  # the parsers make events of exactly these classes
            end = kind in _ENDS
            if kind is scalar_event or end:
                start = False
            elif kind in _STARTS:
                start = True
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _Refused(*self.mark(event), "R003", "a second YAML document ('---') in one file; keep one document")
                continue
            elif kind in _PASSED:
                continue
            elif kind is yaml.AliasEvent:
                raise _Refused(
                    *self.mark(event), "R006", f"alias '*{event.anchor}': anchors and aliases are not allowed; write the value out"
                )
            else:  # pragma: no cover - no other kind of event exists
                continue
            tag = None if end else event.tag
            if tag and tag != "!" and tag not in _ALLOWED_TAGS:  # events carry a tag only where the text wrote one
                written = "!!" + tag[len("tag:yaml.org,2002:") :] if tag.startswith("tag:yaml.org,2002:") else tag
                raise _Refused(
                    *self.mark(event), "R003", f"the YAML tag '{written}' is not allowed; remove it (and quote the value if needed)"
                )
            anchor = None if end else event.anchor
            if anchor is not None:
                raise _Refused(*self.mark(event), "R006", f"anchor '&{anchor}': anchors and aliases are not allowed; remove '&{anchor}'")
            if skipping:
                if start:
                    skipping += 1
                elif end:
                    skipping -= 1
                if not skipping and stack:
                    stack[-1].key = None
                continue
            if end:
                done = stack.pop()
                if not stack:
                    root = done.value
                else:
                    stack[-1].key = None
                continue
            frame = stack[-1] if stack else None
            if frame is not None and frame.mapping and frame.key is None and not frame.skip_value:
                self.key(event, frame)
                if start:
                    skipping = 1  # a list or mapping as a key: reported, then it and its value are dropped
                    frame.skip_value = True
                continue
            if frame is not None and frame.skip_value:
                frame.skip_value = False
                if start:
                    skipping = 1
                else:
                    frame.key = None
                continue
            path: Path_ = () if frame is None else (*frame.path, frame.key if frame.mapping else len(frame.value))  # type: ignore[arg-type]
            self.count += 1
            if self.count > MAX_YAML_VALUES:
                raise _Refused(*self.mark(event), "R006", f"more than {MAX_YAML_VALUES} values; split the file")
            if path not in value_marks:
                value_marks[path] = (event.start_mark.line + 1 + offset, event.start_mark.column + 1)
            if start:
                if len(stack) >= MAX_YAML_DEPTH:
                    raise _Refused(*self.mark(event), "R006", f"nested more than {MAX_YAML_DEPTH} levels deep; write a flatter structure")
                mapping = kind is mapping_start
                container: dict[str, Any] | list[Any] = {} if mapping else []
                self.store(frame, container)
                stack.append(_Frame(container, path, mapping=mapping))
                continue
            value = self.scalar(event, path)
            if frame is None:
                root = value
            else:
                self.store(frame, value)
                frame.key = None
        return root

    def store(self, frame: _Frame | None, value: Any) -> None:
        if frame is None:
            return
        if frame.mapping:
            assert frame.key is not None
            frame.value[frame.key] = value  # type: ignore[call-overload]
        else:
            frame.value.append(value)  # type: ignore[union-attr]

    def key(self, event: Any, frame: _Frame) -> None:
        if not isinstance(event, yaml.ScalarEvent):
            self.add("R103", event, "a key must be a plain name, not a list or mapping")
            return
        tag = self.tag_of(event)
        if tag == _MERGE_TAG:
            raise _Refused(*self.mark(event), "R006", "merge key '<<': merging mappings is not allowed; write the keys out")
        name = event.value.translate(_SHOW) if self.hidden else event.value
        if tag != _STR_TAG and event.value:
            try:
                value = self.construct(event, tag)
            except _CONSTRUCT_ERRORS:
                self.add("R003", event, f'key {name} cannot be read as {tag.rsplit(":", 1)[-1]}; put it in quotes: "{name}"')
            else:
                self.add("R104", event, f'key {name} is read by YAML as {describe_value(value)}; put it in quotes: "{name}"')
        if name in frame.value:
            first = self.doc.key_marks[(*frame.path, name)]
            self.add(
                "R004",
                event,
                f"duplicate key '{name}' (first at line {first[0]}); YAML keeps only the last value, silently: remove or merge one of them",
            )
            frame.skip_value = True
            return
        self.doc.key_marks[(*frame.path, name)] = self.mark(event)
        frame.key = name

    def tag_of(self, event: yaml.ScalarEvent) -> str:
        if event.tag and event.tag != "!":
            return str(event.tag)
        if event.tag == "!" or not event.implicit[0]:
            return _STR_TAG  # quoted, or a block scalar, or the non-specific tag
        text = event.value
        tag = _RESOLVED.get(text)
        if tag is None:
            tag = str(self.resolver.resolve(ScalarNode, text, (True, False)))  # type: ignore[no-untyped-call]
            if len(text) <= _RESOLVED_TEXT and len(_RESOLVED) < _RESOLVED_MAX:
                _RESOLVED[text] = tag
        return tag

    def construct(self, event: yaml.ScalarEvent, tag: str) -> Any:
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)  # type: ignore[arg-type]
        return self.constructor.construct_object(node, deep=True)

    def scalar(self, event: yaml.ScalarEvent, path: Path_) -> Any:
        tag = self.tag_of(event)
        if tag == _STR_TAG:
            value: Any = event.value.translate(_SHOW) if self.hidden else event.value
            self.check_comment(event, path)
            return value
        try:
            value = self.construct(event, tag)
        except _CONSTRUCT_ERRORS:
            kind = tag.rsplit(":", 1)[-1]
            self.add(
                "R003", event, f"'{event.value}' cannot be read as {'a ' if kind != 'int' else 'an '}{kind}; write it as a quoted string"
            )
            return event.value
        if not event.style:  # a plain scalar YAML turned into a number, boolean, date or null
            self.doc.coerced[path] = event.value
        return value

    def check_comment(self, event: yaml.ScalarEvent, path: Path_) -> None:
        """Warn when ' #' cut an unquoted value short: YAML reads the rest of the line as a comment."""
        start, end = event.start_mark, event.end_mark
        if start is None or end is None or event.style or start.line != end.line or end.line >= len(self.lines):
            return
        rest = self.lines[end.line][end.column :]
        if rest.startswith(" #") and not rest.startswith(" # "):
            whole = (event.value + rest).strip()
            whole = whole.translate(_SHOW) if self.hidden else whole
            name = ".".join(str(step) for step in path) or "value"
            line, col = end.line + 1 + self.offset, end.column + 2
            self.doc.diagnostics.append(
                Diagnostic(
                    self.doc.path,
                    line,
                    col,
                    "R009",
                    "warning",
                    f"'{name}' is '{event.value}': YAML reads ' {rest.strip()}' as a comment; if it belongs to the value, "
                    f"quote it: '{whole}' in double quotes",
                )
            )


def parse_yaml(text: str, doc: Document, line_offset: int = 0) -> None:
    """Parse `text` and fill `doc.data` and its marks; problems become diagnostics on `doc`."""
    # Line breaks editors do not count are hidden (_HIDDEN_BREAKS), unless the text holds a character
    # that stands for one: then nothing is hidden, and nothing put back in the values.
    can_hide = not any(c in text for c in _SHOW_CHARS)
    hidden = text.translate(_HIDE) if can_hide else text
    lines = hidden.split("\n")
    too_deep = _flow_too_deep(lines) if hidden.count("[") + hidden.count("{") > MAX_YAML_DEPTH else None
    if too_deep is not None:
        # libyaml scans a run of brackets to its end before it yields anything: refuse it unread.
        line, col = too_deep
        doc.diagnostics.append(
            Diagnostic(
                doc.path,
                line + 1 + line_offset,
                col + 1,
                "R006",
                "error",
                f"nested more than {MAX_YAML_DEPTH} levels deep; write a flatter structure",
            )
        )
        return
    builder = _Builder(doc, lines, line_offset, hidden=can_hide and any(c in text for c in _HIDDEN_BREAKS))
    try:
        doc.data = builder.build(iter(yaml.parse(hidden, Loader=_YamlLoader)))
    except _Refused as exc:
        doc.data = None
        doc.diagnostics.append(Diagnostic(doc.path, exc.line, exc.col, exc.code, "error", exc.message))
    except yaml.MarkedYAMLError as exc:
        doc.data = None
        line, col, message = explain_syntax_error(exc, lines)
        doc.diagnostics.append(Diagnostic(doc.path, line + line_offset, col, "R003", "error", message))
    except yaml.reader.ReaderError as exc:
        doc.data = None
        before = hidden[: exc.position]
        line, col = before.count("\n") + 1, exc.position - before.rfind("\n")
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        doc.diagnostics.append(
            Diagnostic(
                doc.path,
                line + line_offset,
                col,
                "R003",
                "error",
                f"a control character (U+{ord(char):04X}) that YAML does not allow; remove it or write it as an escape in double quotes",
            )
        )
    except (yaml.YAMLError, RecursionError) as exc:  # pragma: no cover - every parser error above is marked
        doc.data = None
        doc.diagnostics.append(Diagnostic(doc.path, 1 + line_offset, 1, "R003", "error", f"YAML cannot be read: {exc}"))
    if doc.data is None:
        return
    if isinstance(doc.data, str) and (match := _KEY_WITHOUT_SPACE.match(doc.data.strip())):
        doc.diagnostics.append(
            Diagnostic(
                doc.path,
                1 + line_offset,
                1,
                "R003",
                "error",
                f"'{match.group(2)}:{match.group(3)}' has no space after the colon; write '{match.group(2)}: {match.group(3)}'",
            )
        )
        doc.data = None


def explain_syntax_error(exc: yaml.MarkedYAMLError, lines: list[str]) -> tuple[int, int, str]:
    """Return (line, col, message) in plain words for a YAML syntax error, at the line to fix."""
    problem = (exc.problem or "").lower()
    context = (exc.context or "").lower()
    mark = exc.problem_mark or exc.context_mark
    line = mark.line if mark else 0
    col = mark.column if mark else 0
    last = max(len(lines) - 1, 0)
    if line > last or (line == last and not lines[last].strip() and last > 0):
        line = _last_text_line(lines)  # the parser reached the end of the text: point at its last word
        col = len(lines[line]) if line < len(lines) else 0
    text = lines[line] if line < len(lines) else ""
    at = text[col : col + 1]
    cm = exc.context_mark

    def plain(where_line: int, where_col: int, message: str) -> tuple[int, int, str]:
        return where_line + 1, where_col + 1, message

    if at == "\t" or "tab" in problem:
        return plain(line, col, "a tab character: YAML indents with spaces only; replace the tab with spaces")
    if "quoted scalar" in context and cm is not None and cm.line < len(lines):
        quote = lines[cm.line][cm.column : cm.column + 1]
        return plain(cm.line, cm.column, f"the quote ({quote}) opened here is never closed; add the closing {quote} on the same line")
    for number in range(min(line, last), -1, -1):
        match = _KEY_WITHOUT_SPACE.match(lines[number])
        if match and ("simple key" in context or "expected ':'" in problem or number == line):
            key, value = match.group(2), match.group(3)
            return plain(number, len(match.group(1)), f"'{key}:{value}' has no space after the colon; write '{key}: {value}'")
        if number < line - 1:
            break
    if "flow" in context:
        found = _unclosed_bracket(lines, line, col)
        opening, where = found if found else ("[", (line, col))
        closing = "]" if opening == "[" else "}"
        return plain(
            *where,
            f"the '{opening}' opened here is not closed: separate the items with ',' and end with '{closing}' (quote items that contain ': ' or ',')",
        )
    if "alias" in context or "anchor" in context:
        sign = "*" if "alias" in context else "&"
        start = cm.column if cm is not None and cm.line == line else col
        return plain(line, start, f"a value starting with '{sign}' is read as a YAML {context.split()[-1]}; put the value in quotes")
    if "block scalar" in context:
        return plain(line, col, "nothing may follow '|' or '>' on its line; put the value in quotes, or start its text on the next line")
    if "cannot start any token" in problem and at:
        return plain(line, col, f"a value cannot start with '{at}' in YAML; put the value in quotes")
    if "mapping values are not allowed" in problem:
        first = text.find(": ")
        if 0 <= first < col:
            key = text[:first].strip().lstrip("- ")
            return plain(line, col, f"the value of '{key}' contains ': ', which YAML reads as another key; put the value in quotes")
        return plain(line, col, "this line is indented more than the key above it; indent it as much as its sibling keys")
    if "block mapping" in context or "block end" in problem or "expected key" in problem:
        stripped = text.lstrip()
        if stripped.startswith("- "):
            return plain(line, len(text) - len(stripped), "a list item where a key was expected: indent the list under its key")
        if col > len(text) - len(stripped):
            return plain(line, col, "text after a quoted value; quote the whole value, e.g. '\"hi\" now' in single quotes")
        return plain(line, col, "the indentation of this line does not match the keys above it; indent it as much as its sibling keys")
    if "block sequence" in context or "'-' indicator" in problem:
        return plain(line, col, "a list item out of line with the items above it; indent every '- ' of a list the same")
    return plain(line, col, f"YAML syntax error: {exc.problem or 'invalid YAML'}; fix the YAML (quote values that contain ': ' or '#')")


def _brackets(lines: list[str], line: int, col: int) -> Iterator[tuple[str, list[tuple[str, tuple[int, int]]]]]:
    """Yield each bracket before (line, col) outside quotes and comments, with the brackets open after it."""
    opened: list[tuple[str, tuple[int, int]]] = []
    for number, text in enumerate(lines[: line + 1]):
        quote = ""
        for index, char in enumerate(text if number < line else text[:col]):
            if quote:
                quote = "" if char == quote else quote
            elif char in "\"'" and (index == 0 or text[index - 1] in " [{,:"):
                quote = char
            elif char == "#" and (index == 0 or text[index - 1] == " "):
                break
            elif char in "[{":
                opened.append((char, (number, index)))
                yield char, opened
            elif char in "]}" and opened:
                opened.pop()
                yield char, opened


def _unclosed_bracket(lines: list[str], line: int, col: int) -> tuple[str, tuple[int, int]] | None:
    """Return the last '[' or '{' before (line, col) that is not closed."""
    last: list[tuple[str, tuple[int, int]]] = []
    for _, last in _brackets(lines, line, col):  # noqa: B007 - the state after the last bracket is the answer
        pass
    return last[-1] if last else None


def _flow_too_deep(lines: list[str]) -> tuple[int, int] | None:
    """Return where brackets first nest deeper than MAX_YAML_DEPTH, or None."""
    for char, opened in _brackets(lines, len(lines), 0):
        if char in "[{" and len(opened) > MAX_YAML_DEPTH:
            return opened[-1][1]
    return None


def _last_text_line(lines: list[str]) -> int:
    for number in range(len(lines) - 1, -1, -1):
        if lines[number].strip():
            return number
    return 0
