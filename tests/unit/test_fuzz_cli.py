"""Fuzzing the commands as a hostile pull request would: mutated stories, priority lists, bodies,
file names, links and refs go through check, export, diff and the site build. Every run must end
in exit 0, 1 or 2 with no traceback, write nothing outside its output, stay within generous time
and memory bounds (a hang or a blow-up detector, not a speed test: speed is measured in bench/),
and whenever the build cannot publish, `check` must have reported an error first.

CI runs a bounded number of examples; `bench/fuzz` runs many more (HYPOTHESIS_PROFILE=fuzz)."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import resource
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, GitRepo, copy_site
from interlock.cli import main

SECONDS = 60  # per command: far above any real run, so only a hang trips it
MEGABYTES = 1500  # growth of the peak memory over a whole test: only a blow-up trips it

VALID = (FIXTURES / "minimal" / "stories" / "planned.md").read_text("utf-8")
PRIORITIES = (FIXTURES / "minimal" / "priorities" / "alpha.yaml").read_text("utf-8")

# Pieces of hostile Markdown and HTML: raw HTML fragments, CDATA and declaration openers, unclosed
# tags, include lines, deep nesting, other hosts, scripts in and out of code.
BODY_PIECES = [
    "<![",
    "<![CDATA[ x",
    "<!DOCTYPE",
    "<!--",
    "<?php",
    "</",
    "<div>",
    '<div markdown="1">',
    "</div>",
    "<details><summary>s",
    "<script>window.__pwned=1</script>",
    "<img src=x onerror=alert(1)>",
    "<img src=//evil.example/p.png>",
    "![x](https://evil.example/p.png)",
    "[x](javascript:alert(1))",
    '--8<-- "mkdocs.yml"',
    '--8<-- "/etc/passwd"',
    "```",
    "~~~",
    "`<object>`",
    "    indented code",
    "> " * 40,
    "- " * 40,
    "1) item",
    "- [ ] task",
    "| a | b |",
    "|---|---|",
    "{++ critic ++}",
    "[^1]",
    "[^1]: note",
    "*[HTML]: x",
    "\x00",
    "\u2028",
    "\x0c",
    "\t",
    "\r",
    "## Use cases",
    "- PLA001 As a user",
    "Javascript: >= v0.10.3",
    "&#x3C;script&#x3E;",
    "&",
    "\\",
]
body_text = st.lists(st.sampled_from(BODY_PIECES) | st.text(max_size=20), max_size=25).map(lambda parts: "\n".join(parts))

# Front-matter lines that go wrong in the usual and unusual ways.
FRONT_PIECES = [
    "title: Fix #123 quotas",
    "title: &a [x]",
    "title: *a",
    "<<: {a: 1}",
    "status:draft",
    "\tstatus: draft",
    'title: "unclosed',
    "projects: [" * 50,
    "projects: {alpha: {gap: " + "[" * 40,
    "related: [planned, Planned story, nowhere]",
    "weights: {impact: 9, nope: 1}",
    "target_release: 2025.10",
    "--- \n---",
    "? [a]\n: b",
    "ref: PLA",
    "authors: !!python/object/apply:os.system [id]",
    "status: proposed",
    "status: accepted",
]
name_chars = st.characters(codec="utf-8", exclude_characters="/\x00", exclude_categories=("Cs",))
file_names = st.text(name_chars, min_size=1, max_size=24).filter(lambda n: n not in (".", ".."))
refs = st.sampled_from(["HEAD", "main", "HEAD~1", "@{-1}", "HEAD@{999}", "HEAD@{yesterday}", "--output=stolen.txt", "-p", ""]) | st.text(
    name_chars, max_size=20
)


@st.composite
def stories(draw: st.DrawFn) -> str:
    lines = VALID.split("\n")
    end = lines.index("---", 1)
    front = lines[1:end]
    for _ in range(draw(st.integers(0, 3))):
        front.insert(draw(st.integers(0, len(front))), draw(st.sampled_from(FRONT_PIECES)))
    return "\n".join(["---", *front, "---", draw(body_text)])


class Limits:
    """Fails a command that runs longer than SECONDS, and a test whose peak memory grows by MEGABYTES."""

    def __init__(self) -> None:
        self.start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    @contextlib.contextmanager
    def timed(self, what: str) -> Iterator[None]:
        def expired(signum: int, frame: object) -> None:
            raise AssertionError(f"{what} ran for more than {SECONDS} s")

        previous = signal.signal(signal.SIGALRM, expired)
        signal.alarm(SECONDS)
        try:
            yield
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - self.start) / 1024
        assert grown < MEGABYTES, f"{what}: peak memory grew by {grown:.0f} MB"


def run(limits: Limits, *args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with limits.timed(" ".join(args)), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(args))
    text = out.getvalue() + err.getvalue()
    assert status in (0, 1, 2), (args, status, text[-2000:])
    assert "Traceback" not in text, text[-3000:]
    return status, text


class Playground:
    """A committed copy of the minimal site; each example writes its files, runs, then is reset."""

    def __init__(self, root: Path) -> None:
        self.top = root
        self.root = root / "repo"
        self.root.mkdir()
        copy_site(FIXTURES / "minimal", self.root)
        self.git = GitRepo(self.root)
        files = {
            p.relative_to(self.root).as_posix(): p.read_text("utf-8") for p in self.root.rglob("*") if p.is_file() and ".git" not in p.parts
        }
        self.git.commit("2024-01-01T00:00:00+00:00", files, message="base")
        self.git.commit("2024-01-02T00:00:00+00:00", {"stories/extra.md": VALID.replace("ref: PLA", "ref: EXT")}, message="second")
        self.out = root / "out"
        self.outside = root / "outside.md"
        self.outside.write_text("---\ntitle: outside\n---\n", "utf-8")

    def reset(self) -> None:
        subprocess.run(["git", "reset", "-q", "--hard", "HEAD"], cwd=self.root, check=True)
        subprocess.run(["git", "clean", "-q", "-fdx"], cwd=self.root, check=True)
        shutil.rmtree(self.out, ignore_errors=True)
        self.out.mkdir()

    def snapshot(self) -> set[str]:
        """Every path outside the working copy and the output folder (where nothing may appear)."""
        return {
            p.relative_to(self.top).as_posix()
            for p in self.top.rglob("*")
            if self.root not in (p, *p.parents) and self.out not in (p, *p.parents)
        }

    def write(self, folder: str, name: str, data: str | bytes) -> None:
        target = self.root / folder / name
        with contextlib.suppress(OSError):  # a name the file system refuses (too long, say) is not a finding
            if isinstance(data, bytes):
                target.write_bytes(data)
            else:
                target.write_text(data, "utf-8", errors="surrogatepass")


@pytest.fixture(scope="module")
def playground(tmp_path_factory: pytest.TempPathFactory) -> Playground:
    return Playground(tmp_path_factory.mktemp("fuzz-cli"))


# Each example runs many whole commands: a tenth of the profile's examples (15 in CI, 500 in bench/fuzz).
COMMON = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
    max_examples=max(10, settings.default.max_examples // 10),
)


@COMMON
@given(
    story=stories(),
    name=file_names,
    raw=st.binary(max_size=300),
    priorities=st.text(max_size=200).map(lambda t: PRIORITIES + t),
    link=st.booleans(),
    ref=refs,
)
def test_commands_survive_hostile_inputs(
    playground: Playground, story: str, name: str, raw: bytes, priorities: str, link: bool, ref: str
) -> None:
    playground.reset()
    limits = Limits()
    before = playground.snapshot()
    playground.write("stories", "fuzzed.md", story)
    playground.write("stories", name, raw)
    playground.write("priorities", "alpha.yaml", priorities)
    if link:
        with contextlib.suppress(OSError):
            os.symlink(playground.outside, playground.root / "stories" / "linked.md")
    config = str(playground.root / "mkdocs.yml")
    cwd = os.getcwd()
    os.chdir(playground.root)
    try:
        status, text = run(limits, "check", "-f", config)
        assert "outside" not in text.replace("outside.md", "") or "R010" in text  # the link's target is never read
        for fmt in ("github", "sarif", "json"):
            run(limits, "check", "-f", config, "--format", fmt)
        run(limits, "check", "-f", config, f"--changed-since={ref}")
        run(limits, "export", "-f", config, "--format", "csv", "-o", str(playground.out / "r.csv"))
        run(limits, "export", "-f", config, "-o", str(playground.out / "r.json"))
        subprocess.run(["git", "add", "-A"], cwd=playground.root, check=True, capture_output=True)
        subprocess.run(["git", "commit", "-q", "-m", "fuzz", "--no-verify"], cwd=playground.root, check=False, capture_output=True)
        run(limits, "diff", "-f", config, "--", ref or "HEAD~1", "HEAD")
        run(limits, "check", "-f", config, "--staged")
    finally:
        os.chdir(cwd)
    assert playground.snapshot() == before, "a command wrote outside its output"


@pytest.fixture(scope="module")
def build_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_site(FIXTURES / "minimal", tmp_path_factory.mktemp("fuzz-build"))


def build(root: Path) -> Exception | None:
    """Build the site in this process (a subprocess per example would take most of the time)."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    try:
        config = load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(root / "site"), strict=False)
        mkdocs_build(config)
    except Exception as exc:  # noqa: BLE001 - whatever stops the build is the finding
        return exc
    return None


