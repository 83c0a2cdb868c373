"""interlock: validate, cross-link and rank user stories against project priority lists, and publish them."""

from __future__ import annotations

from .linking import Roadmap, build_roadmap
from .model import Diagnostic, Settings, Story
from .rules import SettingsError, load_settings

__version__ = "0.2.0"
__all__ = ["Diagnostic", "Roadmap", "Settings", "SettingsError", "Story", "build_roadmap", "load_settings", "__version__"]
