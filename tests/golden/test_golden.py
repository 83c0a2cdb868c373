"""The checker's complete output for a fixture set holding every kind of problem.

Regenerate after a deliberate change with UPDATE_GOLDEN=1, then read the diff line by line.
"""

from __future__ import annotations

import os
from pathlib import Path

from interlock import build_roadmap, load_settings
from interlock.siteconfig import read_site_options

HERE = Path(__file__).parent
BROKEN = HERE.parent / "fixtures" / "broken"


def test_broken_fixture_diagnostics_match_golden_file() -> None:
    options, root = read_site_options(BROKEN / "mkdocs.yml")
    roadmap = build_roadmap(load_settings(options, root))
    actual = "\n".join(d.format() for d in roadmap.diagnostics) + "\n"
    golden = HERE / "broken.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(actual, "utf-8")
    assert actual == golden.read_text("utf-8")


def test_golden_file_covers_every_documented_code_family() -> None:
    codes = {line.split(": ")[2].split()[0] for line in (HERE / "broken.txt").read_text("utf-8").splitlines()}
    # R005 (size) and R006-depth need large inputs; they are covered in tests/unit/test_loader.py.
    expected = {
        "R001",
        "R002",
        "R003",
        "R004",
        "R006",
        "R007",
        "R008",
        "R101",
        "R102",
        "R103",
        "R104",
        "R105",
        "R106",
        "R107",
        "R108",
        "R109",
        "R201",
        "R202",
        "R203",
        "R204",
        "R205",
        "R206",
        "R207",
        "R208",
        "R209",
        "R210",
        "R301",
        "R302",
        "R303",
        "R304",
        "R305",
        "R306",
        "R307",
        "R308",
        "R309",
        "R401",
        "R402",
        "R403",
    }
    assert expected <= codes
