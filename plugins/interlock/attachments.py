"""A story's own files: images, SVG diagrams and PDFs kept in a folder named after the story
(`stories/<id>/`), linked from its text as GitHub shows them (`![Flow](<id>/flow.svg)`).

Every file there comes from a pull request, so each is checked before it is published: its name,
its type (by name and by content), its size, where it really is (symbolic links), and for SVG and
PDF what it would do when opened. A refused file is reported and never published."""

from __future__ import annotations

import os
import posixpath
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.parsers import expat

from .model import Diagnostic, Settings

# What the site serves, by file name ending: a description, and how its content starts.
SERVED: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".png": ("a PNG image", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("a JPEG image", (b"\xff\xd8\xff",)),
    ".jpeg": ("a JPEG image", (b"\xff\xd8\xff",)),
    ".gif": ("a GIF image", (b"GIF87a", b"GIF89a")),
    ".webp": ("a WebP image", (b"RIFF",)),
    ".svg": ("an SVG image", ()),
    ".pdf": ("a PDF document", (b"%PDF-",)),
}
SERVED_NAMES = "PNG, JPEG, GIF, WebP, SVG or PDF"
MAX_FILES = 200  # per story: more is a folder of something else
MAX_DEPTH = 3  # stories/<id>/a/b/c.png at most
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass
class Attachment:
    """One file of a story's folder, as it would be published (or why it is not)."""

    story: str
    name: str  # inside the story's folder, POSIX: "flow.svg", "diagrams/racks.png"
    rel: str  # relative to the repository root, for messages
    size: int
    content: bytes = b""
    refused: bool = False


@dataclass
class Attachments:
    """Every story's files, and the problems of the folders."""

    by_story: dict[str, dict[str, Attachment]] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)

    def published(self, story: str) -> dict[str, Attachment]:
        return {name: a for name, a in self.by_story.get(story, {}).items() if not a.refused}


def site_path(story: str, name: str) -> str:
    """Return where an attachment is published, relative to the site root (beside the story's page)."""
    return f"stories/{story}/{name}"


def scan_attachments(folders: list[Path], settings: Settings) -> Attachments:
    """Return the files of each story's folder, checked; `folders` are the folders named after a story."""
    found = Attachments()
    limit = settings.attachment_max_kb * 1024
    for folder in folders:
        story = folder.name
        files: dict[str, Attachment] = {}
        found.by_story[story] = files
        _scan(folder, folder, story, settings, limit, files, found.problems, 1)
    return found


def _scan(
    base: Path,
    folder: Path,
    story: str,
    settings: Settings,
    limit: int,
    files: dict[str, Attachment],
    problems: list[Diagnostic],
    depth: int,
) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        problems.append(Diagnostic(settings.relpath(folder), 1, 1, "R601", "error", f"the folder cannot be read ({exc.strerror})"))
        return
    for entry in entries:
        path = Path(entry.path)
        rel = settings.relpath(path)
        name = path.relative_to(base).as_posix()

        def problem(code: str, message: str, rel: str = rel) -> None:
            problems.append(Diagnostic(rel, 1, 1, code, "error", message))

        if len(files) >= MAX_FILES:
            problem("R601", f"more than {MAX_FILES} files in the folder of '{story}'; only the first {MAX_FILES} are published")
            return
        if not _NAME.match(entry.name):
            shown = entry.name.encode("unicode_escape").decode("ascii")[:60]
            if entry.name.startswith("."):
                problem("R008", f"hidden file '{shown}' is not published; remove it")
            else:
                fixed = re.sub(r"[^A-Za-z0-9._-]+", "-", entry.name).strip("-.") or "file"
                problem("R601", f"'{shown}' is not published: rename it '{fixed}' (letters, digits, '.', '-', '_'), and its links with it")
            continue
        if entry.is_symlink():
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError):
                problem("R604", "is a symbolic link to nothing, or a loop: put the file itself in the folder")
                continue
            if not target.is_relative_to(base.resolve()):
                where = "the repository" if not target.is_relative_to(settings.root.resolve()) else f"the folder of '{story}'"
                problem("R604", f"is a symbolic link out of {where}; it is not published: put the file itself in the folder")
                continue
        if entry.is_dir():
            if depth >= MAX_DEPTH:
                problem("R601", f"folders nested more than {MAX_DEPTH} deep are not published; move the files up")
            else:
                _scan(base, path, story, settings, limit, files, problems, depth + 1)
            continue
        attachment = Attachment(story, name, rel, 0, refused=True)
        files[name] = attachment
        suffix = path.suffix.lower()
        if not entry.is_file() or suffix not in SERVED:
            kind = f"a '{suffix}' file" if suffix else "a file without a type in its name"
            problem("R601", f"{kind} is not served by the site; attach {SERVED_NAMES} (export documents as PDF), or link to where it lives")
            continue
        try:
            size = path.stat().st_size
        except OSError as exc:
            problem("R601", f"the file cannot be read ({exc.strerror})")
            continue
        attachment.size = size
        if size > limit:
            problem(
                "R602",
                f"{size / 1024:,.1f} KB is over the limit of {settings.attachment_max_kb:,} KB for an attachment; "
                "make it smaller (export at a lower resolution, or SVG), or raise 'attachment_max_kb' in mkdocs.yml",
            )
            continue
        try:
            data = path.read_bytes()[: limit + 1]
        except OSError as exc:
            problem("R601", f"the file cannot be read ({exc.strerror})")
            continue
        what, signatures = SERVED[suffix]
        if signatures and not data.startswith(signatures) or (suffix == ".webp" and data[8:12] != b"WEBP"):
            problem("R601", f"its name says {what}, its content is not one; save it in that format, or give it the name of its type")
            continue
        found = audit_svg(data) if suffix == ".svg" else audit_pdf(data) if suffix == ".pdf" else []
        for line, code, message in found:
            problems.append(Diagnostic(rel, line, 1, code, "error", message))
        if not found:
            attachment.content, attachment.refused = data, False


