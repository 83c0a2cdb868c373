"""Reporters: each formats one list of diagnostics for one kind of reader and owns its own escaping."""

from __future__ import annotations

from .github import escape_data, escape_markdown, escape_property, github_annotations, step_summary, write_step_summary
from .jsonfmt import format_json
from .sarif import sarif_log
from .text import escape_controls, format_text, format_text_report

__all__ = [
    "escape_controls",
    "escape_data",
    "escape_markdown",
    "escape_property",
    "format_json",
    "format_text",
    "format_text_report",
    "github_annotations",
    "sarif_log",
    "step_summary",
    "write_step_summary",
]
