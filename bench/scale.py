"""Scale benchmark: check, build, floor and memory for growing corpora, and one `mkdocs serve` rebuild.

For each N it generates a corpus (bench/corpus.py) and measures, each in a fresh process:
  (a) `interlock check` wall time: cold (no cache), with nothing changed, after a one-story edit, and
      `--changed-since HEAD` after another, and `--staged` once that edit is staged (the pre-commit case)
  (b) `mkdocs build` of the roadmap site with no cache (cold), and its peak memory (d); then the same
      build after the checks, which reuses what they converted (as a CI job that checks, then builds)
  (c) the floor: the same story Markdown built by plain mkdocs-material, no plugin, no story in the nav
      (with `--profile proposals`, with the Markdown extensions Material needs for that Markdown)
With `--repeat R`, (a) cold, (b) cold and (c) run R times, taking turns, and their medians are shown.
Then it prints the table with (b)/(c) and the growth of each from 1,000 to 4,000 stories, and times a
`mkdocs serve` rebuild after a one-story edit at the size nearest 1,000.

    bench/run [--sizes 250 1000 4000] [--projects 60] [--releases 10] [--profile synthetic|proposals] [--repeat 3]
    bench/run --profile proposals --sizes 650 --projects 30     # real-sized proposals (about 30 KB each)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corpus import FLOOR_EXTENSIONS, generate, site_config

BIN = Path(sys.executable).parent
# Bytecode is written as on a user's machine: an environment without it would compile every module of the
# package on every run, and measure that instead.
ENV = {k: v for k, v in dict(os.environ, NO_MKDOCS_2_WARNING="1").items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(command: list[str], cwd: Path, *, cache: bool = True) -> tuple[float, float]:
    """Run a command; return its wall time in seconds and its peak memory in MB (with `cache`
    False, interlock keeps no cache: a cold run)."""
    env = ENV if cache else dict(ENV, INTERLOCK_CACHE="0")
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.returncode not in (0, 1) or "Traceback" in stderr:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr[-3000:]}")
    return elapsed, usage.ru_maxrss / 1024


def edit_story(root: Path, sentence: str) -> None:
    """Append a sentence to the first story, as a PM's one-line edit."""
    story = sorted((root / "stories").glob("*.md"))[0]
    story.write_text(story.read_text("utf-8") + f"\n{sentence}\n", "utf-8")


def commit_all(root: Path) -> None:
    """Make the corpus a git repository with one commit, for `check --changed-since`."""
    git = ["git", "-C", str(root), "-c", "user.name=bench", "-c", "user.email=bench@example.org"]
    (root / ".gitignore").write_text(".cache/\nsite/\nfloor/\n", "utf-8")  # a tracked cache is refused
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "corpus"], check=True)


def floor_site(root: Path, releases: list[str], extensions: list[str] | None = None) -> Path:
    """The same story Markdown (and the stories' files) as plain pages of mkdocs-material: no plugin,
    only the home page in the nav."""
    floor = root / "floor"
    (floor / "site_src").mkdir(parents=True)
    shutil.copy(root / "site_src" / "index.md", floor / "site_src" / "index.md")
    shutil.copytree(root / "stories", floor / "site_src" / "stories")
    (floor / "mkdocs.yml").write_text(site_config(releases, plugin=False, extensions=extensions), "utf-8")
    return floor


