"""Rules of a story's Markdown body: the required sections and their headings, use-case IDs and the
acceptance criteria that cover them, placeholders, and what the published HTML would do (active
content, requests to another host, text the converter cannot take). HTML findings come from the
body as converted for the site, so prose and code are never findings."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..body import Finding, RenderedBody, github_differences
from ..loader import iter_body_lines, list_items
from ..model import Diagnostic, Project, Section, Story
from ..yamldoc import Document
from .frontmatter import ACCEPTED, PROPOSED, iter_front_matter_placeholders
from .placeholders import find_placeholder
from .suggest import nearest, suggest

REQUIRED_SECTIONS: dict[str, tuple[str, ...]] = {
    "Problem description": ("Problem description",),
    "Opportunity": ("Opportunity", "Opportunity/Justification"),
    "Use cases": ("Use cases",),
    "Usage scenarios": ("Usage scenarios",),
    "Acceptance criteria": ("Acceptance criteria",),
}
OPTIONAL_SECTIONS = ("Requirements", "External references", "Glossary", "Related stories")
KNOWN_SECTIONS = [name for names in REQUIRED_SECTIONS.values() for name in names] + list(OPTIONAL_SECTIONS)
USE_CASE_ID = re.compile(r"\b([A-Z]{3}\d{3})\b")
_EMPTY_SECTION = {"", "none", "none.", "n/a", "tbd", "todo", "-"}
_ANY_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")


def _section(story: Story, names: tuple[str, ...]) -> Section | None:
    return next((s for s in story.sections if s.title.lower() in (n.lower() for n in names)), None)


def iter_body_problems(
    doc: Document, story: Story, level: int, projects: dict[str, Project], rendered: RenderedBody | None = None
) -> Iterator[Diagnostic]:
    """Yield problems of the Markdown body: sections, use cases, criteria, placeholders and published HTML."""
    if rendered is not None:
        yield from iter_html_problems(doc, story, rendered)
    yield from iter_github_differences(doc, story, rendered)
    yield from _iter_heading_problems(doc, story, level)
    yield from _iter_use_case_problems(doc, story, level)
    yield from _iter_placeholder_problems(doc, story, level, projects)


def iter_github_differences(doc: Document, story: Story, rendered: RenderedBody | None = None) -> Iterator[Diagnostic]:
    """Yield a warning at each construct that GitHub's preview, where PMs review stories, shows otherwise than the site
    (found by the conversion, when there was one)."""
    found = rendered.differences if rendered is not None else None
    for line, message in found if found is not None else github_differences(story.body):
        yield Diagnostic(doc.path, story.body_line + line - 1, 1, "R313", "warning", message)


def _iter_heading_problems(doc: Document, story: Story, level: int) -> Iterator[Diagnostic]:
    path = doc.path
    other_levels: dict[str, tuple[int, str]] = {}
    for number, line, fenced in iter_body_lines(story.body, story.body_line):
        heading = None if fenced else _ANY_HEADING.match(line)
        if heading and len(heading.group(1)) != 2:
            other_levels.setdefault(heading.group(2).strip().lower(), (number, heading.group(1)))
    for section in story.sections:
        if section.title in KNOWN_SECTIONS:
            continue
        exact = next((name for name in KNOWN_SECTIONS if name.lower() == section.title.lower()), None)
        if exact:
            yield Diagnostic(
                path, section.line, 1, "R309", "warning", f"heading '## {section.title}' is written '## {exact}'; fix its case"
            )
        elif hint := suggest(section.title, KNOWN_SECTIONS):
            yield Diagnostic(
                path,
                section.line,
                1,
                "R309",
                "warning",
                f"section '{section.title}' is not a known section{hint}; fix the heading so the checker finds it",
            )
    for title, names in REQUIRED_SECTIONS.items():
        found = _section(story, names)
        misplaced = next((other_levels[n.lower()] for n in names if n.lower() in other_levels), None)
        if found is None and misplaced is not None:
            number, hashes = misplaced
            message = f"'{hashes} {title}' must be a level-2 heading: write '## {title}'"
            if level >= PROPOSED:
                yield Diagnostic(path, number, 1, "R301", "error", message)
            else:
                yield Diagnostic(path, number, 1, "R309", "warning", message)
        elif level >= PROPOSED and found is None:
            yield Diagnostic(
                path,
                doc.last_line,
                1,
                "R301",
                "error",
                f"missing section '## {title}': required once a story is proposed; add the heading and its text",
            )
        elif level >= PROPOSED and found is not None and found.text.strip().lower() in _EMPTY_SECTION:
            yield Diagnostic(
                path,
                found.line,
                1,
                "R302",
                "error",
                f"section '## {found.title}' has no content; write it (\"None.\" is not enough once a story is proposed)",
            )


def _iter_use_case_problems(doc: Document, story: Story, level: int) -> Iterator[Diagnostic]:
    path = doc.path
    ref = story.ref if re.fullmatch(r"[A-Z]{3}", story.ref) else ""
    use_cases = _section(story, REQUIRED_SECTIONS["Use cases"])
    ids: dict[str, int] = {}
    foreign: list[tuple[int, str]] = []
    if use_cases is not None:
        for line, text in list_items(use_cases):
            match = re.match(r"^\**([A-Za-z]{3}\d{3})\b", text)
            if not match:
                yield Diagnostic(
                    path,
                    line,
                    1,
                    "R303",
                    "error",
                    f"use case has no ID; start it with '{ref or 'ABC'}{len(ids) + 1:03d}' (the story's ref and three digits)",
                )
                continue
            uc = match.group(1)
            if ref and not uc.startswith(ref):
                foreign.append((line, uc))
            if uc in ids:
                yield Diagnostic(
                    path, line, 1, "R304", "error", f"use-case ID '{uc}' is already used at line {ids[uc]}; give each use case its own ID"
                )
                continue
            ids[uc] = line
    prefixes = {uc[:3] for _, uc in foreign}
    if len(foreign) > 1 and len(prefixes) == 1:
        # The ref changed, or the IDs were copied from another story: one cause, one message.
        line, uc = foreign[0]
        yield Diagnostic(
            path,
            line,
            1,
            "R303",
            "error",
            f"{len(foreign)} use-case IDs start with '{uc[:3]}' but the story's ref is '{ref}'; rename them '{ref}...' or change the ref",
        )
    else:
        for line, uc in foreign:
            yield Diagnostic(
                path, line, 1, "R303", "error", f"use-case ID '{uc}' does not start with the story's ref '{ref}'; rename it '{ref}{uc[3:]}'"
            )
    criteria = _section(story, REQUIRED_SECTIONS["Acceptance criteria"])
    covered: set[str] = set()
    unknown: list[tuple[int, str]] = []
    if criteria is not None:
        for line, text in list_items(criteria):
            named = USE_CASE_ID.findall(text)
            if not named and level >= PROPOSED:
                yield Diagnostic(
                    path,
                    line,
                    1,
                    "R308",
                    "error",
                    f"acceptance criterion names no use case; name the use-case IDs it covers, e.g. '({next(iter(ids), (ref or 'ABC') + '001')})'",
                )
            for uc in named:
                if uc not in ids:
                    unknown.append((line, uc))
                covered.add(uc)
    uncovered = [uc for uc in ids if uc not in covered]
    renamed: set[str] = set()
    for line, uc in unknown:
        target = nearest(uc, uncovered) if level >= ACCEPTED else None
        if target is not None and target not in renamed:
            # A renamed use case: the criterion and the uncovered use case are one problem.
            renamed.add(target)
            yield Diagnostic(
                path,
                line,
                1,
                "R305",
                "error",
                f"acceptance criterion names '{uc}', which is not a use case of this story; "
                f"was it renamed '{target}' (line {ids[target]}, covered by no criterion)?",
            )
        else:
            yield Diagnostic(
                path,
                line,
                1,
                "R305",
                "error",
                f"acceptance criterion names '{uc}', which is not a use case of this story{suggest(uc, ids)}",
            )
    if level >= ACCEPTED:
        for uc in uncovered:
            if uc not in renamed:
                yield Diagnostic(
                    path,
                    ids[uc],
                    1,
                    "R306",
                    "error",
                    f"use case '{uc}' is not covered by any acceptance criterion; name it in one (required once a story is accepted)",
                )


def _iter_placeholder_problems(doc: Document, story: Story, level: int, projects: dict[str, Project]) -> Iterator[Diagnostic]:
    found: list[tuple[int, int, str]] = []
    for path, placeholder in iter_front_matter_placeholders(doc, story, projects):
        if placeholder == "an empty gap" and level >= PROPOSED:
            continue  # reported as a missing gap (R102)
        where = doc.where(path, value=True)
        found.append((*where, placeholder))
    for number, text, fenced in iter_body_lines(story.body, story.body_line):
        hit = None if fenced else find_placeholder(text)
        if hit:
            found.append((number, 1, hit))
    if not found:
        return
    found.sort()
    if level >= PROPOSED:
        for line, col, text in found:
            yield Diagnostic(
                doc.path,
                line,
                col,
                "R110",
                "error",
                f"placeholder left in the story ({_quote(text)}); write the real text: a proposed story is read by the teams",
            )
        return
    line, col, text = found[0]
    others = ", ".join(f"line {number}" for number, _, _ in found[1:6]) + (", ..." if len(found) > 6 else "")
    yield Diagnostic(
        doc.path,
        line,
        col,
        "R110",
        "warning",
        f"this draft still holds {len(found)} placeholder{'s' if len(found) != 1 else ''} ({_quote(text)} here"
        f"{', and at ' + others if others else ''}); replace them before the story is proposed",
    )


def _quote(text: str) -> str:
    return text if text.startswith("an ") else f"'{text}'"


_FINDINGS = {
    "active": ("R307", "{what} in the story text; stories are prose: remove it (to show code, put it in a code block)"),
    "url": ("R307", "{what} in the story text; link to web pages only (https://...), never to script or inline data"),
    "host": ("R310", "{what} loads from another host; the site makes no request to other hosts: put the file beside the story"),
    "dropped": ("R312", "{what} hides the text after it on the published page; put it in a code span (`...`) or write '&lt;' for '<'"),
}


def iter_html_problems(doc: Document, story: Story, rendered: RenderedBody) -> Iterator[Diagnostic]:
    """Yield what the published HTML of a body would do that a story must not, at the source line."""
    if rendered.error is not None:
        yield Diagnostic(
            doc.path,
            story.body_line + max(rendered.error_line - 1, 0),
            1,
            "R311",
            "error",
            f"the story text from this line on cannot be converted ({rendered.error}); rewrite the construct on this line, "
            "such as an unclosed '<!' or '<?'",
        )
        return
    lines = _prose_lines(story)
    claimed: set[tuple[int, int]] = set()
    for finding in rendered.findings:
        line, col = _locate(finding, lines, claimed) or (story.body_line, 1)
        code, template = _FINDINGS[finding.kind]
        yield Diagnostic(doc.path, line, col, code, "error", template.format(what=finding.what))


def _prose_lines(story: Story) -> list[tuple[int, str]]:
    """Return (line number, text) of the body lines outside code, with code spans blanked out."""
    return [
        (number, _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line))
        for number, line, fenced in iter_body_lines(story.body, story.body_line)
        if not fenced
    ]


def _locate(finding: Finding, lines: list[tuple[int, str]], claimed: set[tuple[int, int]]) -> tuple[int, int] | None:
    needle = finding.needle.lower()
    for number, text in lines:
        start = 0
        lowered = text.lower()
        while (at := lowered.find(needle, start)) != -1:
            if (number, at) not in claimed:
                claimed.add((number, at))
                return number, at + 1
            start = at + 1
    return None
