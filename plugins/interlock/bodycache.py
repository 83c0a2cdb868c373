"""Story bodies converted once per text across runs: a BodyRenderer whose results are also kept in the
cache on disk (cache.py), by the digest of the text. The conversion is the costliest work of a check."""

from __future__ import annotations

from typing import Any

from .body import BodyRenderer, Finding, Heading, RenderedBody
from .cache import Store, digest


def body_to_json(body: RenderedBody) -> dict[str, Any]:
    """Return a converted body as JSON for the cache."""
    return {
        "html": body.html,
        "headings": [[h.level, h.id, h.text] for h in body.headings],
        "findings": [[f.kind, f.what, f.needle] for f in body.findings],
        "error": body.error,
        "error_line": body.error_line,
        "differences": None if body.differences is None else [[line, message] for line, message in body.differences],
    }


def body_from_json(raw: Any) -> RenderedBody:
    """Return the converted body whose JSON form is `raw` (raises ValueError, TypeError or KeyError on a malformed one)."""
    if not isinstance(raw, dict):
        raise ValueError("not a body")
    html, error, error_line = raw["html"], raw["error"], raw["error_line"]
    if not isinstance(html, str) or not (error is None or isinstance(error, str)) or not isinstance(error_line, int):
        raise ValueError("malformed body")
    headings = []
    for level, anchor, text in raw["headings"]:
        if not isinstance(level, int) or not isinstance(anchor, str) or not isinstance(text, str):
            raise ValueError("malformed heading")
        headings.append(Heading(level, anchor, text))
    findings = []
    for kind, what, needle in raw["findings"]:
        if not all(isinstance(v, str) for v in (kind, what, needle)):
            raise ValueError("malformed finding")
        findings.append(Finding(kind, what, needle))
    differences = raw["differences"]
    if differences is not None:
        if not all(isinstance(line, int) and isinstance(message, str) for line, message in differences):
            raise ValueError("malformed difference")
        differences = [(line, message) for line, message in differences]
    return RenderedBody(html, headings, findings, error, error_line, differences)


class StoredBodyRenderer(BodyRenderer):
    """A BodyRenderer that looks in the cache on disk before converting, and keeps what it converts there."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def _convert(self, text: str) -> RenderedBody:
        key = digest("body", text)
        cached = self.store.get("body", key)
        if cached is not None:
            try:
                return body_from_json(cached)
            except (ValueError, TypeError, KeyError):
                pass
        body = super()._convert(text)
        self._keep(text, body)
        return body

    def known(self, text: str) -> bool:
        return self.store.has("body", digest("body", text))

    def _keep(self, text: str, body: RenderedBody) -> None:
        if body.error is None or "more than" not in body.error:  # a timeout depends on the machine: tried again next run
            self.store.put("body", digest("body", text), body_to_json(body))
