"""A forked helper that sets the body converter up while the caller reads the inputs, then converts
the few texts it is sent: for a check with one story changed, setting up Python-Markdown and its
extensions costs more than the conversion, and here it costs the caller nothing. Importing this
module imports neither the converter nor the body rules (the helper does, after the fork): a check
starts its helper before it knows what changed, and stops it when nothing did."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .parallel import Helper

if TYPE_CHECKING:
    from .body import RenderedBody

_renderer: Any = None  # the helper's own renderer, made after the fork


def _set_up() -> None:
    global _renderer
    from .body import BodyRenderer

    _renderer = BodyRenderer()
    _renderer._md  # noqa: B018 - the converter, made now


def _convert(text: str) -> RenderedBody:
    converted: RenderedBody = _renderer._convert(text)
    return converted


def converter_helper() -> Helper | None:
    """Return a forked helper that sets up a converter at once and then converts the texts it is sent
    (None where none can run)."""
    made = Helper(_set_up, _convert)
    return made if made.running else None
