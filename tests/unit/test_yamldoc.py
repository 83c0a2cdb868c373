"""The front-matter parser builds from YAML's events what PyYAML's own loader builds, and remembers
where each key and value starts as PyYAML's composer sees it: checked against both on generated YAML."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.yamldoc import Document, parse_yaml

_KEYS = st.from_regex(r"[a-z][a-z0-9_-]{0,12}", fullmatch=True)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=30)
    | st.sampled_from(["yes", "no", "on", "1.5", "0x1F", "2024-01-31", "~", "null", "a #b", "line\nbreak", "éà ü", "\ufdd0"])
)
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4), max_leaves=25)


def _marks_of(node: yaml.Node, path: tuple[Any, ...], keys: dict[Any, Any], values: dict[Any, Any], offset: int) -> None:
    values.setdefault(path, (node.start_mark.line + 1 + offset, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            keys[(*path, key.value)] = (key.start_mark.line + 1 + offset, key.start_mark.column + 1)
            _marks_of(value, (*path, key.value), keys, values, offset)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _marks_of(item, (*path, i), keys, values, offset)


@settings(max_examples=400, deadline=None)
@given(
    data=st.dictionaries(_KEYS, _VALUES, min_size=1, max_size=6),
    flow=st.sampled_from([False, None]),
    indent=st.sampled_from([2, 4]),
    offset=st.integers(0, 5),
)
def test_values_and_positions_are_those_pyyaml_finds(data: dict[str, Any], flow: bool | None, indent: int, offset: int) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, indent=indent, allow_unicode=True, sort_keys=False)
    doc = Document(path="x.yaml")
    parse_yaml(text, doc, offset)
    assert not [d for d in doc.diagnostics if d.severity == "error"], doc.diagnostics
    assert doc.data == yaml.safe_load(text)
    keys: dict[Any, Any] = {}
    values: dict[Any, Any] = {}
    _marks_of(yaml.compose(text, Loader=yaml.SafeLoader), (), keys, values, offset)
    assert doc.key_marks == keys
    assert doc.value_marks == values


def test_a_line_break_editors_do_not_count_is_kept_in_the_value_and_not_counted() -> None:
    doc = Document(path="x.yaml")
    parse_yaml("a: one\u2028two\nb: 'x\x85y'\n", doc)  # PyYAML alone would fold both, and count two more lines
    assert doc.data == {"a": "one\u2028two", "b": "x\x85y"}
    assert doc.value_marks[("b",)] == (2, 4)
    plain = Document(path="y.yaml")
    parse_yaml("a: \ufdd0\n", plain)  # a character that stands for a hidden break, written as itself
    assert plain.data == {"a": "\ufdd0"}