# --- SVG ---------------------------------------------------------------------------------------
# An SVG opened on its own is a document: it can run script, load other hosts and show HTML. Only
# drawing is published: no script, event handler, foreignObject, animation that can rewrite a link,
# DOCTYPE (entities), stylesheet instruction, or reference to anything but the drawing itself.

_SVG = "http://www.w3.org/2000/svg"
_XHTML = "http://www.w3.org/1999/xhtml"
_ACTIVE_SVG = frozenset(
    {
        *("script", "foreignObject", "iframe", "embed", "object", "handler", "listener", "audio", "video", "canvas"),
        *("set", "animate", "animateMotion", "animateTransform", "animateColor", "discard"),
    }
)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.I | re.S)
_RASTER_DATA = re.compile(r"data:image/(?:png|jpeg|gif|webp)[;,]", re.I)


def _reference(value: str, *, link: bool = False) -> tuple[str, str] | None:
    """Return (code, what) when an SVG reference would load or run something, else None."""
    value = value.strip()
    if not value or value.startswith("#") or _RASTER_DATA.match(value):
        return None
    compact = re.sub(r"[\x00-\x20]", "", value).lower()
    scheme = compact.split(":", 1)[0] if ":" in compact.split("/", 1)[0] else ""
    if link and scheme in ("http", "https", "mailto"):
        return None  # a link the reader may follow, as in the story's text
    if scheme in ("http", "https") or compact.startswith("//"):
        host = urlsplit(value if not compact.startswith("//") else "https:" + value).hostname or "another host"
        return "R310", f"it loads '{value[:80]}' from {host}; the site makes no request to other hosts: draw it in the SVG, or embed it"
    if scheme:
        return "R603", f"a '{scheme}:' reference; an SVG is published with references to its own parts only ('#id')"
    return "R603", f"it refers to another file ('{value[:80]}'); an SVG is published with references to its own parts only ('#id')"


