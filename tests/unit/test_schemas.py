"""The published JSON Schemas: valid 2020-12 schemas with absolute ids (the site's copies under its
site_url), a description on every property for editors' hover help, enums that are the code's own
sets, and a validator that never fetches anything."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from interlock import model
from interlock.rules import schemas
from interlock.rules.schemas import SCHEMAS, refuse_retrieval, schema_id, schema_text

PACKAGE = Path(model.__file__).parent
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def load(name: str, site_url: str | None = None) -> dict[str, Any]:
    return json.loads(schema_text(name, site_url))  # type: ignore[no-any-return]


def resolve(root: dict[str, Any], ref: str) -> dict[str, Any]:
    assert ref.startswith("#/"), f"{ref}: every $ref of a shipped schema is inside it"
    node: Any = root
    for step in ref[2:].split("/"):
        node = node[step]
    return node  # type: ignore[no-any-return]


def iter_members(node: dict[str, Any], where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield every property schema and every map-value schema (additionalProperties), with its location."""
    for key, sub in node.get("properties", {}).items():
        yield f"{where}/properties/{key}", sub
        yield from iter_members(sub, f"{where}/properties/{key}")
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        yield f"{where}/additionalProperties", extra
        yield from iter_members(extra, f"{where}/additionalProperties")
    if isinstance(node.get("items"), dict):
        yield from iter_members(node["items"], f"{where}/items")
    for key, sub in node.get("$defs", {}).items():
        yield from iter_members(sub, f"{where}/$defs/{key}")


