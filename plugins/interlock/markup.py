"""The Markdown of story bodies: Python-Markdown with the extensions that read what PMs write on GitHub
the way GitHub shows it. Imported only by a run that converts a body: a check that answers from its
cache, or that hands its few texts to a forked helper, never imports Python-Markdown itself."""

from __future__ import annotations

import importlib
import re
import string
from typing import Any

import markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import SimpleTagInlineProcessor, SubstituteTagInlineProcessor
from markdown.preprocessors import Preprocessor

from .body import github_blocks, is_reserved_id


def _slugify(value: str, separator: str) -> str:
    slug = re.sub(r"[^\w\s-]", "", value.lower(), flags=re.ASCII).strip()
    slug = re.sub(r"[\s-]+", separator, slug).strip("_") or "section"
    return f"{slug}{separator}text" if is_reserved_id(slug) else slug


class _GitHubBlocksPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        return github_blocks(lines, self.md.htmlStash.store)


class GitHubExtension(Extension):
    """What Python-Markdown reads differently from GitHub, made the same: block structure (`body.github_blocks`),
    backslash escapes of any ASCII punctuation, a backslash at the end of a line as a line break,
    and strikethrough between single tildes."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After whitespace is normalised (30: tabs expanded), before fences (25) and raw HTML (20) are stashed.
        md.preprocessors.register(_GitHubBlocksPreprocessor(md), "github_blocks", 28)
        md.ESCAPED_CHARS.extend(c for c in string.punctuation if c not in md.ESCAPED_CHARS)
        md.inlinePatterns.register(SubstituteTagInlineProcessor(r"\\\n", "br"), "github_hard_break", 185)
        # GitHub strikes text between single tildes too; pymdownx.tilde (60, before this) takes the double ones.
        md.inlinePatterns.register(SimpleTagInlineProcessor(r"(?<!~)(~)(?![~\s])(.+?)(?<![~\s])~(?!~)", "del"), "github_tilde", 59)


# The Markdown of story bodies: what PMs write on GitHub. The site's own markdown_extensions serve
# the hand-written pages only, so no include-style extension (snippets) ever sees a story.
EXTENSIONS: list[str | Extension] = [
    GitHubExtension(),
    "tables",
    "toc",
    "admonition",
    "footnotes",
    "pymdownx.superfences",
    "pymdownx.highlight",
    "pymdownx.tasklist",
    "pymdownx.tilde",
    "pymdownx.magiclink",
    "pymdownx.fancylists",
    "pymdownx.saneheaders",
]
EXTENSION_CONFIGS: dict[str, dict[str, Any]] = {
    "toc": {"permalink": True, "slugify": _slugify},
    "pymdownx.superfences": {"relaxed_headers": True},  # GitHub takes any info string after a fence
    "pymdownx.highlight": {"use_pygments": True},
    "pymdownx.tasklist": {"custom_checkbox": True},
    "pymdownx.tilde": {"subscript": False},
    "pymdownx.fancylists": {"additional_ordered_styles": []},
    "footnotes": {"USE_DEFINITION_ORDER": False},
}


def extensions() -> list[Extension]:
    """Return EXTENSIONS made with their configurations. Python-Markdown would look each name up among
    every installed package's entry points first (30 ms, on every check that converts a body);
    `makeExtension` of the named module is what it falls back to, and what the entry points make."""
    made: list[Extension] = []
    for extension in EXTENSIONS:
        if isinstance(extension, str):
            module = importlib.import_module(extension if "." in extension else f"markdown.extensions.{extension}")
            extension = module.makeExtension(**EXTENSION_CONFIGS.get(extension, {}))
        made.append(extension)
    return made


def make_markdown() -> markdown.Markdown:
    """Return a Markdown converter of story bodies."""
    return markdown.Markdown(extensions=extensions())

