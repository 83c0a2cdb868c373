"""Git history collection: interlock's one-walk history against mkdocs-git-revision-date-localized-plugin.

Creates a repository with N stories and C commits (one per story to add it, the rest edits, status
changes and a few renames, by 40 authors, with fixed dates), then measures in the same run:

  ours       HistoryCache().get(): created, updated, contributors and status timeline of every story
  plugin     `mkdocs build` of the stories as plain pages with git-revision-date-localized (creation
             and update dates), minus the same build without that plugin

    python bench/history.py [--stories 1000] [--commits 5000] [--keep DIR]

Needs the `bench` extra: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from corpus import generate

from interlock.history import HistoryCache

START = 1_600_000_000  # 2020-09-13, so every date is fixed


def fast_import_stream(root: Path, stories: list[Path], commits: int, seed: int = 11) -> bytes:
    """Return a `git fast-import` stream that builds the history (much faster than one commit per call)."""
    rng = random.Random(seed)
    authors = [(f"Author {i}", f"author{i}@example.org") for i in range(40)]
    out: list[bytes] = []
    when = START

    def commit(message: str, changes: list[bytes]) -> None:
        nonlocal when
        when += rng.randint(60, 36_000)
        name, email = rng.choice(authors)
        head = f"commit refs/heads/main\nauthor {name} <{email}> {when} +0000\ncommitter {name} <{email}> {when} +0000\n"
        msg = message.encode()
        out.append(head.encode() + b"data %d\n" % len(msg) + msg + b"\n" + b"".join(changes) + b"\n")

    def put(rel: str, data: bytes) -> bytes:
        return f"M 100644 inline {rel}\n".encode() + b"data %d\n" % len(data) + data + b"\n"

    fixed = [p for p in root.rglob("*") if p.is_file() and "stories" not in p.relative_to(root).parts]
    commit("site configuration and priority lists", [put(p.relative_to(root).as_posix(), p.read_bytes()) for p in fixed])
    names = [p.relative_to(root).as_posix() for p in stories]
    texts = {name: p.read_text("utf-8") for name, p in zip(names, stories, strict=True)}
    for name in names:
        # Every story starts as a draft; later edits move it towards the status it has today.
        draft = re.sub(r"(?m)^status: .*$", "status: draft", texts[name], count=1)
        commit(f"add {name}", [put(name, draft.encode())])
    live = list(names)
    for n in range(commits - len(names) - 1):
        name = rng.choice(live)
        kind = rng.random()
        if kind < 0.02:
            new = name.replace(".md", f"-r{n}.md")
            commit(f"rename {name}", [f'R "{name}" "{new}"\n'.encode()])
            live[live.index(name)] = new
            texts[new] = texts.pop(name)
            continue
        text = texts[name] + f"\nEdit {n}: {rng.choice(['clarify', 'reword', 'add detail to'])} the scenario.\n"
        texts[name] = text
        commit(f"edit {name}", [put(name, text.encode())])
    return b"".join(out)


def make_repository(root: Path, stories: int, commits: int) -> None:
    paths = generate(root, stories, projects=60, releases=10)
    stream = fast_import_stream(root, paths, commits)
    shutil.rmtree(root / "stories")
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=stream, check=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=root, check=True)


def plain_site(root: Path, with_plugin: bool) -> Path:
    """A plain mkdocs-material site over the stories folder, with or without the date plugin."""
    plugins: list[object] = ["search"]
    if with_plugin:
        plugins.append({"git-revision-date-localized": {"enable_creation_date": True, "fallback_to_build_date": False}})
    # One page in the nav: a nav of every page would make both builds quadratic and hide the difference.
    first = min(p.name for p in (root / "stories").glob("*.md"))
    config = {
        "site_name": "Stories",
        "docs_dir": "stories",
        "theme": {"name": "material", "font": False},
        "nav": [{"Stories": first}],
        "plugins": plugins,
    }
    path = root / ("with-plugin.yml" if with_plugin else "without-plugin.yml")
    path.write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")
    return path


def timed_build(root: Path, config: Path) -> float:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(root / "out")], cwd=root, check=True, env=env
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=1000)
    parser.add_argument("--commits", type=int, default=5000)
    parser.add_argument("--keep", type=Path, help="build the repository here and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="interlock-history-"))
    start = time.perf_counter()
    make_repository(root, args.stories, args.commits)
    count = int(subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=root, capture_output=True, text=True, check=True).stdout)
    print(f"repository: {args.stories} stories, {count} commits ({time.perf_counter() - start:.1f} s to create) in {root}")

    cache = HistoryCache()
    start = time.perf_counter()
    history = cache.get(root, root / "stories")
    ours = time.perf_counter() - start
    start = time.perf_counter()
    cache.get(root, root / "stories")
    cached = time.perf_counter() - start
    timelines = sum(len(h.statuses) > 1 for h in history.files.values())
    renamed = sum(h.created_as != path for path, h in history.files.items())
    assert len(history.files) == args.stories, len(history.files)

    floor = timed_build(root, plain_site(root, with_plugin=False))
    plugin = timed_build(root, plain_site(root, with_plugin=True))
    overhead = plugin - floor
    print(
        f"ours:   history of {len(history.files)} stories in {ours:.2f} s ({timelines} with a status change, {renamed} renamed); "
        f"again with the same HEAD: {cached * 1000:.1f} ms"
    )
    print(f"plugin: mkdocs build {plugin:.1f} s with git-revision-date-localized, {floor:.1f} s without: {overhead:.1f} s of history")
    print(f"ratio:  {overhead / ours:.0f}x faster (target >= 20x); ours under 2 s: {'yes' if ours < 2 else 'NO'}")
    if not args.keep:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
