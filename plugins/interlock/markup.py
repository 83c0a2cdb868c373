"""The Markdown of story bodies: Python-Markdown with the extensions that read what PMs write on GitHub
the way GitHub shows it. Imported only by a run that converts a body: a check that answers from its
cache, or that hands its few texts to a forked helper, never imports Python-Markdown itself."""

from __future__ import annotations

import hashlib
import importlib
import re
import string
from typing import Any

import markdown
from markdown import inlinepatterns, treeprocessors, util
from markdown.extensions import Extension
from markdown.inlinepatterns import SimpleTagInlineProcessor, SubstituteTagInlineProcessor
from markdown.preprocessors import Preprocessor

from .body import GitHubBlocks, is_reserved_id


def _slugify(value: str, separator: str) -> str:
    slug = re.sub(r"[^\w\s-]", "", value.lower(), flags=re.ASCII).strip()
    slug = re.sub(r"[\s-]+", separator, slug).strip("_") or "section"
    return f"{slug}{separator}text" if is_reserved_id(slug) else slug


class _GitHubBlocksPreprocessor(Preprocessor):
    differences: list[tuple[int, str]] | None = None  # of the conversion since the last reset

    def run(self, lines: list[str]) -> list[str]:
        blocks = GitHubBlocks(lines, self.md.htmlStash.store)
        out = blocks.run()
        self.differences = sorted(blocks.differences)
        return out


class GitHubExtension(Extension):
    """What Python-Markdown reads differently from GitHub, made the same: block structure (`body.github_blocks`),
    backslash escapes of any ASCII punctuation, a backslash at the end of a line as a line break,
    and strikethrough between single tildes. One per converter: it keeps what its last conversion
    found still rendering otherwise (`found_differences`)."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.registerExtension(self)  # so that md.reset() resets it
        self.blocks = _GitHubBlocksPreprocessor(md)
        # After whitespace is normalised (30: tabs expanded), before fences (25) and raw HTML (20) are stashed.
        md.preprocessors.register(self.blocks, "github_blocks", 28)
        md.ESCAPED_CHARS.extend(c for c in string.punctuation if c not in md.ESCAPED_CHARS)
        md.inlinePatterns.register(SubstituteTagInlineProcessor(r"\\\n", "br"), "github_hard_break", 185)
        # GitHub strikes text between single tildes too; pymdownx.tilde (60, before this) takes the double ones.
        md.inlinePatterns.register(SimpleTagInlineProcessor(r"(?<!~)(~)(?![~\s])(.+?)(?<![~\s])~(?!~)", "del"), "github_tilde", 59)

    def reset(self) -> None:
        self.blocks.differences = None


def found_differences(md: markdown.Markdown) -> list[tuple[int, str]] | None:
    """Return the constructs the last conversion of `md` found still rendering otherwise than on GitHub
    (body.github_differences of its text), or None when it read no lines (an empty text)."""
    blocks = next((p for p in md.preprocessors if isinstance(p, _GitHubBlocksPreprocessor)), None)
    return blocks.differences if blocks is not None else None


class NoGenericBlocksExtension(Extension):
    """Removes the generic blocks ('/// name' ... '///') that pymdownx.fancylists brings along for its own
    '/// fancylist' block: GitHub shows those lines as text, and trying every block of every body for
    one was 8% of converting a body. Listed after the extensions that bring them."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        for registry, name in ((md.parser.blockprocessors, "blocks"), (md.treeprocessors, "blocks_on_inline_end")):
            if name in registry:
                registry.deregister(name)


