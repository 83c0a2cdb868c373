"""Story bodies: Markdown -> the HTML that is published, made once by the core for every builder and
for the checker. The text comes from pull requests, so the HTML is sanitised here, links are
resolved here, and nothing in a body can reach the builder's own Markdown extensions."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import posixpath
import re
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urljoin, urlsplit

import nh3

from .attachments import site_path
from .urls import Urls, relative_url

if TYPE_CHECKING:
    import markdown

# Ids the story page's own header and footer use; a body heading must not take them.
RESERVED_IDS = frozenset(
    {
        "story-title",
        "story-problems",
        "affected-projects",
        "score",
        "related-stories",
        "stories-sharing-projects",
        "history",
        "status-timeline",
        "answers",
    }
)
# Class prefixes of the theme and of our own badges: a body must not look like the site's chrome.
_RESERVED_CLASS_PREFIXES = ("md-", "rm-", "il-")
# Classes the theme's scripts act on: `mermaid` makes Material load a script from a CDN.
_ACTIVE_CLASSES = frozenset({"mermaid", "arithmatex"})
# Ids the theme's scripts look up (`__config` holds its configuration, `__search` its search box):
# a body element with one of them would take the theme over.
_RESERVED_ID_PREFIXES = ("md-", "rm-", "il-", "__")

_TAGS = nh3.ALLOWED_TAGS - {"area", "map"} | {"input", "label"}
_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"align", "colspan", "rowspan", "style"},
    "th": {"align", "colspan", "rowspan", "scope", "style"},
    "ol": {"start", "type"},
    "details": {"open"},
    "time": {"datetime"},
    "input": {"type", "checked", "disabled"},
}


def is_reserved_id(value: str) -> bool:
    """Return whether an id belongs to the page's own header, footer or the theme's scripts."""
    return value in RESERVED_IDS or value.startswith(_RESERVED_ID_PREFIXES)


def is_reserved_class(name: str) -> bool:
    """Return whether a class imitates the site's chrome or makes the theme run something."""
    return name.startswith(_RESERVED_CLASS_PREFIXES) or name in _ACTIVE_CLASSES


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        kept = [name for name in value.split() if not is_reserved_class(name)]
        return " ".join(kept) or None
    if attribute == "id":
        return None if is_reserved_id(value) else value
    if attribute == "title" and ("<" in value or ">" in value):
        return None  # a theme's tooltip may insert the title as HTML
    if attribute == "src" and (is_other_host(value) or browser_url(value) != value.strip()):
        return None  # the site promises readers no request to another host; a URL with hidden characters is not kept
    if tag == "input" and attribute == "type":
        return value if value == "checkbox" else None
    return value


_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    attributes=_ATTRIBUTES,
    attribute_filter=_attribute_filter,
    url_schemes={"http", "https", "mailto"},
    link_rel=None,
    strip_comments=True,
    filter_style_properties={"text-align"},
)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def sanitize(fragment: str) -> str:
    """Return HTML without scripts, event handlers, active URLs, other-host images, spoofed classes
    or control characters (invisible, and some converters drop them)."""
    return _CLEANER.clean(_CONTROL.sub("", fragment))


_URL_SPACE = re.compile(r"[\t\n\r]")


def browser_url(url: str) -> str:
    """Return a URL as a browser reads it: leading and trailing controls and spaces dropped, and every
    tab and line break removed wherever it is (so '/\t/host' is '//host')."""
    return _URL_SPACE.sub("", url).strip("".join(chr(c) for c in range(0x21)))


def is_other_host(url: str) -> bool:
    """Return whether a URL, as a browser would read it, names another host (http://x, //x, \\\\x)."""
    text = browser_url(url).replace("\\", "/")
    if text.startswith("//"):
        return True
    parts = urlsplit(text)
    return bool(parts.scheme) and parts.scheme.lower() not in ("mailto", "data")


