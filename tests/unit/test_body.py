"""Story bodies as published: sanitised, links resolved, and passed unchanged through any builder's Markdown."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import markdown
import pytest
from hypothesis import given
from hypothesis import strategies as st

from interlock.body import MAX_NESTING, BodyPlacer, BodyRenderer, github_blocks, github_differences, is_other_host, sanitize
from interlock.generate import PageInfo, armor, page_markdown
from interlock.urls import Urls

RENDERER = BodyRenderer()


def render(text: str, page: str = "stories/a.md", prefix: str = "") -> str:
    placer = BodyPlacer(Urls(), "stories", {"a", "other"})
    return placer.place(RENDERER.render(text), page, id_prefix=prefix)


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src="x" onerror="alert(1)">', "onerror"),
        ("[x](javascript:alert(1))", "javascript:"),
        ('<a href=" JaVaScRiPt:alert(1)">x</a>', "avascript"),
        ('<iframe src="https://example.org"></iframe>', "<iframe"),
        ('<div class="md-banner rm-needs ok">spoof</div>', "md-banner"),
        ('<div class="md-banner rm-needs ok">spoof</div>', "rm-needs"),
        ('<p id="history">x</p>', 'id="history"'),
        ("![d](https://tracker.example.org/pixel.png)", "tracker.example.org"),
        ("<img src=//tracker.example.org/p.png>", "tracker.example.org"),
        ('<form action="https://x"><input type="text"></form>', "<form"),
        ("<style>body{display:none}</style>", "<style"),
        ('<td style="position:fixed">x</td>', "position"),
    ],
)
def test_active_and_spoofing_content_is_removed(text: str, absent: str) -> None:
    assert absent not in render(text)


def test_harmless_markup_is_kept() -> None:
    html = render("## Use cases\n\n- [x] done\n- [ ] open\n\n~~old~~ new https://example.org/x\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n")
    assert '<h2 id="use-cases">' in html and 'class="task-list-item' in html and "<del>old</del>" in html
    assert '<a href="https://example.org/x">' in html and 'style="text-align:right"' in html
    assert 'class="ok"' in render('<div class="md-banner ok">x</div>')


def test_reserved_heading_ids_are_renamed() -> None:
    assert '<h2 id="history-text">' in render("## History\n\ntext\n")


def href(html: str) -> str:
    return html.split('href="', 1)[1].split('"', 1)[0]


def test_links_to_other_stories_follow_the_page() -> None:
    assert urljoin("/stories/a/", href(render("[o](other.md#why)"))) == "/stories/other/#why"
    assert urljoin("/print/2026.1/", href(render("[o](other.md)", page="print/2026.1.md"))) == "/stories/other/"
    assert 'href="missing.md"' in render("[m](missing.md)")  # left alone, and reported by the checker


def test_packet_ids_are_prefixed_with_their_links() -> None:
    html = render("## Goals\n\n[up](#goals)\n", prefix="a-")
    assert 'id="a-goals"' in html and 'href="#a-goals"' in html


def test_a_failing_extension_becomes_an_error_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    renderer = BodyRenderer()

    def boom(text: str) -> str:
        raise AssertionError("broken input")

    monkeypatch.setattr(renderer._md, "convert", boom)
    result = renderer.render("anything")
    assert result.error == "AssertionError: broken input" and "could not be converted" in result.html
    assert renderer.render("other text").error is None  # a fresh converter for the next story


@pytest.mark.parametrize(
    ("url", "other"),
    [("https://x.org/a.png", True), ("//x.org/a.png", True), ("\\\\x.org/a.png", True), ("a.png", False), ("dir/a.png", False)],
)
def test_is_other_host(url: str, other: bool) -> None:
    assert is_other_host(url) is other


# Every extension a site commonly enables, some of which act on raw HTML before it is stashed.
SITE_EXTENSIONS = [
    "tables",
    "toc",
    "admonition",
    "footnotes",
    "attr_list",
    "md_in_html",
    "def_list",
    "abbr",
    "pymdownx.superfences",
    "pymdownx.highlight",
    "pymdownx.snippets",
    "pymdownx.critic",
    "pymdownx.tasklist",
    "pymdownx.magiclink",
    "pymdownx.tilde",
    "pymdownx.caret",
    "pymdownx.mark",
    "pymdownx.emoji",
    "pymdownx.arithmatex",
    "pymdownx.details",
    "pymdownx.tabbed",
    "pymdownx.keys",
    "pymdownx.smartsymbols",
    "pymdownx.inlinehilite",
    "pymdownx.betterem",
]
SITE_MARKDOWN = markdown.Markdown(extensions=SITE_EXTENSIONS)

markdownish = st.text(
    alphabet=st.sampled_from(list("ab \n\t#*_-+=`~{}[]()<>!|:;.,/\\\"'&$^%8@")) | st.characters(codec="utf-8"), max_size=300
)


@given(markdownish)
def test_a_generated_page_passes_any_builder_markdown_unchanged(text: str) -> None:
    """Whatever a PM writes, the site's own Markdown extensions see one raw block and leave it alone."""
    fragment = f"<h1>t</h1>\n{RENDERER.render(text).html}"
    page = page_markdown(PageInfo("t"), fragment).split("---\n", 2)[2]
    SITE_MARKDOWN.reset()
    assert SITE_MARKDOWN.convert(page) == page.strip("\n")


def test_armor_reads_the_same_in_a_browser() -> None:
    assert armor("<p>`a` ~b~ {c} \t</p>") == "<p>&#96;a&#96; &#126;b&#126; &#123;c&#125; &#9;</p>"
    assert sanitize("<p>a</p>") == "<p>a</p>"


