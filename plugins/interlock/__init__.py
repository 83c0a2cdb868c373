"""interlock: validate, cross-link and rank user stories against project priority lists, and publish them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"
__all__ = ["Diagnostic", "Roadmap", "Settings", "SettingsError", "Story", "build_roadmap", "load_settings", "__version__"]

if TYPE_CHECKING:
    from .linking import Roadmap, build_roadmap
    from .model import Diagnostic, Settings, Story
    from .rules import SettingsError, load_settings

# The names load when first used: `interlock check` with nothing changed answers from its cache
# without importing the Markdown converter and the rules at all.
_HOMES = {
    "Roadmap": "linking",
    "build_roadmap": "linking",
    "Diagnostic": "model",
    "Settings": "model",
    "Story": "model",
    "SettingsError": "rules.settings",
    "load_settings": "rules.settings",
}


def lazy_names(package: str, homes: dict[str, str]) -> Callable[[str], Any]:
    """Return a module `__getattr__` that imports each name of `homes` from its submodule when first used."""

    def __getattr__(name: str) -> Any:
        if name not in homes:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        from importlib import import_module

        return getattr(import_module(f".{homes[name]}", package), name)

    return __getattr__


__getattr__ = lazy_names(__name__, _HOMES)