# --- GitHub's block structure ------------------------------------------------------------------
# PMs write and preview stories on GitHub, whose renderer (cmark-gfm) reads lists by CommonMark's
# rules; Python-Markdown reads them by its own: a list must follow a blank line, and nesting takes
# four spaces. No kept extension changes that (mdx_truly_sane_lists, last released in 2022, only
# fixes the indent to one width, and replaces the list processors pymdownx.fancylists needs), so
# this preprocessor rewrites the lines the way Python-Markdown reads the structure GitHub sees: a
# blank line before a block that interrupts a paragraph or a list, each line of a list item
# re-indented from the item's content column onto Python-Markdown's four-space steps, and a closing
# fence where GitHub ends an unclosed one; and it keeps each HTML block raw up to where GitHub ends
# it. It changes indentation and blank lines only, never text.

_ITEM = re.compile(r"([-+*]|(\d{1,9})[.)])(?:( +)(.*))?$")
_THEMATIC_BREAK = re.compile(r"(?:(?:\*[ ]*){3,}|(?:-[ ]*){3,}|(?:_[ ]*){3,})$")
_SETEXT_UNDERLINE = re.compile(r"(?:=+|-+)[ ]*$")
_ATX_HEADING = re.compile(r"#{1,6}(?: |$)")
_FENCE_OPENER = re.compile(r"(`{3,})(?!.*`)|(~{3,})")
_DELIMITER_ROW = re.compile(r"\|?[ ]*:?-+:?[ ]*(?:\|[ ]*:?-+:?[ ]*)*\|?[ ]*$")
_BLOCK_TAGS = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|dialog|dir|div|dl|dt|"
    "fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|"
    "menuitem|nav|noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|thead|title|tr|track|ul"
)
# CommonMark's HTML blocks: how each starts, and what ends it (None: the next blank line).
_HTML_BLOCKS: list[tuple[re.Pattern[str], re.Pattern[str] | None]] = [
    (re.compile(r"<(?:pre|script|style|textarea)(?:[ >]|$)", re.I), re.compile(r"</(?:pre|script|style|textarea)>", re.I)),
    (re.compile(r"<!--"), re.compile(r"-->")),
    (re.compile(r"<\?"), re.compile(r"\?>")),
    (re.compile(r"<![A-Za-z]"), re.compile(r">")),
    (re.compile(r"<!\[CDATA\["), re.compile(r"\]\]>")),
    (re.compile(rf"</?(?:{_BLOCK_TAGS})(?:[ >]|/>|$)", re.I), None),
]
# The seventh kind: a line holding one whole tag of any other element; it cannot interrupt a paragraph.
_HTML_TAG_LINE = re.compile(
    r"(?:<[A-Za-z][A-Za-z0-9-]*(?:\s+[A-Za-z_:][\w.:-]*(?:\s*=\s*(?:[^\s\"'=<>`]+|'[^']*'|\"[^\"]*\"))?)*\s*/?>"
    r"|</[A-Za-z][A-Za-z0-9-]*\s*>)\s*$"
)
_STEP = 4  # Python-Markdown's tab_length: one level of nesting
# Python-Markdown recurses once per level and slows down with each: deeper lists are shown at this
# level, and deeper quotes are left to Python-Markdown (which bounds them itself).
MAX_NESTING = 20
_BULLETS = "-*+"
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
# A bare link holding a bracketed part (https://w.example.org/a_(b)): not an autolink <...>, nor the
# target of a link [text](...).
_BARE_LINK_WITH_PARENTHESES = re.compile(r"(?<![<\w])(?<!\]\()(?:https?|ftp)://[^\s<>()]*\([^\s<>()]*\)[^\s<>()]*")


