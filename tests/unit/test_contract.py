"""/roadmap.json is a contract (issue 13): the demo's export and the broken fixture's validate against
schemas/roadmap.schema.json, every key the export writes is in the schema, and every key of the
schema is always written."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock import build_roadmap, load_settings
from interlock.export import SCHEMA_VERSION, export_model, model_json
from interlock.generate import generate_tree
from interlock.history import HistoryCache
from interlock.linking import Roadmap
from interlock.rules.schemas import schema_text, validator
from interlock.siteconfig import read_site_options
from interlock.urls import Urls

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
SCHEMA = json.loads(schema_text("roadmap"))


def roadmap_of(root: Path) -> Roadmap:
    options, site = read_site_options(root / "mkdocs.yml")
    return build_roadmap(load_settings(options, site))


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    roadmap = roadmap_of(REPO)
    history = HistoryCache().get(roadmap.settings.root, roadmap.settings.stories_dir)
    return export_model(roadmap, Urls(), history)


@pytest.fixture(scope="module")
def broken() -> dict[str, Any]:
    return export_model(roadmap_of(FIXTURES / "broken"), Urls())


def problems(model: dict[str, Any]) -> list[str]:
    # The JSON text, not the Python value: what a tool reads.
    data = json.loads(json.dumps(model))
    return [f"/{'/'.join(map(str, e.instance_path))}: {e.message}" for e in validator("roadmap").iter_errors(data)]


def test_the_demos_export_follows_the_schema(demo: dict[str, Any]) -> None:
    assert problems(demo) == []
    assert (
        "$schema" not in demo  # no site_url: no address to give
        and demo["schema_version"] == SCHEMA_VERSION == SCHEMA["properties"]["schema_version"]["const"]
    )
    # The parts that are null or empty in many exports are exercised here too.
    assert any(s["history"] for s in demo["stories"]) and any(s["backing"] for s in demo["stories"])
    assert any(a["tracking"] for s in demo["stories"] for a in s["projects"])


def test_the_broken_fixtures_export_follows_the_schema(broken: dict[str, Any]) -> None:
    """A roadmap with errors still exports; a refused value of a closed set reads as missing."""
    assert problems(broken) == []
    statuses = {s["id"]: s["status"] for s in broken["stories"]}
    assert statuses["types"] == "draft"  # 'acepted' in the file
    tracking = [t for s in broken["stories"] if s["id"] == "types" for a in s["projects"] for t in a["tracking"]]
    assert [(t["type"], t["status"]) for t in tracking] == [("spec", "pending"), ("other", "pending")]  # 'done', 'note'


def test_a_key_the_schema_does_not_know_is_refused(demo: dict[str, Any]) -> None:
    """The other side of the tests above: an exported key left out of the schema fails them."""
    for where in ("top", "story", "ask", "project", "item", "tracking"):
        model = copy.deepcopy(demo)
        story = model["stories"][0]
        project = next(p for p in model["projects"] if any(plan["priorities"] for plan in p["releases"].values()))
        target = {
            "top": model,
            "story": story,
            "ask": story["projects"][0],
            "project": project,
            "item": next(plan["priorities"][0] for plan in project["releases"].values() if plan["priorities"]),
            "tracking": next(t for s in model["stories"] for a in s["projects"] for t in a["tracking"]),
        }[where]
        target["new_key"] = 1
        assert any("new_key" in p for p in problems(model)), where


def _objects(node: Any, where: str = "#") -> list[tuple[str, dict[str, Any]]]:
    found = []
    if isinstance(node, dict):
        if isinstance(node.get("properties"), dict):
            found.append((where, node))
        for key, value in node.items():
            if key != "properties":
                found += _objects(value, f"{where}/{key}")
            else:
                for name, sub in value.items():
                    found += _objects(sub, f"{where}/properties/{name}")
    return found


def test_every_object_of_the_contract_is_closed_and_complete() -> None:
    """additionalProperties false: no key goes unnoticed; every key required: the export always writes it."""
    for where, node in _objects(SCHEMA):
        assert node.get("additionalProperties") is False, where
        always = set(node["properties"]) - ({"$schema"} if node is SCHEMA else set())  # $schema: only with site_url
        assert sorted(node.get("required", [])) == sorted(always), where


def test_the_site_serves_the_schema_beside_roadmap_json() -> None:
    roadmap = roadmap_of(FIXTURES / "minimal")
    site_url = "https://roadmap.example.org/"
    tree = generate_tree(roadmap, Urls(), site_url=site_url, built="2026-01-01")
    served = json.loads(str(tree.files["schemas/roadmap.schema.json"].content))
    assert served["$id"] == f"{site_url}schemas/roadmap.schema.json"
    for name in ("story", "priorities", "weighing"):
        assert json.loads(str(tree.files[f"schemas/{name}.schema.json"].content))["$id"] == f"{site_url}schemas/{name}.schema.json"
    model = json.loads(str(tree.files["roadmap.json"].content))
    assert problems(model) == []


def test_with_site_url_the_export_names_the_served_schema() -> None:
    model = export_model(roadmap_of(FIXTURES / "minimal"), Urls(), site_url="https://roadmap.example.org/")
    assert next(iter(model)) == "$schema" and model["$schema"] == "https://roadmap.example.org/schemas/roadmap.schema.json"
    assert problems(model) == []


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(), _JSON, max_size=6))
def test_roadmap_json_reads_back_as_the_model_with_one_line_per_listed_item(model: dict[str, object]) -> None:
    text = model_json(model)
    assert json.loads(text) == model
    assert text.endswith("}\n")
    lines = [line.removesuffix(",") for line in text.split("\n")]
    for value in model.values():
        if isinstance(value, list) and value:
            for item in value:  # each item of a top-level list (a story, a project) is a line of its own
                assert f"  {json.dumps(item, ensure_ascii=False, separators=(', ', ': '))}" in lines
