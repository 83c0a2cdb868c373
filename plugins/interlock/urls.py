"""Where every generated page lives: its source path in the docs tree and its URL. The URLs are part
of the public contract, and every link a template makes comes from here."""

from __future__ import annotations

import re

_SOURCES = {
    "home": "index.md",
    "stories": "stories/index.md",
    "story": "stories/{key}.md",
    "projects": "projects/index.md",
    "project": "projects/{key}.md",
    "releases": "releases/index.md",
    "ranking": "ranking.md",
    "problems": "problems.md",
    "health": "health.md",
    "timeline": "timeline.md",
    "print_project": "print/projects/{key}.md",
    "print_project_release": "print/projects/{key}.md",  # key: <project>/<release slug>
}


def release_slug(release: str) -> str:
    """Return the URL segment of a release name ('2025.1' -> '2025.1', 'Newton' -> 'newton')."""
    return re.sub(r"[^a-z0-9.]+", "-", release.lower()).strip("-.") or "release"


class Urls:
    """Source paths and URLs of every generated page, following MkDocs' rules for `use_directory_urls`."""

    def __init__(self, directory_urls: bool = True) -> None:
        self.directory_urls = directory_urls

    def src(self, kind: str, key: str = "") -> str:
        """Return the page's source path inside the docs tree."""
        if kind == "release":
            return f"releases/{release_slug(key)}.md"
        if kind == "print_release":
            return f"print/{release_slug(key)}.md"
        return _SOURCES[kind].format(key=key)

    def url_of_src(self, src: str) -> str:
        """Return the URL, relative to the site root, of a Markdown source path (as MkDocs computes it)."""
        stem = src[: -len(".md")]
        if self.directory_urls:
            if stem == "index":
                return ""
            return stem[: -len("index")] if stem.endswith("/index") else stem + "/"
        return stem + ".html"

    def page(self, kind: str, key: str = "") -> str:
        """Return the URL of a page relative to the site root."""
        return self.url_of_src(self.src(kind, key))


def relative_url(target: str, current: str) -> str:
    """Return the link from the page at URL `current` to URL `target` (both relative to the site root)."""
    # String work only: this runs for every link of every page, and posixpath.relpath is slow.
    base = current if current.endswith("/") or "/" not in current else current.rsplit("/", 1)[0] + "/"
    if base and not base.endswith("/"):
        base = ""  # a page at the top level, such as index.html
    if target == base:
        return "./"
    rel = target[len(base) :] if target.startswith(base) else "../" * base.count("/") + target
    return rel or "./"