@functools.cache
def _ends_links_early() -> bool:
    """Whether the installed pymdown-extensions ends a bare link before a balanced ')' (before 13,
    the newest for Python 3.10), where GitHub keeps it in the link."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return int(version("pymdown-extensions").split(".")[0]) < 13
    except (PackageNotFoundError, ValueError):
        return False


def _cells(row: str) -> int:
    row = row.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    return len(re.split(r"(?<!\\)\|", row))


class GitHubBlocks:
    """One pass over a body's lines (or a block quote's), keeping the list items open at each line."""

    def __init__(self, lines: list[str], stash: Callable[[str], str] | None, first: int = 1, level: int = 0) -> None:
        self.lines = lines
        self.level = level  # how many quotes hold these lines
        self.stash = stash  # keeps raw HTML aside and returns its placeholder
        self.first = first  # the body's line number of lines[0]
        self.differences: list[tuple[int, str]] = []  # (line, what still renders otherwise, and the portable way)
        self.out: list[str] = []
        self.items: list[tuple[int, str]] = []  # open list items: (GitHub content column, marker kind)
        self.fence: tuple[str, int, int] | None = None  # open fence: (character, length, depth)
        self.table = False  # the last line was a table row
        self.paragraph = False  # the last line was paragraph text, which a plain line continues
        self.list_run = False  # no blank line since a list item's line: Python-Markdown reads them as one block

    def emit(self, depth: int, text: str, extra: int = 0) -> None:
        self.out.append(" " * (_STEP * min(depth, MAX_NESTING) + extra) + text)

    def blank(self) -> None:
        if self.out and self.out[-1].strip():
            self.out.append("")
        self.list_run = False

    def differ(self, index: int, message: str) -> None:
        self.differences.append((self.first + index, message))

    def code_pipes(self, index: int) -> None:
        if any("\\|" in span.group(0) for span in _CODE_SPAN.finditer(self.lines[index])):
            self.differ(
                index,
                "'\\|' in code in a table cell shows as '|' on GitHub, as '\\|' on the site; write that cell's code as <code>a&#124;b</code>",
            )

    def close_fence(self) -> None:
        if self.fence is not None:
            char, length, depth = self.fence
            self.emit(depth, char * length)
            self.fence = None

    def run(self) -> list[str]:
        index = 0
        while index < len(self.lines):
            index = self.line(index)
        self.close_fence()  # GitHub ends an unclosed fence with the document
        return self.out

    def item(self, text: str, interrupting: bool) -> re.Match[str] | None:
        match = _ITEM.match(text)
        if match is None or _THEMATIC_BREAK.match(text):
            return None
        if interrupting and (not match.group(4) or (match.group(2) is not None and int(match.group(2)) != 1)):
            return None  # only a non-empty bullet, or a list starting at 1, interrupts a paragraph
        return match

    def starts_block(self, index: int, text: str, interrupting: bool) -> str | None:
        if _FENCE_OPENER.match(text):
            return "fence"
        if _ATX_HEADING.match(text):
            return "heading"
        if text.startswith(">") and self.level < MAX_NESTING:
            return "quote"
        if _THEMATIC_BREAK.match(text) and not (interrupting and _SETEXT_UNDERLINE.match(text)):
            return "break"
        if self.item(text, interrupting):
            return "item"
        if any(start.match(text) for start, _ in _HTML_BLOCKS):
            return "html"
        if not interrupting and _HTML_TAG_LINE.match(text) and not re.match(r"</?(?:pre|script|style|textarea)\b", text, re.I):
            return "html"
        following = self.lines[index + 1].strip() if index + 1 < len(self.lines) else ""
        if "|" in text and _DELIMITER_ROW.match(following) and _cells(text) == _cells(following):
            return "table"
        return None

    def depth_of(self, indent: int) -> int:
        depth = len(self.items)
        while depth and indent < self.items[depth - 1][0]:
            depth -= 1
        return depth

    def bare_links(self, index: int, text: str) -> None:
        if "://" in text and "(" in text and _ends_links_early():
            for match in _BARE_LINK_WITH_PARENTHESES.finditer(_CODE_SPAN.sub("", text)):
                url = match.group(0).rstrip(".,:;!?*_~'\"")  # punctuation that ends a sentence is not the link's
                if url.endswith(")"):
                    self.differ(index, f"the bare link {url} ends before its ')' on this site; write it as <{url}>")

    def line(self, index: int) -> int:
        line = self.lines[index]
        text = line.lstrip(" ")
        indent = len(line) - len(text)
        depth = self.depth_of(indent)
        if text and self.fence is None:
            self.bare_links(index, text)
        if not text:
            self.out.append("")  # every blank line kept: Python-Markdown's block splitting counts them
            if self.fence is None:
                self.table, self.paragraph, self.list_run = False, False, False
            return index + 1
        if self.fence is not None:
            char, length, fence_depth = self.fence
            if depth >= fence_depth:
                relative = indent - (self.items[fence_depth - 1][0] if fence_depth else 0)
                self.emit(fence_depth, text, relative)
                if relative < 4 and re.fullmatch(rf"{re.escape(char)}{{{length},}}[ ]*", text):
                    self.fence = None
                return index + 1
            self.close_fence()  # the list item holding the fence ended, and the fence with it
        relative = indent - (self.items[depth - 1][0] if depth else 0)
        interrupting = self.paragraph and depth == len(self.items)
        kind = self.starts_block(index, text, interrupting) if relative < 4 else None
        if kind is None:
            if self.paragraph:  # a continuation line, lazy or not, stays in its paragraph
                self.emit(len(self.items), text)
            elif self.table and depth == len(self.items):
                self.emit(depth, text)
                self.code_pipes(index)
            else:
                del self.items[depth:]
                self.table = False
                self.emit(depth, text, relative if relative >= 4 else 0)
                self.paragraph = relative < 4
            return index + 1
        previous_kind = self.items[depth][1] if depth < len(self.items) else None
        del self.items[depth:]
        self.paragraph = self.table = False
        if kind == "item":
            match = self.item(text, interrupting)
            assert match is not None
            marker, spaces, content = match.group(1), match.group(3) or "", match.group(4) or ""
            marker_kind = marker[-1]
            if previous_kind is not None and previous_kind in _BULLETS and marker_kind in _BULLETS and previous_kind != marker_kind:
                self.differ(
                    index,
                    f"a '{marker_kind}' item after '{previous_kind}' items starts a new list on GitHub, not on the site; use one bullet character for the list, or put a line of text between two lists",
                )
            elif not self.list_run or (previous_kind is not None and previous_kind != marker_kind):
                self.blank()  # a new list: Python-Markdown starts one only after a blank line
            if depth == MAX_NESTING and not any("nested more than" in message for _, message in self.differences):
                self.differ(
                    index, f"a list nested more than {MAX_NESTING} levels deep is shown {MAX_NESTING} levels deep on the site; nest it less"
                )
            width = len(spaces) if 1 <= len(spaces) <= 4 and content else 1
            self.items.append((indent + len(marker) + width, marker_kind))
            self.emit(depth, f"{marker} {content}")
            self.list_run = True
            fence = _FENCE_OPENER.match(content)
            if fence:
                self.fence = (content[0], len(fence.group(0)), depth + 1)
            else:
                self.paragraph = bool(content)
            return index + 1
        if kind != "fence" or not self.list_run:
            self.blank()  # Python-Markdown would read the block as part of the paragraph before it
        if kind == "quote":
            return self.quote(index, depth)
        if kind == "fence":
            fence = _FENCE_OPENER.match(text)
            assert fence is not None
            self.fence = (text[0], len(fence.group(0)), depth)
            self.emit(depth, text, relative)
        elif kind == "html":
            return self.html_block(index, depth)
        elif kind == "table":
            self.emit(depth, text)
            self.emit(depth, self.lines[index + 1].strip())
            self.table = True
            following = self.lines[index + 2] if index + 2 < len(self.lines) else ""
            if not following.strip() or self.depth_of(len(following) - len(following.lstrip(" "))) < depth:
                self.differ(
                    index,
                    "a table with no row below its header shows an empty row on the site, none on GitHub; add a row, or write the header as text",
                )
            self.code_pipes(index)
            return index + 2
        else:
            self.emit(depth, text)
        return index + 1

    def html_block(self, index: int, depth: int) -> int:
        """Keep an HTML block raw up to where GitHub ends it (its end tag, or a blank line), so the
        Markdown after it is converted, as on GitHub, even inside <details>; return the next index."""
        end = next((end for start, end in _HTML_BLOCKS if start.match(self.lines[index].lstrip(" "))), None)
        base = self.items[depth - 1][0] if depth else 0
        raw: list[str] = []
        while index < len(self.lines):
            line = self.lines[index]
            text = line.lstrip(" ")
            if raw and ((end is None and not text) or (text and self.depth_of(len(line) - len(text)) < depth)):
                break
            raw.append(line[min(base, len(line) - len(text)) :])
            index += 1
            if end is not None and end.search(text):
                break
        if self.stash is None:
            for line in raw:
                self.emit(depth, line)
        else:
            self.emit(depth, self.stash("\n".join(raw)))
            self.out.append("")
            self.list_run = False
        return index

    def quote(self, index: int, depth: int) -> int:
        """Rewrite the run of '>' lines from `index` as a document of its own; return the next index."""
        inner: list[str] = []
        while index < len(self.lines):
            line = self.lines[index]
            text = line.lstrip(" ")
            indent = len(line) - len(text)
            relative = indent - (self.items[depth - 1][0] if depth else 0)
            if not text.startswith(">") or relative >= 4 or self.depth_of(indent) < depth:
                break
            inner.append(text[2:] if text.startswith("> ") else text[1:])
            index += 1
        nested = GitHubBlocks(inner, self.stash, self.first + index - len(inner), self.level + 1)
        for text in nested.run():
            self.emit(depth, f"> {text}" if text else ">")
        self.paragraph = nested.paragraph
        self.differences.extend(nested.differences)
        return index


def github_blocks(lines: list[str], stash: Callable[[str], str] | None = None) -> list[str]:
    """Return Markdown lines that Python-Markdown reads into the block structure GitHub shows; with
    `stash`, each HTML block is replaced by the placeholder it returns."""
    return GitHubBlocks(lines, stash).run()


def github_differences(text: str) -> list[tuple[int, str]]:
    """Return (line of the body, message) for each construct the site still renders otherwise than GitHub.
    A conversion finds the same ones (RenderedBody.differences): this reads the lines as it does."""
    blocks = GitHubBlocks(normalized_lines(text), None)
    blocks.run()
    return sorted(blocks.differences)


_BLANK_WITH_SPACES = re.compile(r"(?<=\n) +\n")


def normalized_lines(text: str) -> list[str]:
    """Return a body's lines as Python-Markdown hands them to the block structure preprocessor (its
    NormalizeWhitespace: no STX or ETX, Unix line ends, tabs expanded, lines of spaces emptied)."""
    source = text.replace("\x02", "").replace("\x03", "")
    source = source.replace("\r\n", "\n").replace("\r", "\n") + "\n\n"
    return _BLANK_WITH_SPACES.sub("\n", source.expandtabs(_STEP)).split("\n")


# Part of every cache key: a change of the conversion must not reuse old HTML.
CONVERSION_VERSION = "4"


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    text: str  # HTML-escaped plain text


@dataclass(frozen=True)
class Finding:
    """Something the converted HTML would do that a story must not; the sanitiser removes it."""

    kind: str  # active | url | host
    what: str  # for the message: "a <script> element", "an image from tracker.example.org"
    needle: str  # text to look for in the source, to report the line


@dataclass
class RenderedBody:
    """A story body as published: sanitised HTML whose relative links are still as the author wrote them."""

    html: str
    headings: list[Heading] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None  # why the text could not be converted, if so
    error_line: int = 1  # the first line (of the body) whose text breaks the converter
    differences: list[tuple[int, str]] | None = None  # github_differences of the text, found while converting


# Elements that run code, load or embed another document, submit data or restyle the page.
_ACTIVE_TAGS = frozenset(
    [
        "script",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "base",
        "meta",
        "link",
        "form",
        "style",
        "svg",
        "math",
        "template",
        "portal",
        "noscript",
    ]
)
_URL_ATTRIBUTES = frozenset(
    [
        "href",
        "src",
        "srcset",
        "action",
        "formaction",
        "poster",
        "data",
        "background",
        "xlink:href",
        "cite",
        "longdesc",
        "lowsrc",
        "dynsrc",
        "ping",
    ]
)
_LOADING_ATTRIBUTES = frozenset(["src", "srcset", "poster", "data", "background", "xlink:href", "lowsrc", "dynsrc"])
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})


class _Auditor(HTMLParser):
    """Lists what converted HTML would make a reader's browser do beyond showing text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.findings: list[Finding] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _ACTIVE_TAGS:
            self.findings.append(Finding("active", f"a <{tag}> element", f"<{tag}"))
        for name, value in attrs:
            value = (value or "").strip()
            if name.startswith("on"):
                self.findings.append(Finding("active", f"an '{name}=' event attribute", name))
            elif name == "id" and value.startswith("__"):
                self.findings.append(Finding("active", f"the id '{value}', which the theme's scripts use", value))
            elif name == "class" and (active := [c for c in value.split() if c in _ACTIVE_CLASSES]):
                self.findings.append(Finding("active", f"the class '{active[0]}', which makes the theme load a script", active[0]))
            elif name == "title" and ("<" in value or ">" in value):
                self.findings.append(Finding("active", "a title attribute holding HTML", "title="))
            elif name == "style" and "url(" in value.lower().replace(" ", ""):
                self.findings.append(Finding("host", "a style with url(...)", "url("))
            elif name in _URL_ATTRIBUTES and value:
                for url in value.split(",") if name == "srcset" else [value]:
                    self.url(tag, name, url.strip().split(" ")[0])

    handle_startendtag = handle_starttag

    def url(self, tag: str, name: str, url: str) -> None:
        compact = re.sub(r"[\x00-\x20]", "", browser_url(url))
        scheme = urlsplit(compact).scheme.lower() if ":" in compact.split("/")[0] else ""
        if scheme and scheme not in _SAFE_SCHEMES:
            self.findings.append(Finding("url", f"a '{scheme}:' URL", url[: max(len(scheme) + 1, 8)]))
        elif name in _LOADING_ATTRIBUTES and is_other_host(url):
            host = urlsplit(url.replace("\\", "/") if not url.startswith("//") else "https:" + url).hostname or "another host"
            what = "an image" if tag == "img" else f"the {name} of a <{tag}>"
            self.findings.append(Finding("host", f"{what} from {host}", url))


