"""The checker's complete output for a fixture set holding every kind of problem.

Regenerate after a deliberate change with UPDATE_GOLDEN=1, then read the diff line by line.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from interlock import build_roadmap, load_settings
from interlock.report.text import format_text
from interlock.rules import CODES
from interlock.siteconfig import read_site_options

HERE = Path(__file__).parent
FIXTURES = HERE.parent / "fixtures"


@pytest.mark.parametrize("fixture", ["broken", "yaml"])
def test_fixture_diagnostics_match_golden_file(fixture: str) -> None:
    """broken: every rule; yaml: every way YAML can go wrong, in plain words at the line to fix."""
    options, root = read_site_options(FIXTURES / fixture / "mkdocs.yml")
    roadmap = build_roadmap(load_settings(options, root))
    actual = "\n".join(format_text(d) for d in roadmap.diagnostics) + "\n"
    golden = HERE / f"{fixture}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(actual, "utf-8")
    assert actual == golden.read_text("utf-8")


def test_golden_files_cover_every_code() -> None:
    lines = [line for name in ("broken", "yaml") for line in (HERE / f"{name}.txt").read_text("utf-8").splitlines()]
    codes = {line.split(": ")[2].split()[0] for line in lines}
    # Covered elsewhere: R005 (a file over 1 MB) in tests/unit/test_loader.py; R010 (links) and R011
    # (reserved names) in tests/unit/test_inputs.py, as links cannot live in a fixture folder; R311
    # (a converter failure) in tests/unit/test_body.py, as no known text breaks the converter.
    assert codes == set(CODES) - {"R005", "R010", "R011", "R311"}
