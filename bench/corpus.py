"""A synthetic but valid roadmap for benchmarks: N stories over P projects with R releases each.

Deterministic for a given seed, so two runs measure the same input. Two profiles:
  synthetic  short bodies (about 2 KB): the scale benchmark's corpus
  proposals  real-sized proposals (about 30 KB): tables, fenced code, nested and task lists written
             the GitHub way, long requirement lists, and in one story of nine a diagram kept in the
             story's folder, as in a large community's proposal history

    python bench/corpus.py OUT_DIR --stories 1000 --projects 60 --releases 10 [--profile proposals]
"""

from __future__ import annotations

import argparse
import itertools
import random
import string
from pathlib import Path

import yaml

STATUSES = ("draft", "proposed", "accepted", "in-progress", "completed", "parked", "rejected")
PERSONAS = ["cloud operator", "cloud user", "application developer", "domain admin", "capacity planner"]
CRITERIA = {"user_impact": 3, "breadth": 2, "operator_cost": 2, "strategic_fit": 1}
WORDS = [
    "operator",
    "tenant",
    "quota",
    "region",
    "upgrade",
    "instance",
    "volume",
    "network",
    "image",
    "placement",
    "scheduler",
    "policy",
    "audit",
    "capacity",
    "failover",
    "migration",
    "snapshot",
    "backup",
    "identity",
    "federation",
    "token",
    "endpoint",
    "catalogue",
    "service",
    "availability",
    "latency",
    "throughput",
    "maintenance",
    "window",
    "rollback",
    "release",
    "deployment",
    "cluster",
    "node",
    "host",
    "storage",
    "encryption",
    "key",
    "rotation",
    "compliance",
    "report",
    "dashboard",
    "alert",
    "metric",
    "event",
    "notification",
    "api",
]


def sentence(rng: random.Random, low: int = 8, high: int = 20) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(sentence(rng) for _ in range(sentences))


# What a Material site needs to show GitHub-style proposals (tables, fenced and highlighted code,
# task lists, strikethrough, autolinks, footnotes): the floor of the proposals profile uses it.
FLOOR_EXTENSIONS = [
    "tables",
    "toc",
    "admonition",
    "footnotes",
    "pymdownx.superfences",
    "pymdownx.highlight",
    "pymdownx.tasklist",
    "pymdownx.tilde",
    "pymdownx.magiclink",
]


def site_config(releases: list[str], *, plugin: bool = True, extensions: list[str] | None = None) -> str:
    """Return the mkdocs.yml of the generated roadmap (without the roadmap plugin: the floor)."""
    config: dict[str, object] = {
        "site_name": "Synthetic roadmap",
        "docs_dir": "site_src",
        "theme": {"name": "material", "font": False},
        "plugins": ["search"],
    }
    if extensions:
        config["markdown_extensions"] = extensions
    if plugin:
        config["nav"] = [{"Home": "index.md"}, {"Stories": "stories/index.md"}, {"Ranking": "ranking.md"}]
        config["plugins"] = [
            "search",
            {
                "interlock": {
                    "releases": releases,
                    "current_release": releases[-1],
                    "personas": PERSONAS,
                    "criteria": CRITERIA,
                }
            },
        ]
    else:
        config["nav"] = [{"Home": "index.md"}]
    return yaml.safe_dump(config, sort_keys=False)


def synthetic_body(rng: random.Random, ref: str, cases: range) -> str:
    """Return a short body (about 2 KB) with every section a proposed story needs."""
    use_cases = "\n".join(
        f"- {ref}{k:03d} As a {rng.choice(PERSONAS)}, I want {sentence(rng, 4, 8)[:-1].lower()}, so that "
        f"{sentence(rng, 4, 8)[:-1].lower()}."
        for k in cases
    )
    criteria = "\n".join(f"- {sentence(rng)} ({ref}{k:03d})" for k in cases)
    return (
        f"## Problem description\n{paragraph(rng, 5)}\n\n{paragraph(rng, 3)}\n\n"
        f"## Opportunity\n{paragraph(rng, 3)}\n\n"
        f"## Use cases\n{use_cases}\n\n"
        f"## Usage scenarios\n{paragraph(rng, 5)}\n\n"
        f"## Acceptance criteria\n{criteria}\n\n"
        f"## Requirements\n{paragraph(rng, 2)}\n"
    )