# Raw HTML that a browser (and the sanitiser) reads as a declaration, a processing instruction or a
# comment that never ends: the text after it disappears from the page.
_SWALLOWING = [
    (re.compile(r"<!\["), "'<![' (an HTML declaration)", "<!["),
    (re.compile(r"<\?"), "'<?' (a processing instruction)", "<?"),
    (re.compile(r"<!--(?![\s\S]*?-->)"), "'<!--' never closed by '-->'", "<!--"),
]


def audit(converted: str) -> list[Finding]:
    """Return the findings of converted (not yet sanitised) HTML, in document order."""
    findings = [Finding("dropped", what, needle) for pattern, what, needle in _SWALLOWING for _ in pattern.finditer(converted)]
    auditor = _Auditor()
    try:
        auditor.feed(converted)
        auditor.close()
    except (AssertionError, ValueError):  # the standard parser gives up on some declarations: reported above
        pass
    return findings + auditor.findings


_URL_ATTRIBUTE = re.compile(r'\b(href|src)="([^"]*)"')
_ID_ATTRIBUTE = re.compile(r'\bid="')


# Python-Markdown's inline and heading processing is quadratic on some inputs (a paragraph of
# thousands of '[', thousands of equal headings): bound them before converting, and time the rest.
MAX_BRACKETS_PER_BLOCK = 1000
MAX_DECLARATIONS = 100
MAX_HEADINGS = 1000
CONVERSION_SECONDS = 5


