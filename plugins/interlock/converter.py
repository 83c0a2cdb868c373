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


_early: Helper | None = None  # started by the command before its modules loaded, not yet taken


def start_early_helper() -> None:
    """Fork the helper now, for the next `converter_helper()` to return (the command does this first)."""
    global _early
    if _early is None:
        made = Helper(_set_up, _convert)
        _early = made if made.running else None


def converter_helper() -> Helper | None:
    """Return a forked helper that sets up a converter at once and then converts the texts it is sent
    (None where none can run): the one started early, if any."""
    global _early
    if _early is not None:
        made, _early = _early, None
        return made
    made = Helper(_set_up, _convert)
    return made if made.running else None


def stop_early_helper() -> None:
    """Stop the helper started early, if no check took it (the cache it was started for is not there)."""
    global _early
    if _early is not None:
        _early.close()
        _early = None
