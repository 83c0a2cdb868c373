from __future__ import annotations

import html
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interlock.render import breakable
from interlock.urls import Urls, relative_url, release_slug


@pytest.mark.parametrize(
    ("target", "current", "expected"),
    [
        ("projects/nova/", "stories/x/", "../../projects/nova/"),
        ("", "stories/x/", "../../"),
        ("stories/", "", "stories/"),
        ("", "", "./"),
        ("ranking/", "ranking/", "./"),
        ("projects/nova.html", "stories/x.html", "../projects/nova.html"),
        ("index.html", "stories/index.html", "../index.html"),
    ],
)
def test_relative_url(target: str, current: str, expected: str) -> None:
    assert relative_url(target, current) == expected


def test_urls_follow_mkdocs_rules() -> None:
    assert Urls(True).page("story", "a") == "stories/a/"
    assert Urls(True).page("stories") == "stories/"
    assert Urls(True).page("home") == ""
    assert Urls(False).page("story", "a") == "stories/a.html"
    assert Urls(False).page("stories") == "stories/index.html"
    assert Urls(True).page("release", "2025.1") == "releases/2025.1/"


@pytest.mark.parametrize(("name", "slug"), [("2025.1", "2025.1"), ("Newton", "newton"), ("Big Release/2", "big-release-2")])
def test_release_slug(name: str, slug: str) -> None:
    assert release_slug(name) == slug


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rolling upgrades without downtime", "Rolling upgrades without downtime"),  # short words untouched
        ("see https://bugs.example.org/nova/+bug/1", "see https://<wbr>bugs.<wbr>example.<wbr>org/<wbr>nova/<wbr>+bug/<wbr>1"),
        ("a" * 40, "a" * 16 + "<wbr>" + "a" * 16 + "<wbr>" + "a" * 8),
        ("<b>&amp;" + "x" * 20, "&lt;b&gt;&amp;<wbr>amp;<wbr>" + "x" * 16 + "<wbr>xxxx"),
    ],
)
def test_breakable_escapes_and_softens_long_runs_only(text: str, expected: str) -> None:
    assert str(breakable(text)) == expected


@given(st.text())
def test_breakable_never_changes_the_text_a_reader_sees(text: str) -> None:
    out = str(breakable(text))
    assert "<" not in out.replace("<wbr>", "")
    assert html.unescape(out.replace("<wbr>", "")) == text.replace("\0", "")
    for run in re.findall(r"[^\s<>]+", out.replace("<wbr>", " ")):
        assert len(html.unescape(run)) <= 20  # no run a narrow cell cannot wrap
