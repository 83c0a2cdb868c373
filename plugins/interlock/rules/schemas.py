"""The published JSON Schemas of the formats, their identifiers, and their violations as
diagnostics at the key, each with a fix. One validator, jsonschema-rs, checks every document and
lists every violation; no schema it compiles can make it fetch anything."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import jsonschema_rs

from ..model import Diagnostic
from ..yamldoc import Document, describe_value
from .suggest import names as _names
from .suggest import suggest

SCHEMAS = ("story", "priorities", "weighing", "roadmap")
# The packaged schemas' identifier when the site has no site_url: an absolute URI under a name
# reserved never to resolve (RFC 2606), so no tool can fetch it and no site can claim it; the site's
# copies carry site_url + the same path instead (schema_id).
SCHEMA_BASE = "https://interlock.invalid/"

_PATTERN_HINTS = {
    "ref": "must be three capital letters, e.g. RUP",
    "authors": "must be 'Name' or 'Name <email>'",
    "email": "must be an e-mail address, e.g. name@example.org",
    "id": "must be lowercase letters, digits and hyphens, e.g. cells-v2",
    "project": "must be lowercase letters, digits and hyphens, like the file name",
}


def schema_id(name: str, site_url: str | None = None) -> str:
    """Return the $id of a schema: under the site when its address is known, else under SCHEMA_BASE."""
    base = site_url or SCHEMA_BASE
    return f"{base if base.endswith('/') else base + '/'}schemas/{name}.schema.json"


def schema_text(name: str, site_url: str | None = None) -> str:
    """Return the JSON Schema document for 'story', 'priorities', 'weighing' or 'roadmap' (the site's copy with site_url)."""
    text = resources.files("interlock").joinpath(f"schemas/{name}.schema.json").read_text("utf-8")
    if site_url:
        packaged = f'"$id": {json.dumps(schema_id(name))}'
        if packaged not in text:  # pragma: no cover - tests/unit/test_schemas.py checks every shipped schema
            raise ValueError(f"schemas/{name}.schema.json has no $id {schema_id(name)}")
        text = text.replace(packaged, f'"$id": {json.dumps(schema_id(name, site_url))}', 1)
    return text


def refuse_retrieval(uri: str) -> Any:
    """Refuse to fetch a schema: every $ref of the shipped schemas is inside the schema itself."""
    raise ValueError(f"{uri}: interlock never fetches a schema")


@cache
def validator(name: str) -> jsonschema_rs.Validator:
    """Return the compiled validator of a shipped schema (the schemas ship in the package)."""
    return jsonschema_rs.validator_for(json.loads(schema_text(name)), retriever=refuse_retrieval)


@dataclass(frozen=True)
class Violation:
    """One violation, in the terms of the document as YAML read it (not as converted for the validator)."""

    path: tuple[Any, ...]  # keys and indexes of the offending value in the document
    keyword: str  # the schema keyword that failed: type, enum, required, ...
    rule: Any  # that keyword's value in the schema
    subschema: dict[str, Any]  # the schema object holding the keyword
    instance: Any  # the offending value, as YAML read it
    missing: str | None = None  # for 'required': the missing key


# A value JSON has no way to say (a date, a NaN, bytes) is given to the validator as a boolean: no
# schema of an input file accepts a boolean anywhere (a test sees to it), so it fails every type
# check, as the value itself would.
_NOT_JSON = True


def _key_text(key: Any) -> str:
    # A key YAML read as a number, a boolean or a date is never one of a schema's property names: as
    # text behind a NUL (which no key of a readable file holds) it stays unknown, and unlike any other.
    return key if isinstance(key, str) else f"\0{key!r}"


def json_instance(value: Any) -> Any:
    """Return YAML data as the JSON data jsonschema-rs accepts: keys as text, no dates, no NaN."""
    kind = type(value)  # the common exact types first: this runs on every value of every file
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if isinstance(value, dict):
        return {(k if type(k) is str else _key_text(k)): json_instance(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_instance(v) for v in value]
    if isinstance(value, (str, int)) or (isinstance(value, float) and math.isfinite(value)):
        return value
    return _NOT_JSON  # date, datetime, bytes, NaN, infinity


def _original_path(data: Any, steps: Iterable[str | int]) -> tuple[Any, ...]:
    """Return a path the validator reports as the document's own keys and indexes."""
    path: list[Any] = []
    for step in steps:
        key: Any = _original_key(data, step) if isinstance(data, dict) else step
        path.append(key)
        data = data[key] if isinstance(data, (dict, list)) else None
    return tuple(path)


def _original_key(mapping: dict[Any, Any], step: str | int) -> Any:
    text = str(step)
    for key in mapping:
        if _key_text(key) == text:
            return key
    if isinstance(step, int):  # jsonschema-rs reports a key of digits as a number, '01' as 1
        for key in mapping:
            if isinstance(key, str) and key.isascii() and key.isdigit() and int(key) == step:
                return key
    return step


def _at(tree: Any, steps: Iterable[str | int]) -> Any:
    for step in steps:
        tree = tree[step]
    return tree


def iter_violations(data: Any, name: str) -> Iterator[Violation]:
    """Yield every violation of a document against a shipped schema."""
    schema = _schema(name)
    for error in validator(name).iter_errors(json_instance(data)):
        location = list(error.schema_path)  # in the schema, past any $ref (every $ref is local)
        path = _original_path(data, error.instance_path)
        instance = _at(data, path)
        missing = error.kind.as_dict().get("property") if location[-1] == "required" else None
        yield Violation(path, str(location[-1]), _at(schema, location), _at(schema, location[:-1]), instance, missing)


@cache
def _schema(name: str) -> Any:
    return json.loads(schema_text(name))


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
    if validator(schema).is_valid(json_instance(doc.data)):
        return
    errors = list(iter_violations(doc.data, schema))
    typed = {e.path for e in errors if e.keyword == "type"}
    for error in errors:
        path = error.path
        kind = error.keyword
        rule: Any = error.rule
        subschema: Any = error.subschema
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
            key = error.missing
            if isinstance(value, dict) and key is not None and key not in value:
                yield doc.problem(path, "R102", f"missing required key '{label((*path, key))}'; add a line '{key}: ...'")
        elif kind == "additionalProperties":
            known = list(subschema.get("properties", {}))
            for key in value:
                if key not in known:
                    yield doc.problem(
                        (*path, key), "R101", f"unknown key '{label((*path, key))}'{suggest(key, known)}; valid keys: {_names(known)}"
                    )
        else:  # pragma: no cover - the shipped schemas use only the keywords above
            yield doc.problem(path, "R103", f"'{name}': breaks the schema's '{kind}' rule", value=True)


def iter_url_problems(doc: Document, paths: Iterable[tuple[str | int, ...]]) -> Iterator[Diagnostic]:
    """Yield R109 for each string URL at `paths` whose scheme is not http(s)."""
    for path in paths:
        url = doc.get(path)
        if isinstance(url, str) and urlsplit(url.strip()).scheme.lower() not in ("http", "https"):
            yield doc.problem(path, "R109", f"'{label(path)}': '{url}' is not an http(s) URL; link to a web page (https://...)", value=True)
