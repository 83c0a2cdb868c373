"""The SARIF reporter: one SARIF 2.1.0 log (OASIS, errata 01) of the diagnostics, for code-scanning
services and editors. It owns what SARIF asks of the text it carries: relative URIs percent-encoded per
RFC 3986, and plain-text message strings with braces doubled and no embedded links.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from ..model import Diagnostic

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_NAME = "interlock"

_LEVELS = frozenset({"error", "warning", "note", "none"})


def _message_text(text: str) -> str:
    # SARIF 2.1.0 section 3.11.5: in every message string '{' and '}' SHALL be written '{{' and '}}'
    # (single braces are placeholders). Section 3.11.6: '[text](destination)' in a plain-text message is
    # an embedded link, which viewers (GitHub code scanning among them) render; a space after the ']'
    # keeps a hostile message's brackets as text.
    return text.replace("{", "{{").replace("}", "}}").replace("](", "] (")


def _uri_path(path: str) -> str:
    # Undecodable file names reach us as surrogate escapes: give back their original bytes. Any other
    # lone surrogate cannot be UTF-8, so it is kept as its (ill-formed but percent-encodable) bytes.
    try:
        raw = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = path.encode("utf-8", "surrogatepass")
    # Everything but unreserved characters and '/' is percent-encoded, ':' included: a first segment
    # with a ':' would read as a URI scheme (RFC 3986 section 4.2).
    return quote(raw, safe="/")


def _artifact_location(path: str, uri_base_id: str) -> dict[str, str]:
    if path.startswith("/"):
        # A path outside the repository (Settings.relpath keeps those absolute). SARIF 3.4.4: an absolute
        # URI carries no uriBaseId.
        return {"uri": "file://" + _uri_path(path)}
    return {"uri": _uri_path(path), "uriBaseId": uri_base_id}


def _level(severity: str) -> str:
    return severity if severity in _LEVELS else "warning"


def _descriptor(code: str, short: str, help_text: str, severity: str) -> dict[str, Any]:
    return {
        "id": code,
        "shortDescription": {"text": _message_text(short)},
        "fullDescription": {"text": _message_text(help_text)},
        "help": {"text": _message_text(help_text)},
        "defaultConfiguration": {"level": _level(severity)},
    }


def _result(d: Diagnostic, rule_index: int, uri_base_id: str) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": _level(d.severity),
        "message": {"text": _message_text(d.message)},
    }
    if d.path:
        physical: dict[str, Any] = {"artifactLocation": _artifact_location(d.path, uri_base_id)}
        # SARIF 3.30.5/3.30.6: startLine and startColumn are positive; a diagnostic about a whole file
        # (line 0) gets no region rather than an invalid one.
        if d.line >= 1:
            physical["region"] = {"startLine": d.line, **({"startColumn": d.col} if d.col >= 1 else {})}
        result["locations"] = [{"physicalLocation": physical}]
    return result


def sarif_log(
    diagnostics: Iterable[Diagnostic],
    rules: Mapping[str, tuple[str, str, str]],
    tool_version: str,
    uri_base_id: str = "SRCROOT",
    *,
    information_uri: str | None = None,
) -> dict[str, Any]:
    """Return a SARIF 2.1.0 log (a JSON-ready dict) with one run: a rule per code, sorted, and a result per diagnostic, in order.

    `rules` maps a code to (short description, help text, default severity). A code that a diagnostic
    uses but `rules` lacks gets a generic rule, so every result has one to point at. `information_uri`
    is the tool's home page; it is left out when not given, as SARIF allows, rather than invented.
    """
    diagnostics = list(diagnostics)
    first_severity: dict[str, str] = {}
    for d in diagnostics:
        first_severity.setdefault(d.code, d.severity)
    descriptors = []
    for code in sorted(set(rules) | set(first_severity)):
        if code in rules:
            short, help_text, severity = rules[code]
        else:
            short = f"interlock {code}"
            help_text = f"No description is recorded for {code}; each result's message says what is wrong and how to fix it."
            severity = first_severity[code]
        descriptors.append(_descriptor(code, short, help_text, severity))
    index = {descriptor["id"]: i for i, descriptor in enumerate(descriptors)}

    driver: dict[str, Any] = {"name": TOOL_NAME, "version": tool_version}
    if information_uri is not None:
        driver["informationUri"] = information_uri
    driver["rules"] = descriptors
    run = {
        "tool": {"driver": driver},
        # Columns come from Python string indices (YAML marks), i.e. code points, not UTF-16 units.
        "columnKind": "unicodeCodePoints",
        "results": [_result(d, index[d.code], uri_base_id) for d in diagnostics],
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