@COMMON
@given(body=body_text, front=st.lists(st.sampled_from(FRONT_PIECES), max_size=2))
def test_the_build_publishes_whatever_check_passes(build_site: Path, body: str, front: list[str]) -> None:
    """The check and the build agree: whenever the build cannot publish, check reported an error first."""
    head, _, rest = VALID[4:].partition("\n---\n")
    text = "---\n" + "\n".join([head, *front]) + "\n---\n" + rest + "\n" + body
    (build_site / "stories" / "fuzzed.md").write_text(text, "utf-8", errors="surrogatepass")
    status, output = run(Limits(), "check", "-f", str(build_site / "mkdocs.yml"))
    failure = build(build_site)
    if failure is not None:
        assert status == 1 and ": error: " in output, f"the build failed ({failure!r}) where check passed:\n{output}"
    else:
        page = build_site / "site" / "stories" / "fuzzed" / "index.html"
        assert page.is_file() or status == 1, "a story that passed the check was not published"
        if page.is_file():
            article = BeautifulSoup(page.read_text("utf-8"), "html.parser").select_one("div.rm-story-body")
            assert article is not None
            for tag in article.find_all(True):
                assert tag.name not in ("script", "iframe", "object", "embed", "form", "style"), tag
                assert not any(name.startswith("on") for name in tag.attrs), tag
                assert not str(tag.get("href", "")).strip().lower().startswith("javascript:"), tag
                assert "evil.example" not in str(tag.get("src", "")), tag
