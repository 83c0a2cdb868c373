"""Story bodies written the GitHub way, then mutated as a careless or hostile pull request would:
raw HTML fragments, CDATA and declaration openers, unclosed tags, include lines and deep nesting of
lists and quotes. `check` must never fail on them, and whenever the site build cannot publish the
story, `check` must have reported an error first. Bodies cannot pull in other files.

The build is the costly part (two cores): its property runs a few examples, the check's many more."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fuzz_cli import VALID, Limits, build, run

from conftest import FIXTURES, copy_site

GITHUB_BODY = """\
Operators asked for this at the forum:
- live migration
  - of pinned instances
  - with a progress bar
1) drain the host
2) upgrade it
- [x] spec merged
- [ ] code merged

| Project | Gap |
| --- | --- |
| nova | ~~none~~ two |

> A quote with a list:
> - first
"""

# What gets inserted: fragments of raw HTML and the openers that make a browser or a parser drop text.
MUTATIONS = [
    "<![",
    "<![CDATA[",
    "<![CDATA[ x ]]>",
    "<!",
    "<!DOCTYPE x",
    "<!--",
    "-->",
    "<?",
    "<div>",
    "</div>",
    "<details><summary>s",
    "</details>",
    "<span",
    '<a href="',
    "<table><tr><td>",
    "<pre>",
    "<textarea>",
    "<script>",
    "<img src=x onerror=alert(1)>",
    '--8<-- "notes.md"',
    "```",
    "~~~",
    "    ",
    "  ",
    "- ",
    "1) ",
    "> ",
    "|",
    "[^1]",
    "\\",
    "\n",
    "\n\n",
]


def nested(kind: str, depth: int) -> str:
    """Return a list or quote nested `depth` levels, in GitHub's two-space style."""
    if kind == "quote":
        return "\n".join("> " * level + f"level {level}" for level in range(1, depth + 1))
    marker = "- " if kind == "bullets" else "1) "
    return "\n".join(" " * (len(marker) * level) + f"{marker}level {level}" for level in range(depth))


@st.composite
def mutated_bodies(draw: st.DrawFn) -> str:
    text = GITHUB_BODY
    if draw(st.booleans()):
        text += "\n" + nested(draw(st.sampled_from(["bullets", "numbers", "quote"])), draw(st.integers(1, 60))) + "\n"
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(MUTATIONS) | st.text(max_size=6)) + text[at:]
    return text


def story(body: str) -> str:
    """Return the minimal site's valid story under its own ref, with `body` as its problem description."""
    head, _, rest = VALID.replace("PLA", "FUZ").partition("\n## Problem description\n")
    return f"{head}\n## Problem description\n{body}\n{rest}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minimal site with snippets enabled for its own pages, and a file a body might try to include."""
    root = copy_site(FIXTURES / "minimal", tmp_path_factory.mktemp("fuzz-bodies"))
    config = (root / "mkdocs.yml").read_text("utf-8")
    (root / "mkdocs.yml").write_text(config + "markdown_extensions:\n  - pymdownx.snippets: {base_path: [., docs]}\n", "utf-8")
    for folder in (root, root / "docs"):
        (folder / "notes.md").write_text("SECRET-NOTES-TEXT\n", "utf-8")
    return root


def check_and_build(site: Path, body: str) -> tuple[int, str, Exception | None, Path]:
    (site / "stories" / "fuzzed.md").write_text(story(body), "utf-8", errors="surrogatepass")
    status, output = run(Limits(), "check", "-f", str(site / "mkdocs.yml"))
    return status, output, build(site), site / "site" / "stories" / "fuzzed" / "index.html"


def story_text(page: Path) -> str:
    article = BeautifulSoup(page.read_text("utf-8"), "html.parser").select_one("div.rm-story-body")
    assert article is not None
    return article.get_text()


def test_an_include_line_is_text_and_a_declaration_opener_is_shown(site: Path) -> None:
    status, output, failure, page = check_and_build(site, 'See <![ here.\n\n--8<-- "notes.md"\n')
    assert failure is None and ": error: " not in output, output
    text = story_text(page)
    assert "See <![ here." in text and '--8<-- "notes.md"' in text and "SECRET-NOTES-TEXT" not in text


def test_a_declaration_that_hides_text_is_an_error_at_its_line(site: Path) -> None:
    status, output, failure, page = check_and_build(site, "Intro.\n<![CDATA[ the rest is hidden\n\nmore\n")
    line = story("Intro.\n<![CDATA[").split("\n").index("<![CDATA[") + 1
    assert status == 1 and f"stories/fuzzed.md:{line}:1: error: R312" in output, output


@settings(max_examples=max(20, settings.default.max_examples // 3), deadline=None)
@given(mutated_bodies())
def test_check_survives_mutated_github_bodies(site: Path, body: str) -> None:
    (site / "stories" / "fuzzed.md").write_text(story(body), "utf-8", errors="surrogatepass")
    run(Limits(), "check", "-f", str(site / "mkdocs.yml"))  # exit 0, 1 or 2 and no traceback


# A build takes about a second: a handful of examples in CI, more with HYPOTHESIS_PROFILE=fuzz.
@settings(
    max_examples=max(5, settings.default.max_examples // 30),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(mutated_bodies())
def test_the_build_fails_only_where_check_reported_an_error(site: Path, body: str) -> None:
    status, output, failure, page = check_and_build(site, body)
    if failure is not None:
        assert status == 1 and ": error: " in output, f"the build failed ({failure!r}) where check passed:\n{output}"
    elif status == 0:
        assert page.is_file(), "a story that passed the check was not published"
        assert "SECRET-NOTES-TEXT" not in story_text(page)
