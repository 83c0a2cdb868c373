"""Placeholder text: what the scaffold writes for a PM to replace, and the words people leave in
unfinished text. The scaffold takes its texts from here, so the checker always recognises them."""

from __future__ import annotations

import re

EXAMPLE_AUTHOR = "Your Name <you@example.org>"
EXAMPLE_EMAIL = "you@example.org"
TODO = "TODO:"
# What the scaffold writes under each required section (the use cases get an example with '...').
SECTION_HINTS = {
    "Problem description": f"{TODO} what goes wrong for users or operators today, and how often?",
    "Opportunity": f"{TODO} why solving it matters: who gains, what it unlocks, what it costs not to.",
    "Usage scenarios": f"{TODO} a concrete story of someone using the result, start to finish.",
    "Acceptance criteria": f"- {TODO} a testable criterion that names the use cases it covers ({{ref}}001).",
}
USE_CASE_EXAMPLE = "- {ref}001 As a cloud operator, I want ..., so that ..."

_WORDS = re.compile(
    r"(?<![\w/])(TBD|TODO|FIXME|XXX|N/A|n/a)(?![\w/])"  # placeholder words, as written in unfinished text
    r"|(?<!\S)(\.\.\.|…)(?=[\s,;:)]|$)"  # an ellipsis standing for missing words
)
_WORD_TEXTS = ("TBD", "TODO", "FIXME", "XXX", "N/A", "n/a", "...", "\u2026")  # what every match of _WORDS holds
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")


def find_placeholder(text: str) -> str | None:
    """Return the first placeholder in a line of prose or a value (code spans excluded), or None."""
    if EXAMPLE_EMAIL in text:
        return EXAMPLE_AUTHOR if EXAMPLE_AUTHOR in text else EXAMPLE_EMAIL
    if "`" in text:
        text = _CODE_SPAN.sub("", text)
    # The search tries every position of the line: a line without any of the words is passed first.
    if not any(word in text for word in _WORD_TEXTS):
        return None
    match = _WORDS.search(text)
    return match.group(0) if match else None