def _css_problems(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    lowered = text.lower()
    if "@import" in lowered:
        found.append(("R603", "a stylesheet '@import'; write the styles in the SVG"))
    if "expression(" in lowered or "javascript:" in lowered or "-moz-binding" in lowered:
        found.append(("R603", "script in a style"))
    for match in _CSS_URL.finditer(text):
        problem = _reference(match.group(2))
        if problem:
            found.append(problem)
    return found


class _Refused(Exception):
    pass


def audit_svg(data: bytes) -> list[tuple[int, str, str]]:
    """Return (line, code, message) for each reason not to publish an SVG; empty when it is only a drawing."""
    found: list[tuple[int, str, str]] = []
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[str] = []
    style_text: list[str] = []

    def add(code: str, message: str) -> None:
        if len(found) < 20:
            found.append((parser.CurrentLineNumber, code, f"this SVG is not published: {message}"))

    def doctype(*_: object) -> None:
        add("R603", "it declares a DOCTYPE, whose entities can expand or load files; remove the DOCTYPE")
        raise _Refused  # before the internal subset is read

    def instruction(target: str, _data: str) -> None:
        if target.lower() != "xml":
            add("R603", f"a '<?{target}' instruction, which can load a stylesheet; remove it")

    def start(name: str, attributes: dict[str, str]) -> None:
        namespace, _, local = name.rpartition(" ")
        if not stack and (local != "svg" or namespace != _SVG):
            add("R601", "its content is not an SVG drawing (the first element is not <svg> in the SVG namespace)")
            raise _Refused
        stack.append(local)
        if namespace == _XHTML or (namespace == _SVG and local in _ACTIVE_SVG):
            add("R603", f"a <{local}> element, which can run script or show another document; remove it")
        for attribute, value in attributes.items():
            attr = attribute.rpartition(" ")[2]
            if attr.lower().startswith("on"):
                add("R603", f"an '{attr}=' event handler on <{local}>; remove it")
            elif attr in ("href", "src") or attribute.endswith(" base"):
                problem = _reference(value, link=local == "a") if not attribute.endswith(" base") else ("R603", "an 'xml:base'; remove it")
                if problem:
                    add(*problem)
            elif attr == "style" or "url(" in value.lower():
                for problem in _css_problems(value):
                    add(*problem)

    def end(name: str) -> None:
        local = stack.pop() if stack else ""
        if local == "style":
            for problem in _css_problems("".join(style_text)):
                add(*problem)
            style_text.clear()

    def text(data: str) -> None:
        if stack and stack[-1] == "style":
            style_text.append(data)

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.ProcessingInstructionHandler = instruction
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(data, True)
    except _Refused:
        pass
    except expat.ExpatError as exc:
        found.append((exc.lineno or 1, "R601", f"this SVG is not published: it is not well-formed XML ({expat.ErrorString(exc.code)})"))
    except (ValueError, RecursionError):
        found.append((1, "R601", "this SVG is not published: it cannot be read as XML"))
    if not found and not stack and parser.CurrentLineNumber == 1 and not data.strip():
        found.append((1, "R601", "this SVG is not published: it is empty"))
    return found


# --- PDF ---------------------------------------------------------------------------------------
# A PDF can carry script, launch programs, embed files or submit forms. Such names are looked for
# in the file and in its compressed streams (object streams hide them), with PDF's '#xx' escapes read.

_PDF_ACTIVE = {
    b"javascript": "JavaScript",
    b"js": "JavaScript",
    b"launch": "an action that starts a program",
    b"embeddedfile": "an embedded file",
    b"embeddedfiles": "embedded files",
    b"richmedia": "embedded media",
    b"xfa": "an XFA form (which runs script)",
    b"submitform": "a form that sends data",
    b"importdata": "an action that reads other files",
    b"gotor": "an action that opens another file",
    b"gotoe": "an action that opens an embedded file",
}
_PDF_NAME = re.compile(rb"/([A-Za-z0-9#]{2,40})")
_PDF_STREAM = re.compile(rb"stream\r?\n")
_INFLATED_BUDGET = 64 * 1024 * 1024  # decompressed bytes looked at in all, per file


def _pdf_names(data: bytes) -> set[bytes]:
    names = set()
    for match in _PDF_NAME.finditer(data):
        name = match.group(1)
        if b"#" in name:
            name = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), name)
        names.add(name.lower())
    return names


def audit_pdf(data: bytes) -> list[tuple[int, str, str]]:
    """Return (line, code, message) for each reason not to publish a PDF; empty when it only shows pages."""
    names = _pdf_names(data)
    budget = _INFLATED_BUDGET
    for match in _PDF_STREAM.finditer(data):
        if budget <= 0:
            return [(1, "R603", "this PDF is not published: its compressed streams are too large to check; export it again, smaller")]
        end = data.find(b"endstream", match.end())
        chunk = data[match.end() : end if end != -1 else len(data)]
        try:
            inflated = zlib.decompressobj().decompress(chunk, budget)
        except zlib.error:
            continue  # not Flate: images and fonts in other encodings hold no names that act
        budget -= len(inflated)
        names |= _pdf_names(inflated)
    active = sorted({_PDF_ACTIVE[name] for name in names if name in _PDF_ACTIVE})
    if active:
        return [(1, "R603", f"this PDF is not published: it holds {', '.join(active)}; export or print it again as a plain PDF")]
    return []


# --- links from a story's text ---------------------------------------------------------------------

_INLINE_LINK = re.compile(r"\]\(\s*(<[^>\n]*>|[^()\s]+(?:\([^()\s]*\)[^()\s]*)*)")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]\n]+\]:\s*(<[^>\n]*>|\S+)")
_HTML_URL = re.compile(r"\b(?:src|href)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')", re.I)


def relative_links(line: str) -> list[tuple[int, str]]:
    """Return (column, target) of each link or image on a line of text that points at a relative path."""
    found: list[tuple[int, str]] = []
    for match in _INLINE_LINK.finditer(line):
        found.append((match.start(1) + 1, match.group(1)))
    reference = _REFERENCE.match(line)
    if reference:
        found.append((reference.start(1) + 1, reference.group(1)))
    for match in _HTML_URL.finditer(line):
        group = 1 if match.group(1) is not None else 2
        found.append((match.start(group) + 1, match.group(group)))
    kept = []
    for column, target in found:
        target = target[1:-1] if target.startswith("<") and target.endswith(">") else target
        parts = urlsplit(target.replace("&amp;", "&"))
        if target and not parts.scheme and not parts.netloc and not target.startswith(("/", "#", "\\")) and parts.path:
            kept.append((column, target))
    return kept


def resolve_link(target: str, stories_dir: str) -> str:
    """Return the repository path (POSIX, relative to the root) a relative link of a story points at."""
    path = unquote(urlsplit(target).path)
    return posixpath.normpath(posixpath.join(stories_dir, path))