def proposal_sections(rng: random.Random, ref: str, story_id: str, cases: range, with_diagram: bool) -> str:
    """Return a body of about 30 KB as PMs write proposals on GitHub."""
    goals = "\n".join(f"{k}. {sentence(rng, 6, 12)}" for k in range(1, 6))
    nested = "\n".join(f"- {sentence(rng, 4, 8)}\n  - {sentence(rng, 4, 8)}\n  - {sentence(rng, 4, 8)}" for _ in range(4))
    table = "| Area | Today | Proposed | Owner |\n| --- | --- | --- | --- |\n" + "\n".join(
        f"| {rng.choice(WORDS)} | {sentence(rng, 3, 6)} | ~~{rng.choice(WORDS)}~~ {sentence(rng, 3, 6)} | {rng.choice(WORDS)} |"
        for _ in range(10)
    )
    code = "```yaml\n" + "\n".join(f"{rng.choice(WORDS)}_{k}: {rng.randint(1, 999)}  # {sentence(rng, 3, 6)}" for k in range(16)) + "\n```"
    console = "```console\n" + "\n".join(f"$ openstack {rng.choice(WORDS)} list --{rng.choice(WORDS)} {k}" for k in range(8)) + "\n```"
    tasks = "\n".join(f"- [{'x' if rng.random() < 0.4 else ' '}] {sentence(rng, 4, 9)}" for _ in range(8))
    use_cases = "\n".join(
        f"- {ref}{k:03d} As a {rng.choice(PERSONAS)}, I want {sentence(rng, 4, 8)[:-1].lower()}, so that {sentence(rng, 4, 8)[:-1].lower()}."
        for k in cases
    )
    criteria = "\n".join(f"- {sentence(rng)} ({ref}{k:03d})" for k in cases)
    requirements = "\n".join(f"{k}) {sentence(rng, 8, 18)}" for k in range(1, 31))
    diagram = f"![Architecture of the change]({story_id}/architecture.svg)\n\n" if with_diagram else ""
    details = "\n\n".join(
        f"### {sentence(rng, 2, 4)[:-1]}\n{paragraph(rng, 6)}\n\n{paragraph(rng, 5)}\nSteps:\n"
        + "\n".join(f"{k}. {sentence(rng, 5, 10)}" for k in range(1, 5))
        for _ in range(14)
    )
    return (
        f"## Problem description\n{paragraph(rng, 6)}\nGoals:\n{goals}\n\n{paragraph(rng, 5)}\n\n{nested}\n\n"
        f"## Opportunity\n{paragraph(rng, 4)}\n\n{table}\n\n"
        f"## Use cases\n{use_cases}\n\n"
        f"## Usage scenarios\n{diagram}{paragraph(rng, 6)}\n\n{code}\n\n{paragraph(rng, 4)}\n\n{console}\n\nProgress:\n{tasks}\n\n"
        f"## Acceptance criteria\n{criteria}\n\n"
        f"## Requirements\n{requirements}\n\n"
        f"## Design details\n{details}\n"
    )


def diagram_svg(rng: random.Random) -> str:
    boxes = "".join(
        f'<rect x="{20 + 150 * k}" y="30" width="130" height="60" rx="6" fill="#e3f2fd" stroke="#1565c0"/>'
        f'<text x="{85 + 150 * k}" y="65" text-anchor="middle" font-size="13">{rng.choice(WORDS)}</text>'
        for k in range(4)
    )
    return f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 620 120" width="620" height="120">{boxes}</svg>\n'