def too_costly(text: str) -> tuple[int, str] | None:
    """Return (line, reason) when a body holds what would take the converter minutes, else None."""
    if text.count("<!") > MAX_DECLARATIONS:
        return text[: text.index("<!")].count("\n") + 1, f"more than {MAX_DECLARATIONS} '<!' in one story"
    headings = 0
    block_start, brackets = 1, 0
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            block_start, brackets = number + 1, 0
            continue
        headings += line.lstrip().startswith("#")
        brackets += line.count("[") + line.count("(")
        if brackets > MAX_BRACKETS_PER_BLOCK:
            return block_start, f"more than {MAX_BRACKETS_PER_BLOCK} '[' and '(' in one paragraph; split it with blank lines"
        if headings > MAX_HEADINGS:
            return number, f"more than {MAX_HEADINGS} headings in one story"
    return None


class _TooSlow(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Raise _TooSlow in the block after `seconds`, where the platform allows it (the main thread, POSIX)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield  # mkdocs serve rebuilds in a thread: the limits of too_costly still apply there
        return

    def expired(signum: int, frame: object) -> None:
        raise _TooSlow

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _text_key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class BodyRenderer:
    """Converts story bodies with one Markdown instance, keeping each result by the text's digest."""

    def __init__(self) -> None:
        self._instance: markdown.Markdown | None = None  # made when first needed: a check that converts nothing never pays for it
        self._kept: dict[str, RenderedBody] = {}

    @property
    def _md(self) -> markdown.Markdown:
        if self._instance is None:
            from .markup import make_markdown  # Python-Markdown is imported only by a run that converts

            self._instance = make_markdown()
        return self._instance

    def render(self, text: str) -> RenderedBody:
        """Return the published HTML of a story body (converted once per distinct text)."""
        key = _text_key(text)
        found = self._kept.get(key)
        if found is None:
            found = self._kept[key] = self._convert(text)
        return found

    def prepare(self) -> None:
        """Set the converter up now (importing Python-Markdown and its extensions, and compiling their
        expressions: a tenth of a second), so that workers forked later find it made."""
        self._md  # noqa: B018 - made when first asked for

    def detached(self) -> BodyRenderer:
        """Return a renderer with what this one converted so far and nothing else: no cache on disk
        (a forked worker's, which must not use the parent's SQLite connection). It uses this one's
        converter, when made: in a forked worker, a copy of it."""
        plain = BodyRenderer()
        plain._kept = self._kept
        plain._instance = self._instance
        return plain

    def has(self, text: str) -> bool:
        """Return whether the text's conversion is at hand, here or in the cache on disk."""
        return _text_key(text) in self._kept or self.known(text)

    def adopt(self, text: str, body: RenderedBody) -> None:
        """Keep a conversion of `text` made elsewhere (by a forked worker's renderer), as if made here."""
        key = _text_key(text)
        if key not in self._kept:
            self._kept[key] = body
            self._keep(text, body)

    def known(self, text: str) -> bool:
        """Return whether the text's conversion is kept elsewhere (the cache on disk, in a subclass)."""
        return False

    def _keep(self, text: str, body: RenderedBody) -> None:
        """Keep a conversion made by the pool elsewhere too (the cache on disk, in a subclass)."""

    def _convert(self, text: str) -> RenderedBody:
        costly = too_costly(text)
        if costly is not None:
            line, reason = costly
            return RenderedBody(
                '<p class="rm-muted">This story\'s text could not be converted; the checker reports the line to fix.</p>',
                error=reason,
                error_line=line,
            )
        try:
            with time_limit(CONVERSION_SECONDS):
                converted = self._try(text)
        except _TooSlow:
            return RenderedBody(
                '<p class="rm-muted">This story\'s text could not be converted; the checker reports the line to fix.</p>',
                error=f"it takes more than {CONVERSION_SECONDS} s to convert; runs of '[', '(' or '<!' without their pair are the usual cause",
            )
        except Exception as exc:  # noqa: BLE001 - any extension may fail on hostile text; the checker reports it
            return RenderedBody(
                '<p class="rm-muted">This story\'s text could not be converted; the checker reports the line to fix.</p>',
                error=f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__,
                error_line=self._failing_line(text),
            )
        tokens: list[dict[str, Any]] = getattr(self._md, "toc_tokens", [])
        from .markup import found_differences  # imported with the converter

        differences = found_differences(self._md)
        return RenderedBody(
            _named_task_boxes(sanitize(converted)),
            _flatten(tokens),
            audit(converted),
            differences=differences if differences is not None else github_differences(text),
        )

    def _try(self, text: str) -> str:
        self._md.reset()
        try:
            return str(self._md.convert(text))
        except Exception:
            self._instance = None  # its state is unknown: a new one next time
            raise

    def _failing_line(self, text: str) -> int:
        """Return the first line whose text, with the lines before it, makes the conversion fail."""
        lines = text.split("\n")
        good, bad = 0, len(lines)
        while bad - good > 1:
            middle = (good + bad) // 2
            try:
                self._try("\n".join(lines[:middle]))
                good = middle
            except Exception:  # noqa: BLE001
                bad = middle
        return bad


_TASK_BOX = re.compile(r'<label class="task-list-control"><input type="checkbox" disabled=""( checked="")?>')


def _named_task_boxes(fragment: str) -> str:
    """Give each task list's checkbox a name for screen readers (the task's text follows its label)."""
    return _TASK_BOX.sub(
        lambda m: (
            f'<label class="task-list-control"><input type="checkbox" disabled=""{m.group(1) or ""} aria-label="{"done" if m.group(1) else "to do"}">'
        ),
        fragment,
    )


def _flatten(tokens: list[dict[str, Any]]) -> list[Heading]:
    found: list[Heading] = []
    for token in tokens:
        found.append(Heading(int(token["level"]), str(token["id"]), html.escape(html.unescape(str(token["name"])), quote=False)))
        found.extend(_flatten(token.get("children", [])))
    return found


class BodyPlacer:
    """Places a rendered body on a page: relative links resolved from the story's file to the page."""

    def __init__(self, urls: Urls, stories_dir: str, story_ids: set[str], attachments: dict[str, set[str]] | None = None) -> None:
        self.urls = urls
        self.stories_dir = stories_dir.strip("/")
        self.story_ids = story_ids
        self.attachments = attachments or {}  # by story: the names of its published files

    def place(self, body: RenderedBody, page_src: str, *, id_prefix: str = "", base: str | None = None, story: str | None = None) -> str:
        """Return the body's HTML as seen from the page `page_src`; `id_prefix` keeps ids unique in
        packets, and with `base` (the site's address) links to other stories and to the story's
        own files (those of `story`) are absolute."""
        here = self.urls.url_of_src(page_src)
        own = self.attachments.get(story, set()) if story else set()
        folder = f"{self.stories_dir}/{story}/"

        def resolve(match: re.Match[str]) -> str:
            attribute, raw = match.group(1), match.group(2)
            value = html.unescape(raw)
            if value.startswith("#"):
                return f'{attribute}="#{id_prefix}{raw[1:]}"' if id_prefix else match.group(0)
            parts = urlsplit(value)
            if parts.scheme or parts.netloc or value.startswith("/") or not parts.path:
                return match.group(0)
            target = posixpath.normpath(posixpath.join(self.stories_dir, unquote(parts.path)))
            if story and own and target.startswith(folder) and target[len(folder) :] in own:
                path = site_path(story, target[len(folder) :])
                # Paper shows a link's address, so it is absolute; an image is loaded from the site itself, never another host.
                url = urljoin(base, path) if base and attribute == "href" else relative_url(path, here)
                return f'{attribute}="{html.escape(url)}"'
            parent, _, name = target.rpartition("/")
            if parent == self.stories_dir and name.endswith(".md") and name[:-3] in self.story_ids:
                page = self.urls.page("story", name[:-3])
                url = urljoin(base, page) if base else relative_url(page, here)
                fragment = f"#{parts.fragment}" if parts.fragment else ""
                return f'{attribute}="{html.escape(url + fragment)}"'
            return match.group(0)

        placed = _URL_ATTRIBUTE.sub(resolve, body.html)
        if id_prefix:
            placed = _ID_ATTRIBUTE.sub(f'id="{id_prefix}', placed)
        return placed
