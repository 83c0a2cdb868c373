"""A check with the cache reads a story that did not change only when a rule must look at it again: the
rules across stories answer from the facts the cache keeps of each story file. Whatever is edited,
the answer is the one a check without any cache gives, for a whole check and for changed files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import interlock.linking as linking
from interlock.cache import Store
from interlock.checking import run_check
from interlock.rules.settings import load_settings
from interlock.siteconfig import read_site_options

FIXTURES = Path(__file__).parent.parent / "fixtures"
IDS = [f"story-{n}" for n in range(8)]
TITLES = ["Rolling upgrades without downtime", "Quota reports for each tenant", "Audit log export to storage", "Faster image builds"]
PROBLEMS = [
    "Operators stop every service of a region to upgrade it, and tenants lose their workloads for hours each time.",
    "Tenants cannot see how much of their quota is left before a request fails, so they ask support every week.",
    "",
]


@pytest.fixture(autouse=True)
def cache_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INTERLOCK_CACHE")


def story_text(
    n: int, *, title: str, ref: str, related: list[str] | None = None, supersedes: list[str] | None = None, problem: str = ""
) -> str:
    lines = [
        "---",
        f"title: {title}",
        "status: proposed",
        f"ref: {ref}",
        "authors: [Ann Author]",
        "personas: [cloud operator]",
        'target_release: "2025.1"',
        "weights: {impact: 3, reach: 2}",
        "projects:",
        "  alpha:",
        f"    gap: Alpha lacks what story {n} asks.",
        "    priorities: [upgrades]",
        "    liaison: Ann Lee",
    ]
    for key, names in (("related", related), ("depends_on", related[:1] if related else None), ("supersedes", supersedes)):
        if names:
            lines.append(f"{key}: [{', '.join(names)}]")
    lines += ["---", "", "## Problem description", problem or f"Story {n} has a problem of its own.", ""]
    lines += ["## Use cases", f"- {ref}001 As a cloud operator, I want story {n}, so that it is done.", ""]
    lines += ["## Acceptance criteria", f"- It is done ({ref}001).", ""]
    return "\n".join(lines)


def make_site(root: Path) -> Path:
    shutil.copytree(FIXTURES / "minimal", root, ignore=shutil.ignore_patterns(".cache"))
    for n, sid in enumerate(IDS):
        related = [IDS[(n + 1) % len(IDS)]] if n % 3 == 0 else ["no-such-story"] if n == 5 else None
        ref = f"S{chr(65 + min(n, 6))}X"  # the last two stories share a ref
        supersedes = [IDS[4]] if n == 3 else None  # a story still open once story-4 is accepted
        text = story_text(
            n, title=f"{TITLES[n % len(TITLES)]} {n}", ref=ref, related=related, supersedes=supersedes, problem=PROBLEMS[n % 3]
        )
        (root / "stories" / f"{sid}.md").write_text(text, "utf-8")
    weighing = root / "weighing" / "2025.1"
    weighing.mkdir(parents=True)
    (weighing / "acme.yaml").write_text(
        "organisation: Acme Cloud\nscores:\n  story-1: {impact: 4, reach: 2}\n  story-2: {impact: 1, reach: 5}\n"
        "backing:\n  story-1:\n    people: {alpha: 2}\n",
        "utf-8",
    )
    return root


def edit(root: Path, kind: str, n: int, m: int) -> str:
    """Make one edit of the kind to story n (m picks another story), and return the path it changed."""
    sid, other = IDS[n], IDS[m]
    path = root / "stories" / f"{sid}.md"
    rel = f"stories/{sid}.md"
    if not path.exists():
        path.write_text(story_text(n, title=f"Back again {n}", ref=f"B{chr(65 + n)}K"), "utf-8")
        return rel
    text = path.read_text("utf-8")
    other_path = root / "stories" / f"{other}.md"
    other_text = other_path.read_text("utf-8") if other_path.exists() else ""
    field = {line.split(":", 1)[0]: line for line in other_text.splitlines() if ":" in line}
    if kind == "body":
        text += f"\nOne more sentence, number {m}.\n"
    elif kind == "body-line":  # the body grows at its start: every line after it moves
        text = text.replace("## Problem description\n", "## Problem description\nA first line.\n\n", 1)
    elif kind == "title" and "title" in field:  # the same title as another story: a near-duplicate
        text = "\n".join(field["title"] if line.startswith("title:") else line for line in text.splitlines())
    elif kind == "ref" and "ref" in field:  # the same ref as another story
        text = "\n".join(field["ref"] if line.startswith("ref:") else line for line in text.splitlines())
    elif kind == "problem":
        text = text.replace("## Problem description\n", f"## Problem description\n{PROBLEMS[m % 2]} ", 1)
    elif kind == "related":
        text = text.replace("---\n", f"---\nsupersedes: [{other}]\n", 1) if "supersedes:" not in text else text
    elif kind == "depends":  # maybe a cycle
        text = text.replace("---\n", f"---\ndepends_on: [{other}, no-such-story]\n", 1) if "depends_on:" not in text else text
    elif kind == "status":
        text = text.replace("status: proposed", "status: accepted")
    elif kind == "spacing":  # values move along their lines, their keys stay
        for key in ("ref: ", "related: [", "depends_on: [", "supersedes: ["):
            text = text.replace(key, key + "  ", 1)
    elif kind == "front-matter-line":  # a key moves down a line: its problems' positions move
        text = text.replace("---\n", "---\n# a comment\n", 1)
    elif kind == "broken-yaml":
        text = text.replace("title:", "title: [unclosed", 1)
    elif kind == "delete":
        path.unlink()
        return rel
    elif kind == "list":  # a team declines a story (that asks nothing of it, when m is odd)
        lists = root / "priorities" / ("beta.yaml" if m % 2 else "alpha.yaml")
        if "declined:" not in lists.read_text("utf-8"):
            lists.write_text(lists.read_text("utf-8") + f"declined:\n  - {{story: {sid}, reason: Not now.}}\n", "utf-8")
        return f"priorities/{lists.name}"
    elif kind == "weighing":  # another story weighed; people offered for a project it may not ask
        weighing = root / "weighing" / "2025.1" / "acme.yaml"
        text = weighing.read_text("utf-8").replace("story-2:", f"{sid}:", 1).replace("{alpha: 2}", "{beta: 2}" if m % 2 else "{alpha: 3}")
        weighing.write_text(text, "utf-8")
        return "weighing/2025.1/acme.yaml"
    path.write_text(text, "utf-8")
    return rel


def settings_of(root: Path):  # type: ignore[no-untyped-def]
    options, found = read_site_options(root / "mkdocs.yml")
    return load_settings(options, found)


KINDS = [
    "body",
    "body-line",
    "title",
    "ref",
    "problem",
    "related",
    "depends",
    "status",
    "spacing",
    "front-matter-line",
    "broken-yaml",
    "delete",
    "list",
    "weighing",
]


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, len(IDS) - 1), st.integers(0, len(IDS) - 1)), min_size=1, max_size=4))
def test_after_any_edits_a_cached_check_says_what_an_uncached_one_says(tmp_path_factory: pytest.TempPathFactory, edits: list) -> None:  # type: ignore[type-arg]
    root = make_site(tmp_path_factory.mktemp("site") / "site")
    assert Store.for_site(root).enabled
    assert (
        run_check(settings_of(root), store=Store.for_site(root)).diagnostics == run_check(settings_of(root), store=Store.off()).diagnostics
    )
    for kind, n, m in edits:
        changed = {edit(root, kind, n, m)}
        uncached = run_check(settings_of(root), store=Store.off())
        scoped_uncached = run_check(settings_of(root), changed, store=Store.off())
        assert run_check(settings_of(root), changed, store=Store.for_site(root)).diagnostics == scoped_uncached.diagnostics, (kind, n, m)
        assert run_check(settings_of(root), store=Store.for_site(root)) == uncached, (kind, n, m)


@pytest.mark.parametrize(
    ("kind", "n", "m"),
    [
        ("spacing", 7, 0),  # the column of a ref used twice (R208)
        ("spacing", 5, 0),  # the columns of related and depends_on entries naming no story (R206)
        ("front-matter-line", 7, 0),  # their lines
        ("front-matter-line", 5, 0),
        ("body-line", 7, 0),  # the body only: nothing of them moves
        ("ref", 6, 0),  # the first of two stories with one ref takes another: the second one is clean
        ("title", 1, 2),  # a title like another story's (R213)
        ("problem", 0, 0),  # a problem statement like another story's (R213)
        ("delete", 6, 0),
        ("broken-yaml", 6, 0),  # no longer a story
        ("status", 4, 0),  # story-3 supersedes it (R212)
        ("depends", 1, 0),  # a dependency cycle (R211)
        ("related", 2, 3),  # supersedes a story that is still open
        ("list", 3, 1),  # a team declines a story that asks nothing of it
        ("weighing", 4, 1),
    ],
)
def test_a_cached_check_sees_each_change_to_what_the_rules_across_stories_read(tmp_path: Path, kind: str, n: int, m: int) -> None:
    root = make_site(tmp_path / "site")
    before = run_check(settings_of(root), store=Store.for_site(root))
    changed = {edit(root, kind, n, m)}
    uncached = run_check(settings_of(root), store=Store.off())
    assert (
        run_check(settings_of(root), changed, store=Store.for_site(root)).diagnostics
        == run_check(settings_of(root), changed, store=Store.off()).diagnostics
    )
    assert run_check(settings_of(root), store=Store.for_site(root)) == uncached
    if kind != "body-line":
        assert uncached.diagnostics != before.diagnostics  # the case changes what the check says


def test_the_rules_across_stories_answer_from_the_cache_and_read_only_the_changed_story(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site(tmp_path / "site")
    edit(root, "title", 2, 3)  # a near-duplicate, and a ref used twice: problems the rules across stories find
    edit(root, "ref", 4, 5)
    first = run_check(settings_of(root), store=Store.for_site(root))
    assert {"R208", "R213"} <= {d.code for d in first.diagnostics}
    across = []
    real = linking.iter_corpus_problems
    monkeypatch.setattr(linking, "iter_corpus_problems", lambda *args: across.append(1) or real(*args))
    built = []
    real_build = linking.build_story
    monkeypatch.setattr(linking, "build_story", lambda doc, sid: built.append(sid) or real_build(doc, sid))

    edit(root, "body", 6, 0)  # the body only: the facts of every story are the ones kept
    again = run_check(settings_of(root), store=Store.for_site(root))
    assert again.diagnostics == run_check(settings_of(root), store=Store.off()).diagnostics
    assert again.stories == first.stories == len(IDS) + 4
    assert across == [1]  # by the uncached check only
    assert built.count("story-6") == 2 and built.count("story-0") == 1  # the cached check built the edited story alone

    across.clear()
    edit(root, "title", 6, 2)  # a title: the rules across stories look again
    assert (
        run_check(settings_of(root), store=Store.for_site(root)).diagnostics == run_check(settings_of(root), store=Store.off()).diagnostics
    )
    assert across == [1, 1]


def test_checks_of_changed_files_share_the_answer_of_the_rules_across_stories(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site(tmp_path / "site")
    run_check(settings_of(root), store=Store.for_site(root))
    across = []
    real = linking.iter_corpus_problems
    monkeypatch.setattr(linking, "iter_corpus_problems", lambda *args: across.append(1) or real(*args))
    for n in (1, 2, 3):  # each commit changes other files (a body only): the whole check's answer serves
        changed = {edit(root, "body", n, 0)}
        cached = run_check(settings_of(root), changed, store=Store.for_site(root))
        assert across == []
        assert cached.diagnostics == run_check(settings_of(root), changed, store=Store.off()).diagnostics
        across.clear()
    # story-7 shares story-6's ref: which of them is told to pick another depends on which changed
    blamed = {
        n: {
            d.path
            for d in run_check(settings_of(root), {edit(root, "body", n, 0)}, store=Store.for_site(root)).diagnostics
            if d.code == "R208"
        }
        for n in (6, 7)
    }
    assert blamed == {6: {"stories/story-6.md"}, 7: {"stories/story-7.md"}}
    assert across == [1, 1]