def iter_objects(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield every schema object that lists properties."""
    if isinstance(node, dict):
        if isinstance(node.get("properties"), dict) and all(isinstance(v, dict) for v in node["properties"].values()):
            yield where, node
        for key, value in node.items():
            yield from iter_objects(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from iter_objects(value, f"{where}/{index}")


def enum_at(schema: dict[str, Any], pointer: str) -> set[Any]:
    return set(resolve(schema, pointer)["enum"]) - {None}


@pytest.mark.parametrize("name", SCHEMAS)
def test_each_schema_is_a_valid_2020_12_schema_with_an_absolute_id(name: str) -> None:
    schema = load(name)
    jsonschema_rs.meta.validate(schema)
    assert schema["$schema"] == DRAFT
    assert schema["$id"] == schema_id(name) == f"https://interlock.invalid/schemas/{name}.schema.json"
    assert (PACKAGE / "schemas" / f"{name}.schema.json").is_file()


def test_every_shipped_schema_is_published() -> None:
    assert {p.name.removesuffix(".schema.json") for p in (PACKAGE / "schemas").glob("*.schema.json")} == set(SCHEMAS)


@pytest.mark.parametrize("site_url", ["https://roadmap.example.org/", "https://example.org/roadmap", "https://example.org/a/"])
@pytest.mark.parametrize("name", SCHEMAS)
def test_the_sites_copy_carries_an_id_under_site_url(name: str, site_url: str) -> None:
    served = load(name, site_url)
    assert served["$id"] == site_url.rstrip("/") + f"/schemas/{name}.schema.json"
    packaged = load(name)
    assert {k: v for k, v in served.items() if k != "$id"} == {k: v for k, v in packaged.items() if k != "$id"}
    # The copy compiles and validates on its own, with no request: its references are its own.
    jsonschema_rs.validator_for(served, retriever=refuse_retrieval)


def test_without_site_url_the_site_serves_the_packaged_text() -> None:
    for name in SCHEMAS:
        assert schema_text(name, None) == schema_text(name) == (PACKAGE / "schemas" / f"{name}.schema.json").read_text("utf-8")


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_property_has_a_description(name: str) -> None:
    """Editors show it on hover and beside each completion; a $ref shows its target's."""
    schema = load(name)
    bare = [where for where, sub in iter_members(schema) if not described(schema, sub)]
    assert bare == []


def described(root: dict[str, Any], sub: dict[str, Any]) -> bool:
    return "description" in sub or ("$ref" in sub and "description" in resolve(root, sub["$ref"]))


def test_the_description_walk_finds_a_bare_property() -> None:
    schema = {"properties": {"a": {"type": "object", "additionalProperties": {"type": "integer"}, "description": "A."}}}
    assert [w for w, s in iter_members(schema) if not described(schema, s)] == ["#/properties/a/additionalProperties"]


def _string_args(source: Path, call: str, position: int) -> set[str]:
    """Return the string constants passed at `position` to calls of `call` in a module."""
    found = set()
    for node in ast.walk(ast.parse(source.read_text("utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == call and len(node.args) > position:
            arg = node.args[position]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add(arg.value)
    return found


def _returned_strings(source: Path, function: str) -> set[str]:
    """Return every string constant in the body of a function or property of a module."""
    for node in ast.walk(ast.parse(source.read_text("utf-8"))):
        if isinstance(node, ast.FunctionDef) and node.name == function:
            return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)} - {ast.get_docstring(node)}
    raise AssertionError(f"no {function} in {source}")


SCORE_SOURCES = _string_args(PACKAGE / "ranking.py", "Score", 1)  # Score(value, source, ...)
ANSWERS = _returned_strings(PACKAGE / "linking.py", "answer")  # Alignment.answer


def test_the_code_sets_are_read_from_the_code() -> None:
    assert {"group", "self", "unscored", "superseded", "off"} == SCORE_SOURCES
    assert {"declined", "served", "none"} == ANSWERS


ENUMS = [
    ("story", "#/properties/status", set(model.STATUSES)),
    ("story", "#/$defs/tracking/properties/type", set(model.TRACKING_TYPES)),
    ("story", "#/$defs/tracking/properties/status", set(model.TRACKING_STATUSES)),
    ("priorities", "#/$defs/item/properties/tier", set(model.TIERS)),
    ("roadmap", "#/$defs/story/properties/status", set(model.STATUSES)),
    ("roadmap", "#/$defs/story/properties/scored_by", SCORE_SOURCES),
    ("roadmap", "#/$defs/ask/properties/alignment", set(model.ALIGNMENTS)),
    ("roadmap", "#/$defs/ask/properties/answer", ANSWERS),
    ("roadmap", "#/$defs/ask/properties/tracking/items/properties/type", set(model.TRACKING_TYPES)),
    ("roadmap", "#/$defs/ask/properties/tracking/items/properties/status", set(model.TRACKING_STATUSES)),
    ("roadmap", "#/$defs/item/properties/tier", set(model.TIERS)),
]


@pytest.mark.parametrize(("name", "pointer", "values"), ENUMS, ids=[f"{n}:{p}" for n, p, _ in ENUMS])
def test_enums_are_the_codes_sets(name: str, pointer: str, values: set[str]) -> None:
    assert enum_at(load(name), pointer) == values


def test_the_export_counts_every_alignment() -> None:
    counts = resolve(load("roadmap"), "#/$defs/project/properties/counts")
    assert set(counts["properties"]) == {*model.ALIGNMENTS, "needs_liaison"}


def test_no_enum_is_left_out_of_the_table() -> None:
    """A new enum in a schema needs a row above, so that it is tied to the code."""
    listed = {(name, pointer) for name, pointer, _ in ENUMS}
    found = set()
    for name in SCHEMAS:
        for where, sub in iter_members(load(name)):
            if "enum" in sub:
                found.add((name, where))
    assert found == listed


def test_the_validator_never_fetches_a_remote_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    remote = json.dumps({"$schema": DRAFT, "$id": schema_id("story"), "properties": {"a": {"$ref": "https://schemas.example.org/a.json"}}})
    monkeypatch.setattr(schemas, "schema_text", lambda name, site_url=None: remote)
    schemas.validator.cache_clear()
    try:
        with pytest.raises(jsonschema_rs.ValidationError, match="interlock never fetches a schema"):
            schemas.validator("story")
    finally:
        schemas.validator.cache_clear()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"a": 1}, {"a": 1}),
        ({1: "x", "1": "y"}, {"\0" + "1": "x", "1": "y"}),  # a key YAML read as a number stays apart
        ([float("nan"), float("inf"), 2.5, None, True], [True, True, 2.5, None, True]),
        ({"d": __import__("datetime").date(2025, 1, 2)}, {"d": True}),  # no shipped schema takes a boolean
    ],
)
def test_yaml_values_are_given_to_the_validator_as_json(data: Any, expected: Any) -> None:
    assert schemas.json_instance(data) == expected


@pytest.mark.parametrize("name", ["story", "priorities", "weighing"])
def test_no_input_schema_accepts_a_boolean(name: str) -> None:
    """json_instance gives dates and NaN to the validator as booleans, so that they fail every type check."""
    text = schema_text(name)
    assert '"boolean"' not in text and '"const": true' not in text and '"enum": [true' not in text
    assert not schemas.validator(name).is_valid(True)
    for where, sub in iter_members(load(name)):
        assert sub.get("type") != "boolean" and "boolean" not in sub.get("type", []), where


def test_errors_are_reported_at_the_documents_own_keys() -> None:
    data = {"scores": {"01": "x", "7": "y", 7: "z"}}
    found = {(v.path, v.keyword) for v in schemas.iter_violations(data | {"organisation": "o"}, "weighing")}
    assert found == {(("scores", "01"), "type"), (("scores", "7"), "type"), (("scores", 7), "type")}
