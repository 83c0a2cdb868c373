"""Atom feeds of the minimal fixture, from a hand-built git history with fixed dates."""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from interlock import Roadmap, build_roadmap, load_settings
from interlock.feeds import ENTRIES_PER_FEED, build_feeds, xml_text
from interlock.history import FileHistory, History, StatusChange
from interlock.siteconfig import read_site_options
from interlock.urls import Urls

MINIMAL = Path(__file__).parent.parent / "fixtures" / "minimal"
ATOM = "{http://www.w3.org/2005/Atom}"
PAYLOAD = '<script>window.__pwned=1</script>Payload "quoted" & <b>bold</b>'


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def roadmap() -> Roadmap:
    options, root = read_site_options(MINIMAL / "mkdocs.yml")
    return build_roadmap(load_settings(options, root))


def file_history(*changes: tuple[str, str, str]) -> FileHistory:
    """Return the history of a file from its (date, status, commit) changes, oldest first."""
    statuses = [StatusChange(at(when), status, commit * 40) for when, status, commit in changes]
    return FileHistory(statuses[0].date, statuses[-1].date, len(statuses), [], statuses, "stories/x.md")


def history() -> History:
    # draft.md is not committed: it has no entry anywhere.
    return History(
        head="f" * 40,
        files={
            "stories/planned.md": file_history(
                ("2024-01-05T09:00:00+01:00", "proposed", "a"), ("2024-03-01T12:00:00+00:00", "accepted", "b")
            ),
            "stories/unplanned.md": file_history(("2024-02-10T00:00:00+00:00", "proposed", "c")),
            "stories/payload.md": file_history(("2024-02-01T00:00:00+00:00", "draft", "d")),
        },
    )


def parse(text: str) -> ET.Element:
    return ET.fromstring(text.encode("utf-8"))


def entries(feed: ET.Element) -> list[tuple[str, str, str]]:
    """Return each entry's (title, link, updated), in document order."""
    found = []
    for entry in feed.iter(f"{ATOM}entry"):
        link = entry.find(f"{ATOM}link")
        assert link is not None and link.get("rel") == "alternate"
        found.append((entry.findtext(f"{ATOM}title", ""), link.get("href", ""), entry.findtext(f"{ATOM}updated", "")))
    return found


def test_the_roadmap_feed_has_every_creation_and_status_change_newest_first() -> None:
    feeds = build_feeds(roadmap(), history(), Urls(), site_url=None, built="2025-01-01", title="Minimal roadmap")
    assert sorted(feeds) == [
        "feed.xml",
        "projects/alpha/feed.xml",
        "projects/beta/feed.xml",
        "releases/2025.1/feed.xml",
        "releases/2025.2/feed.xml",
    ]
    feed = parse(feeds["feed.xml"])
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}title") == "Minimal roadmap: roadmap"
    assert [(link.get("rel"), link.get("href")) for link in feed.findall(f"{ATOM}link")] == [("alternate", "./"), ("self", "feed.xml")]
    assert feed.findtext(f"{ATOM}updated") == "2024-03-01T12:00:00+00:00"
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == "Minimal roadmap"
    assert (feed.findtext(f"{ATOM}id") or "").startswith("urn:uuid:")
    assert entries(feed) == [
        ("Planned story: proposed → accepted", "stories/planned/", "2024-03-01T12:00:00+00:00"),
        ("New story: Unplanned story", "stories/unplanned/", "2024-02-10T00:00:00+00:00"),
        (f"New story: {PAYLOAD}", "stories/payload/", "2024-02-01T00:00:00+00:00"),
        ("New story: Planned story", "stories/planned/", "2024-01-05T08:00:00+00:00"),  # in UTC
    ]
    summaries = [(e.get("type"), e.text) for e in feed.iter(f"{ATOM}summary")]
    assert summaries[0] == ("html", "Status: accepted (was proposed). Target release: 2025.1. Projects: Alpha service.")
    assert summaries[1] == ("html", "Status: proposed. Target release: none. Projects: Alpha service.")


def test_project_and_release_feeds_hold_their_stories_only() -> None:
    feeds = build_feeds(roadmap(), history(), Urls(), site_url=None, built="2025-01-01", title="Minimal roadmap")
    alpha = parse(feeds["projects/alpha/feed.xml"])
    assert alpha.findtext(f"{ATOM}title") == "Minimal roadmap: Alpha service"
    assert [(link.get("rel"), link.get("href")) for link in alpha.findall(f"{ATOM}link")] == [("alternate", "./"), ("self", "feed.xml")]
    assert [link for _, link, _ in entries(alpha)] == [
        "../../stories/planned/",
        "../../stories/unplanned/",
        "../../stories/payload/",
        "../../stories/planned/",
    ]
    # Beta is asked only by the uncommitted draft: no entries, and the build date as its date.
    beta = parse(feeds["projects/beta/feed.xml"])
    assert entries(beta) == [] and beta.findtext(f"{ATOM}updated") == "2025-01-01T00:00:00+00:00"
    release = parse(feeds["releases/2025.1/feed.xml"])
    assert release.findtext(f"{ATOM}title") == "Minimal roadmap: release 2025.1"
    assert [title for title, _, _ in entries(release)] == ["Planned story: proposed → accepted", "New story: Planned story"]
    assert entries(parse(feeds["releases/2025.2/feed.xml"])) == []