@pytest.mark.parametrize(
    ("text", "absent", "finding"),
    [
        ('<div id="__config">{"base": "https://attacker.example/"}</div>', 'id="__config"', "the id '__config'"),
        ("## __config\n", 'id="__config"', None),
        ('<span title="&lt;img src=x onerror=alert(1)&gt;">q</span>', "title=", "a title attribute holding HTML"),
        ('<pre class="mermaid"><code>graph TD; A-->B</code></pre>', "mermaid", "the class 'mermaid'"),
        ('<img src="/&#9;/tab.attacker.example/a.png">', "attacker.example", "an image from tab.attacker.example"),
        ('<img src="/&#10;/nl.attacker.example/a.png">', "attacker.example", "an image from nl.attacker.example"),
        ('<img src="&#1;//ctl.attacker.example/c.png">', "attacker.example", "an image from ctl.attacker.example"),
    ],
)
def test_what_the_theme_would_act_on_is_removed_and_reported(text: str, absent: str, finding: str | None) -> None:
    """Found by an attack: the theme reads its configuration from #__config, inserts titles as HTML in
    tooltips and loads a script for .mermaid; browsers drop tabs and line breaks inside URLs."""
    rendered = RENDERER.render(text)
    assert absent not in rendered.html
    whats = [f.what for f in rendered.findings]
    assert (finding is None and whats == []) or any(finding in what for what in whats), whats


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[" * 6000, "more than 1000 '[' and '(' in one paragraph"),
        ("![" * 3000, "more than 1000 '[' and '(' in one paragraph"),
        ("<![CDATA[" * 1000, "more than 100 '<!' in one story"),
        ("\n".join(["## a"] * 5000), "more than 1000 headings"),
    ],
)
def test_text_that_would_take_the_converter_minutes_is_refused_at_once(text: str, reason: str) -> None:
    rendered = BodyRenderer().render(text)
    assert rendered.error is not None and reason in rendered.error


gfm_lines = st.lists(
    st.sampled_from(["", "text", "- item", "  - nested", "    - deeper", "1) one", "2. two", "> quote", "> - quoted item", "```", "~~~"])
    | st.sampled_from(["| a | b |", "|---|---|", "<details>", "</details>", "<!-- c", "-->", "# heading", "***", "\tcode", "-"])
    | st.text(alphabet=" -*+>`~|#1.)<!ab", max_size=12),
    max_size=30,
)


@given(st.lists(gfm_lines.map("\n".join) | st.sampled_from([" ", "\t", "\r\n", "\r", "\x02", "  \n"]), max_size=4).map("".join))
def test_a_conversion_finds_the_differences_the_checker_would(text: str) -> None:
    # The checker takes the R313 warnings the conversion found; they must be those of the body alone.
    for body in (BodyRenderer().render(text), RENDERER.render(text)):  # a fresh converter, and one used before
        assert body.error is not None or body.differences == github_differences(text)


@given(gfm_lines)
def test_the_github_rewrite_changes_only_indentation_and_blank_lines(lines: list[str]) -> None:
    """The preprocessor moves lines onto Python-Markdown's indentation and adds blank lines and the closing
    fence GitHub implies; it never adds, drops or reorders text."""

    def text_lines(lines: list[str]) -> list[str]:  # a line of only '>' is a blank line in a quote
        return [line.replace(" ", "") for line in lines if line.replace(" ", "").strip(">")]

    source = "\n".join(lines).expandtabs(4).split("\n")
    before, after = text_lines(source), text_lines(github_blocks(source))
    expected = 0
    for line in after:
        if expected < len(before) and line == before[expected]:
            expected += 1
        else:
            assert re.fullmatch(r"`{3,}|~{3,}", line), (line, after)
    assert expected == len(before), after


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("We need:\n- a\n  - b\n", ["We need:", "", "- a", "    - b"]),
        ("1) a\n   - b\n2) c\n", ["1) a", "    - b", "2) c"]),
        ("- a\n\n  | x |\n  | - |\n", ["- a", "", "    | x |", "    | - |"]),
        ("- a\n  ```\n  code", ["- a", "    ```", "    code", "    ```"]),
        ("> q\n- a\n", ["> q", "", "- a"]),
    ],
)
def test_github_lists_are_moved_onto_four_space_steps(text: str, lines: list[str]) -> None:
    assert github_blocks(text.split("\n"))[: len(lines)] == lines


@pytest.mark.parametrize("step", [2, 4])
def test_deep_lists_convert_and_are_flattened_with_one_warning(step: int) -> None:
    """Python-Markdown recursed once per level (300 levels: a RecursionError after 15 s); the rewrite stops at MAX_NESTING."""
    text = "".join(" " * (step * level) + f"- level {level}\n" for level in range(300))
    rendered = BodyRenderer().render(text)
    assert rendered.error is None and rendered.html.count("<ul>") == MAX_NESTING + 1 and "level 299" in rendered.html
    assert [line for line, _ in github_differences(text)] == [MAX_NESTING + 1]


def test_bare_links_that_older_pymdown_extensions_cut_short_are_warned(monkeypatch: pytest.MonkeyPatch) -> None:
    import interlock.body

    monkeypatch.setattr(interlock.body, "_ends_links_early", lambda: True)
    text = "See https://w.example.org/a_(b), [it](https://w.example.org/c_(d)) or `https://w.example.org/e_(f)`.\n"
    assert [line for line, _ in github_differences(text)] == [1]
    assert "<https://w.example.org/a_(b)>" in github_differences(text)[0][1]
    monkeypatch.setattr(interlock.body, "_ends_links_early", lambda: False)
    assert github_differences(text) == []
