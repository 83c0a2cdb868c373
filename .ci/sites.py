"""CI's checks of built sites: two builders made the same pages, and a build holds every roadmap page.

    python .ci/sites.py same SITE_A SITE_B         every HTML page of A is in B and equal, the generator tag aside
    python .ci/sites.py complete PROJECT SITE...   every story, project and release page of PROJECT is in each SITE

Each command prints every problem it finds, then exits 1 if there was one.
"""

from __future__ import annotations

import difflib
import itertools
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import yaml

# <meta name="generator" content="mkdocs-1.6.1, mkdocs-material-9.8.2">: names the builder, so it differs by design.
GENERATOR = re.compile(r'<meta name="generator" content="[^"]*">')
CONTEXT_LINES = 12  # of the first difference: enough to see it, short enough for a CI log


def html_pages(site: Path) -> set[str]:
    """Return the paths of the HTML files in `site`, relative to it."""
    return {path.relative_to(site).as_posix() for path in site.rglob("*.html")}


def page_lines(path: Path) -> list[str]:
    return GENERATOR.sub('<meta name="generator" content="">', path.read_text("utf-8")).splitlines()


def iter_differences(a: Path, b: Path) -> Iterator[str]:
    """Yield a message for each HTML page missing from one site or differing between the two."""
    pages_a, pages_b = html_pages(a), html_pages(b)
    if not pages_a:
        yield f"{a}: no HTML page at all"
    for page in sorted(pages_a - pages_b):
        yield f"{page}: only in {a}"
    for page in sorted(pages_b - pages_a):
        yield f"{page}: only in {b}"
    for page in sorted(pages_a & pages_b):
        lines_a, lines_b = page_lines(a / page), page_lines(b / page)
        if lines_a != lines_b:
            diff = difflib.unified_diff(lines_a, lines_b, f"{a}/{page}", f"{b}/{page}", n=2, lineterm="")
            shown = [line[:300] for line in itertools.islice(diff, CONTEXT_LINES)]
            yield f"{page}: differs; first difference:\n" + "\n".join(shown)


def expected_pages(project: Path) -> list[str]:
    """Return the HTML files a build of `project` must hold: one per story, project and release.

    Read from the inputs themselves (story file names, each priority list's `project`, the plugin's
    `releases`), not from anything the generator wrote, so a page it forgot is missed here too."""
    config = yaml.load((project / "mkdocs.yml").read_text("utf-8"), Loader=_IgnoringTags)
    options = next(
        (entry["interlock"] for entry in config.get("plugins", []) if isinstance(entry, dict) and "interlock" in entry),
        {},
    )
    stories = project / options.get("stories_dir", "stories")
    priorities = project / options.get("priorities_dir", "priorities")
    pages = [f"stories/{path.stem}/index.html" for path in sorted(stories.glob("*.md"))]
    for path in sorted(priorities.glob("*.y*ml")):
        pages.append(f"projects/{yaml.safe_load(path.read_text('utf-8'))['project']}/index.html")
    pages += [f"releases/{release}/index.html" for release in options.get("releases", [])]
    return pages


class _IgnoringTags(yaml.SafeLoader):
    """mkdocs.yml may hold MkDocs' own tags (!ENV, !relative) and Python names: none matter here."""


_IgnoringTags.add_multi_constructor("", lambda loader, suffix, node: None)
_IgnoringTags.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def iter_missing(project: Path, site: Path) -> Iterator[str]:
    """Yield a message for each page of `project` that `site` lacks."""
    expected = expected_pages(project)
    if not expected:
        yield f"{project}: no story, project or release found: is this the project folder?"
    for page in expected:
        if not (site / page).is_file():
            yield f"{site}: {page} is missing"


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "same":
        problems = list(iter_differences(Path(argv[1]), Path(argv[2])))
        checked = f"{len(html_pages(Path(argv[1])))} HTML pages compared"
    elif len(argv) >= 3 and argv[0] == "complete":
        project = Path(argv[1])
        problems = [problem for site in argv[2:] for problem in iter_missing(project, Path(site))]
        checked = f"{len(expected_pages(project))} story, project and release pages looked for in {len(argv) - 2} site(s)"
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for problem in problems:
        print(problem)
    print(f"sites: {checked}, {len(problems)} problem{'s' if len(problems) != 1 else ''}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