# The Markdown of story bodies: what PMs write on GitHub. The site's own markdown_extensions serve
# the hand-written pages only, so no include-style extension (snippets) ever sees a story.
EXTENSIONS: list[str | type[Extension]] = [
    GitHubExtension,
    "tables",
    "toc",
    "footnotes",
    "pymdownx.superfences",
    "pymdownx.highlight",
    "pymdownx.tasklist",
    "pymdownx.tilde",
    "pymdownx.magiclink",
    "pymdownx.fancylists",
    "pymdownx.saneheaders",
    NoGenericBlocksExtension,
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
            made.append(module.makeExtension(**EXTENSION_CONFIGS.get(extension, {})))
        else:
            made.append(extension())
    return made


class _Markdown(markdown.Markdown):
    """Python-Markdown, making an extension that another one registers by its module's name (such as
    superfences, which registers pymdownx.highlight) from that module at once: Python-Markdown would
    first look the name up among every installed package's entry points (20 to 30 ms, on every check
    that converts a body), where a dotted name is not found."""

    def build_extension(self, ext_name: str, configs: Any) -> Extension:
        if ext_name.startswith("pymdownx.") and ":" not in ext_name:
            made: Extension = importlib.import_module(ext_name).makeExtension(**dict(configs))
            return made
        return super().build_extension(ext_name, configs)


def make_markdown(*, needles: bool = True) -> markdown.Markdown:
    """Return a Markdown converter of story bodies (with `needles`, one that skips the inline patterns
    that cannot match: the same HTML, sooner)."""
    return _Markdown(extensions=[*extensions(), *([NeedleExtension()] if needles else [])])


# --- Inline patterns tried only where they can match ---------------------------------------------
# Python-Markdown tries each of its 20 inline patterns on every piece of text, one regular-expression
# search each: about 4,000 tries in a real proposal, nearly all finding nothing, and the costliest
# part of a conversion. Every match of most patterns contains a known piece of text (a link, '[';
# an entity, '&'): where a text holds none of a pattern's pieces, it cannot match and is not tried.
# The HTML is the same (tests convert real bodies both ways). A pattern is known by its regular
# expression: one this table does not know, or whose expression a new version changed, is always tried.

_NEEDLES: dict[str, tuple[tuple[str, ...], bool]] = {
    # digest of the expression: (pieces one of which every match holds, compared in lower case)
    "3d22fc42d0826be0": (("`",), False),  # backtick: a code span, or backslashes before one
    "6d2f32c9e500ff7c": (("\\\n",), False),  # github_hard_break: a backslash ending a line
    "4172cdebb0a28e99": (("\\",), False),  # escape
    "d3d9a5f98b5f609d": (("[^",), False),  # footnote reference
    "a44be4e8c9eb61e2": (("[",), False),  # link, reference, short_reference
    "2e18f71e6e78f9ab": (("![",), False),  # image_link, image_reference, short_image_ref
    "702645f4305707bd": (("://",), False),  # autolink (magiclink): <http://...>
    "f741e9ae6a548a3d": (("@",), False),  # automail: <a@b>
    "4b44ae7f0bde312e": (("  \n",), False),  # linebreak: two spaces ending a line
    "fd01978b9c0e161f": (("<",), False),  # html: an inline tag, comment or declaration
    "21f69753f4e5eddf": (("://", "www."), True),  # magic-link: a bare URL, in any case
    "acffc4f41b2d3866": (("@",), False),  # magic-mail: a bare address
    "6ff22c44027b6340": (("&",), False),  # entity
    "e3e58b5060cf0228": (("*", "_"), False),  # em_strong
    "d3334d8fc13433db": (("~",), False),  # delimiter (pymdownx.tilde)
    "5f18b6f34df82167": (("~",), False),  # github_tilde
    # The expressions of the older Python-Markdown and pymdown-extensions that Python 3.10 gets:
    "6017d6c86dba1406": (("`",), False),  # backtick
    "b20b5fac7a39c921": (("<",), False),  # html
    "e667bcc77502ae32": (("://", "www."), True),  # magic-link
    "605d775cd91ec2c2": (("@",), False),  # magic-mail
    "f302d2bf9197ba1b": (("*", "_"), False),  # not_strong: a lone run of '*' or '_'
    "61af6c254c30b219": (("*",), False),  # em_strong
    "7ab239a82837e80e": (("_",), False),  # em_strong2
}


def expression_key(pattern: Any) -> str:
    """Return the key of an inline pattern's regular expression in the table of needles."""
    expression = pattern.getCompiledRegExp()
    return hashlib.blake2b(f"{expression.flags}\0{expression.pattern}".encode(), digest_size=8).hexdigest()


def needles_of(pattern: Any) -> tuple[tuple[str, ...], bool] | None:
    """Return what every match of an inline pattern holds (None: unknown, the pattern is always tried)."""
    if not isinstance(pattern, inlinepatterns.InlineProcessor):
        return None  # an old-style pattern matches the whole remaining text
    return _NEEDLES.get(expression_key(pattern))


class _NeedleInlineProcessor(treeprocessors.InlineProcessor):
    """Python-Markdown's inline processor, skipping each pattern that cannot match the text at hand."""

    _patterns: tuple[Any, ...] = ()

    def run(self, tree: Any, ancestors: list[str] | None = None) -> Any:
        patterns = tuple(self.inlinePatterns)
        if patterns != self._patterns:  # looked up once per converter, again if its patterns change
            self._patterns = patterns
            self._tried = [(pattern, needles_of(pattern)) for pattern in patterns]
        return super().run(tree, ancestors)

    # The base class's own loop, reached by its mangled name; the rest of the class calls it so.
    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802, N803 - the base class's names
        if isinstance(data, util.AtomicString):
            return data
        apply = self._InlineProcessor__applyPattern  # type: ignore[attr-defined]
        tried = self._tried
        start = 0
        while patternIndex < len(tried):
            pattern, needles = tried[patternIndex]
            if needles is not None:
                pieces, folded = needles
                # A match starts at `start` or later; lower case can only lengthen a text, so a folded
                # one is searched whole.
                text, at = (data.lower(), 0) if folded else (data, start)
                for piece in pieces:
                    if text.find(piece, at) >= 0:
                        break
                else:
                    patternIndex, start = patternIndex + 1, 0  # what a try that finds nothing returns
                    continue
            data, matched, start = apply(pattern, data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data


def _knows_inline_loop() -> bool:
    """Whether Python-Markdown's inline loop is the one `_NeedleInlineProcessor` repeats."""
    return callable(getattr(treeprocessors.InlineProcessor, "_InlineProcessor__handleInline", None)) and callable(
        getattr(treeprocessors.InlineProcessor, "_InlineProcessor__applyPattern", None)
    )


class NeedleExtension(Extension):
    """Replaces the inline processor by one that tries each pattern only where it can match."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        if _knows_inline_loop() and "inline" in md.treeprocessors:
            md.treeprocessors.register(_NeedleInlineProcessor(md), "inline", 20)
