"""The timeline page: its columns from a hand-built roadmap, and the page rendered for the minimal fixture."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup, Tag

from interlock import Roadmap, build_roadmap, load_settings
from interlock.linking import link_roadmap
from interlock.model import Criterion, Project, Settings, Story, StoryProject
from interlock.render import Renderer
from interlock.siteconfig import read_site_options
from interlock.timeline import UNTARGETED, timeline_columns, timeline_context
from interlock.urls import Urls

MINIMAL = Path(__file__).parent.parent / "fixtures" / "minimal"
PAYLOAD = '<script>window.__pwned=1</script>Payload "quoted" & <b>bold</b>'


def hand_roadmap(tmp_path: Path) -> Roadmap:
    settings = Settings(tmp_path, tmp_path / "stories", tmp_path / "priorities", ["r1", "r2"], "r2", [], {"impact": Criterion("impact", 1)})
    projects = {p: Project(p, f"priorities/{p}.yaml", p.title()) for p in ("cinder", "nova", "novac")}

    def story(sid: str, status: str, release: str | None, impact: int | None, *asks: str) -> Story:
        weights = {} if impact is None else {"impact": impact}
        asked = {p: StoryProject(p) for p in asks}
        return Story(sid, f"stories/{sid}.md", f"Story {sid}", status, "SSS", target_release=release, weights=weights, projects=asked)

    stories = {
        "low": story("low", "proposed", "r1", 1, "nova"),
        "high": story("high", "accepted", "r1", 5, "nova", "cinder"),
        "unscored": story("unscored", "proposed", "r1", None, "novac"),
        "done": story("done", "completed", "r1", 4),
        "no": story("no", "rejected", "r2", 5, "nova"),  # left out
        "later": story("later", "draft", None, None, "cinder", "typo"),  # an unknown project is not a label
        "lost": story("lost", "proposed", "r9", 3, "nova"),  # a release the site does not list
    }
    roadmap = Roadmap(settings, projects, stories, [])
    link_roadmap(roadmap)
    return roadmap


def test_columns_are_releases_oldest_first_then_untargeted_by_rank(tmp_path: Path) -> None:
    columns = timeline_columns(hand_roadmap(tmp_path))
    assert [(c.release, c.title, c.anchor, c.current) for c in columns] == [
        ("r1", "r1", "timeline-release-r1", False),
        ("r2", "r2", "timeline-release-r2", True),
        (None, UNTARGETED, "timeline-untargeted", False),
    ]
    cards = [[(card.story.id, card.projects, card.unknown_release) for card in c.cards] for c in columns]
    assert cards == [
        # Ranked open stories by score, then open unscored ones, then the others.
        [("high", ["nova", "cinder"], None), ("low", ["nova"], None), ("unscored", ["novac"], None), ("done", [], None)],
        [],
        [("lost", ["nova"], "r9"), ("later", ["cinder"], None)],
    ]


def test_context_lists_every_project_by_name(tmp_path: Path) -> None:
    context = timeline_context(hand_roadmap(tmp_path))
    assert [p.id for p in context["projects"]] == ["cinder", "nova", "novac"]
    assert [c.release for c in context["columns"]] == ["r1", "r2", None]


def render(roadmap: Roadmap) -> BeautifulSoup:
    html = Renderer(roadmap, Urls(), None, None).render("timeline.html", "timeline.md", **timeline_context(roadmap))
    return BeautifulSoup(html, "html.parser")


def minimal() -> Roadmap:
    options, root = read_site_options(MINIMAL / "mkdocs.yml")
    return build_roadmap(load_settings(options, root))


def test_timeline_page_of_the_minimal_site() -> None:
    soup = render(minimal())
    board = soup.select_one(".rm-timeline-board")
    assert isinstance(board, Tag)
    sections = board.find_all("section", recursive=False)
    assert all("rm-timeline-column" in s["class"] for s in sections)
    assert [(s["data-release"], s["aria-labelledby"], s.h2["id"]) for s in sections] == [
        ("2025.1", "timeline-release-2025.1", "timeline-release-2025.1"),
        ("2025.2", "timeline-release-2025.2", "timeline-release-2025.2"),
        ("", "timeline-untargeted", "timeline-untargeted"),
    ]
    assert [" ".join(s.h2.get_text(" ").split()) for s in sections] == ["2025.1 ( 1 )", "2025.2 (current) ( 0 )", "Not yet targeted ( 3 )"]
    assert [s.h2.a["href"] if s.h2.a else None for s in sections] == ["../releases/2025.1/", "../releases/2025.2/", None]

    def cards(section: Tag) -> list[tuple[str, str, str, str, str, list[str]]]:
        return [
            (
                card.h3.a["href"],
                card.h3.get_text(),
                card["data-projects"],
                card["data-status"],
                " ".join(card.find(class_="rm-timeline-card__meta").get_text(" ").split()),
                [li.get_text() for li in card.select(".rm-timeline-projects li")],
            )
            for card in section.find_all("li", class_="rm-timeline-card")
        ]

    assert cards(sections[0]) == [("../stories/planned/", "Planned story", "alpha", "accepted", "accepted score 100.0", ["Alpha service"])]
    assert cards(sections[1]) == []
    assert "No story targets this release yet." in sections[1].get_text()
    assert cards(sections[2]) == [
        ("../stories/unplanned/", "Unplanned story", "alpha", "proposed", "proposed score 50.0", ["Alpha service"]),
        ("../stories/draft/", "Draft story", "beta", "draft", "draft score unscored", ["Beta service"]),
        ("../stories/payload/", PAYLOAD, "alpha", "draft", "draft score unscored", ["Alpha service"]),
    ]
    # Hostile titles are text, never markup.
    assert soup.find("script") is None and soup.find("b") is None
    hrefs = [a["href"] for a in soup.find_all("a")]
    assert hrefs and all(not h.startswith("/") and "://" not in h for h in hrefs)


def test_project_filter_markup() -> None:
    soup = render(minimal())
    wrapper = soup.find(attrs={"data-rm-timeline-filters": True})
    assert isinstance(wrapper, Tag) and wrapper.has_attr("hidden")  # shown by the script only, which makes it work
    select = wrapper.find("select", attrs={"data-rm-timeline-filter": True})
    assert isinstance(select, Tag)
    label = wrapper.find("label")
    assert label is not None and label["for"] == select["id"]
    assert [(o["value"], o.get_text()) for o in select.find_all("option")] == [
        ("", "every project"),
        ("alpha", "Alpha service"),
        ("beta", "Beta service"),
    ]
    assert wrapper.find(attrs={"data-rm-timeline-count": True})["aria-live"] == "polite"
    # Each column with cards has a hidden "none match" note for the script to show.
    for section in soup.select("section.rm-timeline-column"):
        has_cards = bool(section.select(".rm-timeline-card"))
        assert bool(section.select("[data-rm-timeline-empty][hidden]")) == has_cards
        assert len(section.select("[data-rm-timeline-shown]")) == 1


def test_timeline_of_a_hand_built_roadmap(tmp_path: Path) -> None:
    soup = render(hand_roadmap(tmp_path))
    untargeted = soup.find("section", attrs={"data-release": ""})
    assert isinstance(untargeted, Tag)
    lost = untargeted.find("li", class_="rm-timeline-card")
    assert lost is not None and "targets r9, not a release of this site" in lost.get_text()
    assert [card["data-projects"] for card in soup.select(".rm-timeline-card")] == ["nova cinder", "nova", "novac", "", "nova", "cinder"]
    assert "Story no" not in soup.get_text()  # rejected stories are left out