def test_links_are_absolute_with_a_site_url_and_follow_the_url_style() -> None:
    feeds = build_feeds(roadmap(), history(), Urls(False), site_url="https://roadmap.example.org/acme", built="2025-01-01")
    feed = parse(feeds["projects/alpha/feed.xml"])
    assert [(link.get("rel"), link.get("href")) for link in feed.findall(f"{ATOM}link")] == [
        ("alternate", "https://roadmap.example.org/acme/projects/alpha.html"),
        ("self", "https://roadmap.example.org/acme/projects/alpha/feed.xml"),
    ]
    assert entries(feed)[0][1] == "https://roadmap.example.org/acme/stories/planned.html"
    assert parse(feeds["feed.xml"]).findtext(f"{ATOM}title") == "Roadmap: roadmap"  # the default site name


def test_entry_ids_are_unique_and_the_same_in_every_feed() -> None:
    feeds = build_feeds(roadmap(), history(), Urls(), site_url=None, built="2025-01-01")
    ids = {path: [e.findtext(f"{ATOM}id") or "" for e in parse(text).iter(f"{ATOM}entry")] for path, text in feeds.items()}
    assert len(set(ids["feed.xml"])) == 4 and all(i.startswith("urn:uuid:") for i in ids["feed.xml"])
    assert ids["projects/alpha/feed.xml"] == ids["feed.xml"]
    assert ids["releases/2025.1/feed.xml"] == [ids["feed.xml"][0], ids["feed.xml"][3]]
    # The site's address is not part of an entry's id: moving the site shows no entry twice.
    moved = build_feeds(roadmap(), history(), Urls(), site_url="https://new.example.org/", built="2025-01-01")
    assert [e.findtext(f"{ATOM}id") for e in parse(moved["feed.xml"]).iter(f"{ATOM}entry")] == ids["feed.xml"]
    feed_ids = {parse(text).findtext(f"{ATOM}id") for text in feeds.values()}
    assert len(feed_ids) == len(feeds)


def test_two_builds_are_byte_identical() -> None:
    first = build_feeds(roadmap(), history(), Urls(), site_url="https://example.org/", built="2025-01-01", title="Minimal roadmap")
    second = build_feeds(roadmap(), history(), Urls(), site_url="https://example.org/", built="2025-01-01", title="Minimal roadmap")
    assert {p: t.encode() for p, t in first.items()} == {p: t.encode() for p, t in second.items()}


def test_a_feed_keeps_the_newest_fifty_entries() -> None:
    start = at("2024-01-01T00:00:00+00:00")
    statuses = [StatusChange(start + timedelta(days=i), ("proposed", "accepted")[i % 2], f"{i:040x}") for i in range(70)]
    busy = History(files={"stories/planned.md": FileHistory(start, statuses[-1].date, 70, [], statuses, "stories/planned.md")})
    feed = parse(build_feeds(roadmap(), busy, Urls(), site_url=None, built="2025-01-01")["feed.xml"])
    found = entries(feed)
    assert len(found) == ENTRIES_PER_FEED
    assert found[0] == ("Planned story: proposed → accepted", "stories/planned/", (start + timedelta(days=69)).isoformat())
    assert found[-1][2] == (start + timedelta(days=20)).isoformat()
    assert [when for _, _, when in found] == sorted((when for _, _, when in found), reverse=True)


def test_no_history_gives_feeds_without_entries() -> None:
    feeds = build_feeds(roadmap(), None, Urls(), site_url=None, built="2025-06-30")
    feed = parse(feeds["feed.xml"])
    assert entries(feed) == [] and feed.findtext(f"{ATOM}updated") == "2025-06-30T00:00:00+00:00"


def test_hostile_text_makes_well_formed_xml() -> None:
    rm = roadmap()
    rm.stories["planned"].title = "A <b>&amp;</b>\x00\x01\x08\x0b\x0c\x0e\x1f\x7f\ufffe\uffff\ud800 ]]> \r\n\tend"
    rm.stories["planned"].target_release = "<i>2025.1</i>"
    rm.projects["alpha"].name = "Alpha\x00 <&>"
    feeds = build_feeds(rm, history(), Urls(), site_url=None, built="2025-01-01", title="Site\x1b & <co>")
    for text in feeds.values():
        parse(text)  # raises on anything not well-formed
    alpha = parse(feeds["projects/alpha/feed.xml"])
    assert alpha.findtext(f"{ATOM}title") == "Site & <co>: Alpha <&>"
    titles = [title for title, _, _ in entries(alpha)]
    assert titles[0] == "A <b>&amp;</b>\x7f ]]> end: proposed → accepted"
    summary = alpha.findtext(f"{ATOM}entry/{ATOM}summary") or ""
    # A summary is HTML: the story's text in it is escaped once more, so a reader shows it as text.
    assert html.unescape(summary) == "Status: accepted (was proposed). Target release: <i>2025.1</i>. Projects: Alpha <&>."
    assert "<i>" not in summary and "<&>" not in summary


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("plain", "plain"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("nul\x00bell\x07esc\x1b", "nulbellesc"),
        ("cr\r\n", "cr\n"),
        ("\ufffe\uffff\ud800\udfff", ""),
        ("\ufffd\U0001f600é", "\ufffd\U0001f600é"),
    ],
)
def test_xml_text(text: str, kept: str) -> None:
    assert xml_text(text) == kept


def test_feed_dates_are_utc() -> None:
    local = History(files={"stories/unplanned.md": file_history(("2024-02-10T23:30:00-05:00", "proposed", "c"))})
    feed = parse(build_feeds(roadmap(), local, Urls(), site_url=None, built="2025-01-01")["feed.xml"])
    assert entries(feed) == [("New story: Unplanned story", "stories/unplanned/", "2024-02-11T04:30:00+00:00")]
    assert datetime.fromisoformat(feed.findtext(f"{ATOM}updated") or "").tzinfo == timezone.utc
