from __future__ import annotations

from pathlib import Path

from roadmap.schema import CODES

REPO = Path(__file__).resolve().parent.parent


def test_every_code_is_documented() -> None:
    page = (REPO / "site_src" / "diagnostics.md").read_text("utf-8")
    missing = [code for code, text in CODES.items() if f"| `{code}` | {text} |" not in page]
    assert missing == []
