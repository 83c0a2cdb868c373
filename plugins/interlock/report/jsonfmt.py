"""The JSON reporter: the diagnostics as a JSON array of flat objects, for scripts and other tools.
JSON's own escaping is all a value needs; nothing here is rewritten.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from ..model import Diagnostic


def format_json(diagnostics: Iterable[Diagnostic]) -> str:
    """Return a JSON array of {path, line, col, code, severity, message} objects, in the order given."""
    items = [
        {"path": d.path, "line": d.line, "col": d.col, "code": d.code, "severity": d.severity, "message": d.message} for d in diagnostics
    ]
    # ensure_ascii: a lone surrogate (an undecodable file name) becomes "\udc80" instead of making the
    # output unencodable, and U+2028 or a bidi override stays visible to whoever reads the JSON raw.
    return json.dumps(items, indent=2, ensure_ascii=True)
