"""Rules of the relative links and images in a story's text: each must reach another story or a
file of the story's own folder (`stories/<id>/`), as it does in the pull request on GitHub."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from ..attachments import Attachments, relative_links, resolve_link
from ..model import Diagnostic, Story
from .body import _prose_lines
from .suggest import nearest, suggest


def iter_link_problems(story: Story, stories_dir: str, story_ids: set[str], attachments: Attachments) -> Iterator[Diagnostic]:
    """Yield a problem at each relative link or image of the story's text that the site cannot resolve."""
    lowered = story.body.lower()
    if "](" not in lowered and "]:" not in lowered and "src" not in lowered and "href" not in lowered:
        return  # no link at all: most stories, on every run
    own = attachments.by_story.get(story.id, {})
    folder = f"{stories_dir}/{story.id}/"
    for number, line in _prose_lines(story):
        if "](" not in line and "]:" not in line and "=" not in line:
            continue
        for column, target in relative_links(line):
            path = resolve_link(target, stories_dir)
            shown = target if len(target) <= 80 else target[:77] + "..."

            def problem(code: str, message: str, column: int = column, number: int = number) -> Diagnostic:
                return Diagnostic(story.path, number, column, code, "error", message)

            if path.startswith(folder):
                name = path[len(folder) :]
                if name in own:
                    continue  # published, or refused with a problem of its own
                names = sorted(own)
                near = next((n for n in names if n.lower() == name.lower()), None)
                case = " (names are case-sensitive)" if near else ""
                near = near or nearest(name, names)
                hint = f"; did you mean '{story.id}/{near}'?{case}" if near else ""
                where = f"{folder} holds no file '{name}'" if own else f"there is no folder {folder} with a file '{name}'"
                yield problem("R605", f"'{shown}' points to no file: {where}{hint}; put the file there, or fix the link")
            elif posixpath.dirname(path) == stories_dir and path.endswith(".md"):
                other = posixpath.basename(path)[: -len(".md")]
                if other not in story_ids:
                    yield problem("R605", f"'{shown}' points to no story: there is no {path}{suggest(other, sorted(story_ids))}")
            elif path == folder.rstrip("/"):
                yield problem("R605", f"'{shown}' points to the folder {folder}, not a file; link one of its files")
            elif target.lower().startswith("www."):
                yield problem("R604", f"'{shown}' is read as a file beside the story; for a web page write 'https://{shown}'")
            else:
                name = posixpath.basename(path)
                where = "the repository" if path == ".." or path.startswith("../") else f"the story's folder {folder}"
                yield problem(
                    "R604",
                    f"'{shown}' points outside {where}; keep the file in {folder} and link it as '{story.id}/{name}', "
                    "so the pull request and the site both show it",
                )