def serve_rebuild(root: Path) -> float:
    """Return the seconds from a one-story edit to the end of `mkdocs serve`'s rebuild."""
    with socket.socket() as probe:  # a free port, so a running server elsewhere does not clash
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    process = subprocess.Popen(
        [str(BIN / "mkdocs"), "serve", "-a", f"127.0.0.1:{port}"],
        cwd=root,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    try:
        for line in process.stderr:
            if "Serving on" in line:
                break
        time.sleep(1)
        story = sorted((root / "stories").glob("*.md"))[0]
        edited = time.perf_counter()
        story.write_text(story.read_text("utf-8") + "\nOne more sentence from the benchmark.\n", "utf-8")
        for line in process.stderr:
            if re.search(r"Reloading browsers|Documentation built in", line):
                return time.perf_counter() - edited
        raise SystemExit("mkdocs serve stopped before rebuilding")
    finally:
        process.terminate()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 1000, 4000])
    parser.add_argument("--projects", type=int, default=60)
    parser.add_argument("--releases", type=int, default=10)
    parser.add_argument("--no-serve", action="store_true", help="skip the mkdocs serve rebuild")
    parser.add_argument("--profile", choices=["synthetic", "proposals"], default="synthetic")
    parser.add_argument("--repeat", type=int, default=1, help="take the median of this many cold builds, cold checks and floors")
    args = parser.parse_args()
    releases = [f"{2020 + i // 2}.{1 + i % 2}" for i in range(args.releases)]
    rows = {}
    checks: dict[int, tuple[float, float, float, float]] = {}
    work = Path(tempfile.mkdtemp(prefix="interlock-scale-"))
    print(
        f"corpora in {work}; profile {args.profile}; P={args.projects}, R={args.releases}; {os.cpu_count()} CPUs; "
        f"medians of {args.repeat} cold run(s); "
        f"Python {sys.version.split()[0]}"
    )
    built_after_check: dict[int, float] = {}
    for n in args.sizes:
        root = work / f"n{n}"
        generate(root, n, args.projects, args.releases, profile=args.profile)
        size = sum(p.stat().st_size for p in (root / "stories").rglob("*.md")) / n / 1024
        floor_root = floor_site(root, releases, FLOOR_EXTENSIONS if args.profile == "proposals" else None)
        # The ratios to the floor are of medians, the build, the cold check and the floor taking turns:
        # on a shared machine the same command varies by a third from one minute to the next.
        runs: list[tuple[float, float, float, float]] = []
        for _ in range(args.repeat):
            build, memory = measure([str(BIN / "mkdocs"), "build", "-q", "-d", str(root / "site")], root, cache=False)
            shutil.rmtree(root / "site")
            shutil.rmtree(root / ".cache", ignore_errors=True)
            check, _ = measure([str(BIN / "interlock"), "check"], root)  # cold: no .cache yet
            floor, _ = measure([str(BIN / "mkdocs"), "build", "-q", "-d", str(floor_root / "site")], floor_root)
            shutil.rmtree(floor_root / "site")
            runs.append((build, memory, check, floor))
        build, check, floor = (statistics.median(run[i] for run in runs) for i in (0, 2, 3))
        memory = max(run[1] for run in runs)
        warm, _ = measure([str(BIN / "interlock"), "check"], root)
        edit_story(root, "One more sentence from the benchmark.")
        edited, _ = measure([str(BIN / "interlock"), "check"], root)
        commit_all(root)
        edit_story(root, "And another one.")
        since, _ = measure([str(BIN / "interlock"), "check", "--changed-since", "HEAD"], root)
        subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)  # the edit staged, as pre-commit sees it
        staged, _ = measure([str(BIN / "interlock"), "check", "--staged"], root)
        checks[n] = (warm, edited, since, staged)
        built_after_check[n], _ = measure([str(BIN / "mkdocs"), "build", "-q", "-d", str(root / "site")], root)
        pages = sum(1 for _ in (root / "site").rglob("index.html"))
        rows[n] = (check, build, floor, memory, pages)
        print(
            f"  N={n} ({size:.1f} KB per story): check {check:.2f} s, build {build:.2f} s ({pages} pages; "
            f"{built_after_check[n]:.2f} s after the check), floor {floor:.2f} s, peak {memory:.0f} MB",
            flush=True,
        )

    print()
    print("| stories | (a) cold check s | (a)/(c) | (b) build s | (c) floor s | (b)/(c) | build after check s | (d) peak MB | pages |")
    print("|--------:|-----------------:|--------:|------------:|------------:|--------:|--------------------:|------------:|------:|")
    for n, (check, build, floor, memory, pages) in rows.items():
        print(
            f"| {n:,} | {check:.2f} | {check / floor:.2f} | {build:.2f} | {floor:.2f} | {build / floor:.2f} | "
            f"{built_after_check[n]:.2f} | {memory:.0f} | {pages:,} |"
        )
    print()
    print("| stories | cold check s | nothing changed s | one story edited s | --changed-since HEAD, one edit s | --staged, that edit s |")
    print("|--------:|-------------:|------------------:|-------------------:|--------------------------------:|----------------------:|")
    for n, (warm, edited, since, staged) in checks.items():
        print(f"| {n:,} | {rows[n][0]:.2f} | {warm:.2f} | {edited:.2f} | {since:.2f} | {staged:.2f} |")
    if 1000 in rows and 4000 in rows:
        a, b = rows[1000], rows[4000]
        print(
            f"\ngrowth 1,000 -> 4,000 stories: check {b[0] / a[0]:.2f}x, build {b[1] / a[1]:.2f}x, floor {b[2] / a[2]:.2f}x "
            f"(targets: check < 0.5 s at 1,000; (b)/(c) <= 2.0; growth <= 4.5x; peak < 1,500 MB at 4,000)"
        )
    if not args.no_serve and rows:
        n = min(rows, key=lambda size: abs(size - 1000))
        rebuild = serve_rebuild(work / f"n{n}")
        print(
            f"mkdocs serve, {n:,} stories: one-story edit to rebuilt site in {rebuild:.2f} s ({rebuild / rows[n][2]:.2f}x the floor's full build)"
        )
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
