r"""The text reporter: one `path:line:col: severity: CODE message` line per diagnostic, for terminals,
editors and CI logs. It owns the escaping that keeps hostile text on one visible line.

Escaping. Every character of the Unicode categories Cc (controls, tab, CR, LF, ESC, NEL), Cf (format:
bidi overrides and isolates, zero-width characters), Zl and Zp (U+2028, U+2029) and Cs (lone surrogates,
which undecodable file names become) is replaced by its Python-style escape: `\n`, `\r`, `\t`, `\xNN`
below U+0100, `\uNNNN` below U+10000 and `\UNNNNNNNN` above. A literal backslash is left alone, so Windows
paths and regular expressions in messages read as written. The output is for people and is not meant to
be decoded: every hidden character is shown with its code point, and only a text that already spells out
an escape (a backslash then `n`) looks the same as one; `--format json` gives the exact strings.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from ..model import Diagnostic

# Cs as well as the four the brief names: a lone surrogate cannot be encoded to UTF-8, so printing one
# would raise instead of reporting.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_controls(text: str) -> str:
    """Return `text` with every control, format, line/paragraph separator and surrogate character escaped."""
    if text.isprintable():  # the common case: isprintable() is False for every category escaped here
        return text
    return "".join(_escape_char(char) if unicodedata.category(char) in _HIDDEN_CATEGORIES else char for char in text)


def _escape_char(char: str) -> str:
    short = _SHORT_ESCAPES.get(char)
    if short is not None:
        return short
    point = ord(char)
    if point < 0x100:
        return f"\\x{point:02x}"
    if point < 0x10000:
        return f"\\u{point:04x}"
    return f"\\U{point:08x}"


def format_text(d: Diagnostic) -> str:
    """Return the diagnostic as one line: `path:line:col: severity: CODE message`."""
    path, severity, code, message = (escape_controls(s) for s in (d.path, d.severity, d.code, d.message))
    return f"{path}:{d.line}:{d.col}: {severity}: {code} {message}"


def format_text_report(diagnostics: Iterable[Diagnostic], summary: str) -> str:
    """Return one line per diagnostic, in the order given, then the summary line (no trailing newline)."""
    return "\n".join([*(format_text(d) for d in diagnostics), escape_controls(summary)])
