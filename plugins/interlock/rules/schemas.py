"""The published JSON Schemas of the formats, and their violations as diagnostics at the key, each
with a fix. A compiled check passes valid documents fast; the full validator reports the invalid ones."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import fastjsonschema

if TYPE_CHECKING:
    import jsonschema

from ..model import Diagnostic
from ..yamldoc import Document, describe_value
from .suggest import names as _names
from .suggest import suggest

_PATTERN_HINTS = {
    "ref": "must be three capital letters, e.g. RUP",
    "authors": "must be 'Name' or 'Name <email>'",
    "email": "must be an e-mail address, e.g. name@example.org",
    "id": "must be lowercase letters, digits and hyphens, e.g. cells-v2",
    "project": "must be lowercase letters, digits and hyphens, like the file name",
}


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
