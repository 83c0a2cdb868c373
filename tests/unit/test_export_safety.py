"""The CSV export against hostile values: no cell a spreadsheet runs as a formula, no row split by a line break."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from interlock.export import CSV_COLUMNS, export_csv, export_rows

# Formula injection (OWASP "CSV Injection"), a field separator and quote to open a cell of their
# own, and line breaks that a spreadsheet could take for the end of a row.
FORMULAS = ['=HYPERLINK("http://evil","x")', "+1", "-2+3", "@SUM(A1)", "\tcmd", "\rx", "\nx", "-1"]
BREAKS = ["a\r\nb", "a\rb", "a\nb", 'x",=1+1', "a,b;c"]


def make_model(*stories: dict[str, Any]) -> dict[str, Any]:
    """Return an exported model (the shape of `export_model`) holding these stories."""
    return {"schema_version": 1, "stories": list(stories)}


def make_story(sid: str = "quotas", **fields: Any) -> dict[str, Any]:
    """Return one exported story with one project entry; `fields` replace story or entry values."""
    entry = {
        "project": "nova",
        "alignment": "planned",
        "priorities": [{"id": "upgrades", "release": "2026.1", "planned": True}],
        "liaison": "Ann Lee",
        "needs_liaison": False,
        "completion": 2 / 3,
        "gap": "Nova lacks quotas.",
    }
    story = {
        "id": sid,
        "title": "One quota",
        "status": "accepted",
        "ref": "QUO",
        "score": 40.0,
        "rank": 3,
        "target_release": "2026.1",
        "page": f"stories/{sid}/",
    }
    for key, value in fields.items():
        (entry if key in entry else story)[key] = value
    return {**story, "projects": [entry]}


def read_back(text: str) -> list[list[str]]:
    """Return the records of CSV text as a spreadsheet-like reader sees them, checking each one's width."""
    records = list(csv.reader(io.StringIO(text, newline="")))
    assert records[0] == list(CSV_COLUMNS)
    assert all(len(record) == len(CSV_COLUMNS) for record in records)
    return records[1:]


def record_ends(text: str) -> list[int]:
    """Return the offsets of the line breaks that end a record: those outside quoted fields."""
    ends, quoted = [], False
    for offset, char in enumerate(text):
        if char == '"':
            quoted = not quoted  # a doubled quote toggles twice, which is right
        elif char in "\r\n" and not quoted:
            ends.append(offset)
    return ends


@pytest.mark.parametrize("column", ["title", "gap", "liaison", "status", "ref", "project", "target_release"])
@pytest.mark.parametrize("value", FORMULAS)
def test_a_cell_starting_like_a_formula_gets_a_leading_quote(column: str, value: str) -> None:
    (record,) = read_back(export_csv(make_model(make_story(**{column: value}))))
    assert record[CSV_COLUMNS.index(column)] == "'" + value
    # Everything else in the row is as it was: the value neither spilled over nor was spilled into.
    untouched = read_back(export_csv(make_model(make_story(**{column: "plain"}))))[0]
    assert [c for i, c in enumerate(record) if CSV_COLUMNS[i] != column] == [c for i, c in enumerate(untouched) if CSV_COLUMNS[i] != column]


def test_the_story_id_and_the_priorities_are_cells_like_any_other() -> None:
    priorities = [{"id": "@x", "release": "-1", "planned": True}, {"id": "y", "release": "=2", "planned": False}]
    (record,) = read_back(export_csv(make_model(make_story("=cmd|' /C calc'!A0", priorities=priorities))))
    assert record[CSV_COLUMNS.index("story")] == "'=cmd|' /C calc'!A0"
    assert record[CSV_COLUMNS.index("priorities")] == "'-1/@x =2/y"
    assert record[CSV_COLUMNS.index("page")] == "stories/=cmd|' /C calc'!A0/"  # starts harmlessly: left alone


@pytest.mark.parametrize("value", BREAKS)
def test_a_line_break_separator_or_quote_inside_a_cell_stays_in_that_cell(value: str) -> None:
    model = make_model(make_story("one", title=value, gap=value, liaison=value), make_story("two"))
    text = export_csv(model)
    records = read_back(text)
    assert [r[0] for r in records] == ["one", "two"]
    assert {records[0][CSV_COLUMNS.index(c)] for c in ("title", "gap", "liaison")} == {value}
    # Independent of any reader: every CR or LF in the text is inside quotes, but the record ends.
    assert len(record_ends(text)) == 3
    assert text.endswith("\n")


def test_every_row_is_one_physical_line_when_no_value_holds_a_line_break() -> None:
    model = make_model(*(make_story(f"s{i}", title=f"=S{i}", gap=f"+{i}", liaison=f"@L{i}") for i in range(4)))
    lines = export_csv(model).split("\n")
    assert lines[0] == ",".join(CSV_COLUMNS)  # the header as it always was
    assert lines[-1] == ""
    assert len(lines) == 1 + 4 + 1
    assert "\r" not in "".join(lines)


def test_numbers_stay_unquoted_numbers_and_only_strings_are_prefixed() -> None:
    model = make_model(make_story(score=-1.5, rank=2, completion=None), make_story("b", title="-1", completion=0.5))
    rows = export_rows(model)
    assert (rows[0]["score"], rows[0]["rank"], rows[0]["completion"]) == (-1.5, 2, "")
    assert rows[1]["title"] == "'-1"  # a numeric-looking string is text from a file: prefixed like any other
    first_record = export_csv(model).split("\n")[1]
    assert ",-1.5,2," in first_record  # no quotes around numbers, so spreadsheets read them as numbers
    assert ',False,"",' in first_record  # needs_liaison, then an empty completion
    assert ',"QUO",' in first_record  # every string is quoted, so no CR or LF in one can end the row