def generate(out: Path, stories: int, projects: int, releases: int, seed: int = 7, profile: str = "synthetic") -> list[Path]:
    """Write mkdocs.yml, site_src/, priorities/ and stories/ under `out`; return the story paths."""
    rng = random.Random(seed)
    release_names = [f"{2020 + i // 2}.{1 + i % 2}" for i in range(releases)]
    (out / "site_src").mkdir(parents=True, exist_ok=True)
    (out / "site_src" / "index.md").write_text("# Synthetic roadmap\n\nGenerated for benchmarks.\n", "utf-8")
    (out / "mkdocs.yml").write_text(site_config(release_names), "utf-8")
    (out / "priorities").mkdir(exist_ok=True)
    (out / "stories").mkdir(exist_ok=True)

    items: dict[tuple[str, str], list[str]] = {}
    liaisons: dict[str, list[str]] = {}
    names = [f"project-{i:02d}" for i in range(projects)]
    for name in names:
        liaisons[name] = [f"Liaison {name[-2:]}{letter}" for letter in "AB"][: rng.randint(0, 2)]
        plans = {}
        for release in release_names:
            planned = [f"item-{k}" for k in rng.sample(range(40), 6)]
            unplanned = [f"idea-{k}" for k in rng.sample(range(40), 3)]
            items[(name, release)] = planned + unplanned
            plans[release] = {
                "priorities": [{"id": i, "title": sentence(rng, 3, 6), "owners": ["Owner One"]} for i in planned],
                "without_plan": [{"id": i, "title": sentence(rng, 3, 6)} for i in unplanned],
            }
        data = {
            "project": name,
            "name": name.replace("-", " ").title(),
            "description": sentence(rng),
            "url": f"https://docs.example.org/{name}/",
            "liaisons": [{"name": n, "irc": n.lower().replace(" ", "")} for n in liaisons[name]],
            "releases": plans,
        }
        (out / "priorities" / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False, width=1000), "utf-8")

    refs = ["".join(c) for c in itertools.product(string.ascii_uppercase, repeat=3)]
    rng.shuffle(refs)
    ids = [f"story-{i:05d}" for i in range(stories)]
    paths = []
    for n, story_id in enumerate(ids):
        ref = refs[n]
        status = rng.choice(STATUSES)
        release = rng.choice(release_names)
        chosen = rng.sample(names, rng.randint(1, 5))
        # Only projects with a liaison can carry an accepted story.
        if STATUSES.index(status) >= 2 and status not in ("parked", "rejected"):
            chosen = [p for p in chosen if liaisons[p]] or [next(p for p in names if liaisons[p])]
        entries = {}
        for project in chosen:
            entry: dict[str, object] = {"gap": sentence(rng, 6, 14)}
            if rng.random() < 0.7:
                entry["priorities"] = rng.sample(items[(project, release)], rng.randint(1, 2))
            if liaisons[project]:
                entry["liaison"] = rng.choice(liaisons[project])
            entry["tracking"] = [
                {
                    "type": rng.choice(["spec", "blueprint", "bug", "review"]),
                    "title": sentence(rng, 3, 6),
                    "url": f"https://review.example.org/{rng.randint(1, 10**6)}",
                    "status": rng.choice(["pending", "in-progress", "complete", "abandoned"]),
                }
                for _ in range(rng.randint(0, 3))
            ]
            entries[project] = entry
        front = {
            "title": sentence(rng, 3, 7)[:-1],
            "status": status,
            "ref": ref,
            "authors": [f"Author {rng.randint(1, 200)} <author{rng.randint(1, 200)}@example.org>"],
            "working_groups": [rng.choice(["Edge", "Telco", "Scientific", "Public cloud"])],
            "personas": rng.sample(PERSONAS, 2),
            "target_release": release,
            "weights": {c: rng.randint(0, 5) for c in CRITERIA},
            "projects": entries,
            "related": sorted({rng.choice(ids) for _ in range(rng.randint(0, 3))} - {story_id}),
        }
        cases = range(1, rng.randint(2, 5))
        path = out / "stories" / f"{story_id}.md"
        if profile == "proposals":
            with_diagram = n % 9 == 0
            if with_diagram:
                (out / "stories" / story_id).mkdir(exist_ok=True)
                (out / "stories" / story_id / "architecture.svg").write_text(diagram_svg(rng), "utf-8")
            body = proposal_sections(rng, ref, story_id, cases, with_diagram)
            path.write_text("---\n" + yaml.safe_dump(front, sort_keys=False, width=1000) + "---\n\n" + body, "utf-8")
            paths.append(path)
            continue
        body = synthetic_body(rng, ref, cases)
        path.write_text("---\n" + yaml.safe_dump(front, sort_keys=False, width=1000) + "---\n\n" + body, "utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--stories", type=int, default=1000)
    parser.add_argument("--projects", type=int, default=60)
    parser.add_argument("--releases", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", choices=["synthetic", "proposals"], default="synthetic")
    args = parser.parse_args()
    generate(args.out, args.stories, args.projects, args.releases, args.seed, args.profile)


if __name__ == "__main__":
    main()
