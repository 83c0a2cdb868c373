"""The GitHub Actions reporter: workflow-command annotations for the log and the checks page, and a
Markdown job summary listing every diagnostic. It owns both escapings: the workflow-command one (so a
message can neither end its line nor forge a command) and the Markdown one (so a value can neither
inject Markdown or HTML, ping anyone, autolink a URL nor break the table).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Mapping, Sequence

from ..model import Diagnostic
from .text import escape_controls

# GitHub's REST reference for check runs (docs.github.com/en/rest/checks/runs, `output.annotations`):
# "GitHub Actions are limited to 10 warning annotations and 10 error annotations per step."
# Annotations past that are dropped without a word, so we stop there and say how many were left out.
ANNOTATIONS_PER_SEVERITY = 10

# docs.github.com "Workflow commands for GitHub Actions", Step isolation and limits: "each step is
# restricted to a maximum size of 1MiB ... If more than 1MiB of content is added for a step, then the
# upload for the step will fail" -- the whole summary is lost, so rows stop before the limit instead.
STEP_SUMMARY_LIMIT = 1024 * 1024
# Left for the heading, the closing note and whatever else the same step appends.
_SUMMARY_RESERVE = 4 * 1024


def escape_data(text: str) -> str:
    """Return `text` escaped as the data (message) of a workflow command.

    `%`, CR and LF are escaped exactly as actions/toolkit does (packages/core/src/command.ts,
    `escapeData`: `%` -> `%25` first, then CR -> `%0D`, LF -> `%0A`); the runner decodes them, so a
    multi-line message still shows as such in the annotation while the log keeps it on one line. The
    runner decodes nothing else, so the other invisible characters (NEL and U+2028/U+2029, which some
    viewers break lines at, ESC, which starts a terminal colour sequence in the log, bidi overrides) are
    shown as the text reporter shows them.
    """
    return escape_controls(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    """Return `text` escaped as a property value (`file=`, `title=`) of a workflow command.

    As actions/toolkit's `escapeProperty` (same file): the data escapes, then `:` -> `%3A` and `,` ->
    `%2C`, since `,` separates properties and `::` ends them.
    """
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(d: Diagnostic) -> str:
    kind = "error" if d.severity == "error" else "warning"
    properties = []
    if d.path:
        properties.append(f"file={escape_property(d.path)}")
        # GitHub places an annotation without a usable line at the top of the file.
        if d.line >= 1:
            properties.append(f"line={d.line}")
            if d.col >= 1:
                properties.append(f"col={d.col}")
    properties.append(f"title={escape_property(d.code)}")
    return f"::{kind} {','.join(properties)}::{escape_data(d.message)}"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def github_annotations(diagnostics: Iterable[Diagnostic]) -> list[str]:
    """Return workflow-command lines: the first 10 errors and first 10 warnings, then one notice counting the rest."""
    lines: list[str] = []
    shown = {"error": 0, "warning": 0}
    left_out = {"error": 0, "warning": 0}
    for d in diagnostics:
        kind = "error" if d.severity == "error" else "warning"
        if shown[kind] < ANNOTATIONS_PER_SEVERITY:
            shown[kind] += 1
            lines.append(_annotation(d))
        else:
            left_out[kind] += 1
    if left_out["error"] or left_out["warning"]:
        counts = [_plural(left_out[kind], f"more {kind}", f"more {kind}s") for kind in ("error", "warning") if left_out[kind]]
        verb = "was" if sum(left_out.values()) == 1 else "were"
        note = (
            f"{' and '.join(counts)} {verb} not annotated: GitHub shows at most {ANNOTATIONS_PER_SEVERITY} error and "
            f"{ANNOTATIONS_PER_SEVERITY} warning annotations per step. The job summary lists every problem."
        )
        lines.append(f"::notice title=interlock::{escape_data(note)}")
    return lines


# GFM lets a backslash escape any ASCII punctuation character, and the escaped character is plain text
# wherever it stands: no emphasis, link, heading, list, code span, HTML tag, entity or table pipe.
_MARKDOWN_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")
# Mentions and autolinks are found in the rendered text, where backslash escapes are already gone, so
# they are broken by a zero-width space instead: after `@` (mentions, e-mail and xmpp autolinks), inside
# `://` (http, https, ftp) and inside `www.`.
_ZWSP = "\u200b"
_LINKISH = re.compile(r"@|:(?=//)|www(?=\.)", re.IGNORECASE)


def escape_markdown(text: str) -> str:
    """Return `text` as inert Markdown for one table cell or paragraph: what it says, shown literally, on one line."""
    # Invisible characters first: CR, LF, U+2028 become visible escapes, so nothing can end the row, and
    # a zero-width space that came with the text shows as `\u200b` rather than passing for one of ours.
    text = escape_controls(text)
    text = _LINKISH.sub(lambda m: m.group(0) + _ZWSP, text)
    return _MARKDOWN_PUNCTUATION.sub(lambda m: "\\" + m.group(0), text)


def step_summary(diagnostics: Sequence[Diagnostic], summary_line: str) -> str:
    """Return a Markdown job summary: a heading, the summary line and a table of every diagnostic (as many as fit in 1 MiB)."""
    lines = ["## interlock check", "", escape_markdown(summary_line)]
    if not diagnostics:
        return "\n".join(lines) + "\n"
    lines += ["", "| Path | Line | Code | Severity | Message |", "| --- | --- | --- | --- | --- |"]
    size = sum(len(line.encode("utf-8")) + 1 for line in lines)
    for listed, d in enumerate(diagnostics):
        cells = (d.path, str(d.line), d.code, d.severity, d.message)
        row = "| " + " | ".join(escape_markdown(cell) for cell in cells) + " |"
        size += len(row.encode("utf-8")) + 1
        if size > STEP_SUMMARY_LIMIT - _SUMMARY_RESERVE:
            omitted = len(diagnostics) - listed
            note = (
                f"{_plural(omitted, 'more problem is', 'more problems are')} not listed: GitHub drops a step summary "
                f"over 1 MiB. `interlock check` lists them all."
            )
            lines += ["", escape_markdown(note)]
            break
        lines.append(row)
    return "\n".join(lines) + "\n"


def write_step_summary(text: str, env: Mapping[str, str] = os.environ) -> bool:
    """Append `text` to the file `GITHUB_STEP_SUMMARY` names, if that is an existing regular file; return whether it was written."""
    name = env.get("GITHUB_STEP_SUMMARY")
    if not name:
        return False
    # The runner creates the file before the step starts. Anything else under that name is not ours to
    # touch: no O_CREAT (a missing file, or a missing parent, stays missing), O_NOFOLLOW (no symlink is
    # followed), O_NONBLOCK (a FIFO without a reader fails at once instead of hanging the check), and
    # the fstat refuses devices, sockets and directories.
    flags = os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        if not hasattr(os, "O_NOFOLLOW") and os.path.islink(name):
            return False
        fd = os.open(name, flags)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        data = text.encode("utf-8", "backslashreplace")  # a lone surrogate in unescaped text must not stop the report
        while data:
            data = data[os.write(fd, data) :]
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
