"""The one rule set, used by `interlock check` and by every build: grouped by subject, every code in
codes.py. Each rule is a generator of Diagnostics; no rule stops at the first problem."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from .. import lazy_names

if TYPE_CHECKING:
    from ..body import BodyRenderer
    from ..model import Diagnostic, Project, Settings, Story
    from ..yamldoc import Document
    from .body import KNOWN_SECTIONS, OPTIONAL_SECTIONS, REQUIRED_SECTIONS
    from .codes import CODES, Code
    from .files import ID_PATTERN, Inputs, list_inputs
    from .frontmatter import STATUS_LEVEL
    from .priorities import iter_priority_problems
    from .references import iter_corpus_problems, propose_ref
    from .schemas import schema_text
    from .settings import SettingsError, load_settings
    from .suggest import nearest, suggest

# Each name loads with its module when first used, so that reading the settings (rules.settings)
# does not import every rule and the Markdown converter with it.
_HOMES = {
    "KNOWN_SECTIONS": "body",
    "OPTIONAL_SECTIONS": "body",
    "REQUIRED_SECTIONS": "body",
    "CODES": "codes",
    "Code": "codes",
    "ID_PATTERN": "files",
    "Inputs": "files",
    "list_inputs": "files",
    "STATUS_LEVEL": "frontmatter",
    "iter_priority_problems": "priorities",
    "iter_corpus_problems": "references",
    "propose_ref": "references",
    "schema_text": "schemas",
    "SettingsError": "settings",
    "load_settings": "settings",
    "nearest": "suggest",
    "suggest": "suggest",
}


__getattr__ = lazy_names(__name__, _HOMES)


__all__ = [
    "CODES",
    "ID_PATTERN",
    "KNOWN_SECTIONS",
    "OPTIONAL_SECTIONS",
    "REQUIRED_SECTIONS",
    "STATUS_LEVEL",
    "Code",
    "Inputs",
    "SettingsError",
    "iter_corpus_problems",
    "iter_priority_problems",
    "iter_story_problems",
    "list_inputs",
    "load_settings",
    "nearest",
    "propose_ref",
    "schema_text",
    "suggest",
]


def iter_story_problems(
    doc: Document, story: Story, settings: Settings, projects: dict[str, Project], bodies: BodyRenderer | None = None
) -> Iterator[Diagnostic]:
    """Yield every problem of one story that can be seen without the other stories."""
    from .body import iter_body_problems
    from .frontmatter import STATUS_LEVEL, iter_front_matter_problems

    if not isinstance(doc.data, dict):
        return
    yield from iter_front_matter_problems(doc, story, settings, projects)
    rendered = bodies.render(story.body) if bodies is not None else None
    yield from iter_body_problems(doc, story, STATUS_LEVEL.get(story.status, 0), projects, rendered)
