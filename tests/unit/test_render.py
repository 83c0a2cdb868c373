from __future__ import annotations

import pytest

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
