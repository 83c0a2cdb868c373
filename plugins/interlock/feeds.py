"""Atom feeds of the roadmap's changes: one for the whole roadmap, one per project and one per
release, each entry a story's creation or a change of its status, read from the git history.

Every text in a feed comes from pull requests, so each passes through `xml_text` first: XML 1.0
cannot carry most control characters at all, and the feed writer refuses them."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import pairwise
from urllib.parse import urljoin

import feedgenerator  # type: ignore[import-untyped]

from .history import History
from .linking import Roadmap
from .model import Story
from .urls import Urls, relative_url, release_slug

ENTRIES_PER_FEED = 50

# Everything outside XML 1.0's Char production, plus the C0 controls it allows but a title should not
# hold (carriage return): lone surrogates, U+FFFE and U+FFFF included.
_NOT_XML = re.compile("[^\t\n\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Entry ids are name-based UUIDs, so they stay the same when the site moves to another address
# (readers would otherwise show every entry again) and need no domain when there is no site URL.
# Changing this namespace changes every id ever published: never do it.
_NAMESPACE = uuid.UUID("7f1c3b6e-2d4a-5e8f-9a0b-1c2d3e4f5a6b")


@dataclass(frozen=True)
class FeedEntry:
    """One event of a story's history: its creation, or a change of its status."""

    story: Story
    date: datetime  # UTC
    title: str
    summary: str
    key: str  # what makes the entry unique, for its id
    order: int  # position in the story's own history, for events of the same instant


def xml_text(text: str) -> str:
    """Return `text` without the characters XML 1.0 cannot carry (and without carriage returns)."""
    return _NOT_XML.sub("", text)


def _line(text: str) -> str:
    # A title is one line in every reader; YAML allows newlines in it.
    return " ".join(xml_text(text).split())


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


def story_entries(story: Story, history: History | None, projects: list[str]) -> list[FeedEntry]:
    """Return the events of one story's committed history, oldest first (none when not committed)."""
    found = history.of(story.path) if history is not None else None
    if found is None:
        return []
    title = _line(story.title)
    about = f"Target release: {_line(story.target_release or 'none')}. Projects: {_line(', '.join(projects) or 'none')}."
    first = found.statuses[0].status if found.statuses else story.status
    entries = [
        FeedEntry(
            story,
            _utc(found.created),
            f"New story: {title}",
            f"Status: {_line(first)}. {about}",
            f"created/{story.id}/{_utc(found.created).isoformat()}",
            0,
        )
    ]
    for order, (before, change) in enumerate(pairwise(found.statuses), start=1):
        entries.append(
            FeedEntry(
                story,
                _utc(change.date),
                f"{title}: {_line(before.status)} → {_line(change.status)}",
                f"Status: {_line(change.status)} (was {_line(before.status)}). {about}",
                f"status/{story.id}/{change.commit}/{change.status}",
                order,
            )
        )
    return entries


def newest_entries(entries: Iterable[FeedEntry], limit: int = ENTRIES_PER_FEED) -> list[FeedEntry]:
    """Return the `limit` newest entries, newest first; ties in a fixed order so builds are reproducible."""
    return sorted(entries, key=lambda e: (e.date, e.story.id, e.order), reverse=True)[:limit]


def entry_id(entry: FeedEntry) -> str:
    """Return the entry's permanent Atom id."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, entry.key)}"


class _Atom(feedgenerator.Atom1Feed):  # type: ignore[misc]
    """An Atom feed whose `updated` is given: the writer's default, the clock, would differ on every build."""

    def __init__(self, *, updated: datetime, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._updated = updated

    def latest_post_date(self) -> datetime:
        return self._updated


def write_feed(
    entries: list[FeedEntry],
    urls: Urls,
    *,
    path: str,
    title: str,
    author: str,
    page: str,
    site_url: str | None,
    site_id: str,
    built: str,
) -> str:
    """Return the Atom XML of a feed at `path` in the docs tree whose web page is the URL `page`."""

    def link(target: str) -> str:
        # MkDocs ends site_url with a slash; one written without would lose its last segment in urljoin.
        if site_url:
            return urljoin(site_url if site_url.endswith("/") else site_url + "/", target)
        return relative_url(target, path)

    updated = entries[0].date if entries else datetime.strptime(built, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    feed = _Atom(
        updated=updated,
        title=_line(title),
        link=link(page),
        feed_url=link(path),
        description=None,
        author_name=_line(author),  # Atom wants an author for the feed when its entries name none
        feed_guid=f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'feed/{site_id}/{path}')}",
    )
    for entry in entries:
        feed.add_item(
            title=entry.title,
            link=link(urls.page("story", entry.story.id)),
            # Atom summaries are typed HTML by this writer: the text is escaped once for HTML here.
            description=html.escape(entry.summary, quote=False),
            unique_id=entry_id(entry),
            updateddate=entry.date,
        )
    text: str = feed.writeString("utf-8")
    return text


def build_feeds(
    roadmap: Roadmap, history: History | None, urls: Urls, *, site_url: str | None, built: str, title: str = "Roadmap"
) -> dict[str, str]:
    """Return the Atom feeds of the roadmap, by path inside the docs tree: the whole roadmap, each project, each release."""
    known = roadmap.projects
    events = {
        # Readers see teams by name, as on the pages.
        story.id: story_entries(story, history, [known[name].name for name in story.projects if name in known])
        for story in roadmap.stories.values()
    }
    site_id = site_url or title

    def feed(path: str, feed_title: str, page: str, stories: Iterable[Story]) -> str:
        chosen = newest_entries(entry for story in stories for entry in events[story.id])
        return write_feed(
            chosen, urls, path=path, title=feed_title, author=title, page=page, site_url=site_url, site_id=site_id, built=built
        )

    stories = list(roadmap.stories.values())
    feeds = {"feed.xml": feed("feed.xml", f"{title}: roadmap", urls.page("home"), stories)}
    for project in known.values():
        path = f"projects/{project.id}/feed.xml"
        asking = [s for s in stories if project.id in s.projects]
        feeds[path] = feed(path, f"{title}: {project.name}", urls.page("project", project.id), asking)
    for release in roadmap.settings.releases:
        path = f"releases/{release_slug(release)}/feed.xml"
        targeting = [s for s in stories if s.target_release == release]
        feeds[path] = feed(path, f"{title}: release {release}", urls.page("release", release), targeting)
    return feeds
