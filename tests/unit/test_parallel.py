"""Stories checked by forked workers say exactly what they say checked one by one."""

from __future__ import annotations

import shutil
import sys
import threading
from pathlib import Path

import pytest

from interlock import linking, parallel
from interlock.body import BodyRenderer
from interlock.bodycache import StoredBodyRenderer
from interlock.cache import Store
from interlock.checking import run_check
from interlock.converter import converter_helper
from interlock.loader import DocumentCache, MarksText, marks_in_store, read_document
from interlock.rules import load_settings
from interlock.siteconfig import read_site_options

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CAN_FORK = sys.platform == "linux" and parallel.workers() >= 2


@pytest.fixture(autouse=True)
def one_thread() -> None:
    """Forked workers run only while the process has one thread: a test that leaves one running
    (a server, a browser) would make every test here pass without a worker. Fail instead."""
    assert threading.active_count() == 1, [t.name for t in threading.enumerate()]


def test_forked_map_keeps_the_order_and_leaves_little_work_to_the_caller() -> None:
    assert parallel.forked_map(lambda n: n * 2, list(range(parallel.PARALLEL_AT - 1))) is None
    items = list(range(parallel.PARALLEL_AT * 2 + 3))
    doubled = parallel.forked_map(lambda n: (n * 2, parallel._job is not None), items)
    if not CAN_FORK:
        assert doubled is None
        return
    assert doubled == [(n * 2, True) for n in items]
    assert parallel._job is None  # nothing left for the next call


@pytest.mark.skipif(not CAN_FORK, reason="forked workers run on Linux with two cores or more")
def test_a_started_pool_works_while_the_caller_goes_on_and_no_other_starts_meanwhile() -> None:
    import gc
    import os

    items = list(range(parallel.PARALLEL_AT * 2))
    started = parallel.start_forked_map(lambda n: (n * 3, os.getpid()), items)
    assert started is not None and parallel.busy()
    assert gc.get_freeze_count() > 0  # what the parent made is out of the workers' collections
    # Meanwhile, another job's items are the caller's to run: no second pool starts.
    assert parallel.forked_map(lambda n: n, items) is None
    assert parallel.start_forked_map(lambda n: n, items) is None
    found = started.results()
    assert found is not None and [n for n, _ in found] == [n * 3 for n in items]
    assert os.getpid() not in {pid for _, pid in found}  # computed by the workers
    assert not parallel.busy() and parallel._job is None and gc.get_freeze_count() == 0
    assert started.results() is None  # asked twice: it has nothing more to give
    # One that is given up on lets the next one start.
    again = parallel.start_forked_map(lambda n: n, items)
    assert again is not None
    parallel.abandon()
    assert not parallel.busy()
    assert parallel.forked_map(lambda n: n + 1, items) == [n + 1 for n in items]


def test_workers_forked_while_collection_is_paused_collect() -> None:
    import gc

    with parallel.collections_paused():
        assert not gc.isenabled()
        found = parallel.forked_map(lambda _: gc.isenabled(), list(range(parallel.PARALLEL_AT * 2)))
    assert gc.isenabled()
    assert found is None or all(found)


def test_a_job_that_fails_in_a_worker_is_left_to_the_caller() -> None:
    def job(n: int) -> int:
        if n == 60:
            raise ValueError(n)
        return n

    assert parallel.forked_map(job, list(range(100))) is None


@pytest.fixture
def many_stories(tmp_path: Path) -> Path:
    """The broken fixture with every story copied eight times: enough stories for the workers, and
    every kind of problem (a copy also repeats its original's ref and title)."""
    root = tmp_path / "many"
    shutil.copytree(FIXTURES / "broken", root, ignore=shutil.ignore_patterns(".cache"))
    for story in sorted((root / "stories").glob("*.md")):
        for n in range(8):
            shutil.copy(story, story.with_name(f"{story.stem.replace(' ', '-')}-copy-{n}.md"))
    return root


def settings_of(root: Path):  # type: ignore[no-untyped-def]
    options, found = read_site_options(root / "mkdocs.yml")
    return load_settings(options, found)


@pytest.mark.skipif(not CAN_FORK, reason="forked workers run on Linux with two cores or more")
def test_stories_checked_by_workers_say_what_one_by_one_says(many_stories: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INTERLOCK_CACHE", raising=False)
    settings = settings_of(many_stories)
    pooled: list[int] = []
    real = parallel.start_forked_map

    def counted(job, items):  # type: ignore[no-untyped-def]
        found = real(job, items)
        pooled.append(len(items) if found is not None else 0)
        return found

    monkeypatch.setattr(linking, "start_forked_map", counted)
    in_workers = run_check(settings, store=Store.off())
    assert pooled and pooled[0] >= parallel.PARALLEL_AT
    monkeypatch.setenv("INTERLOCK_WORKERS", "1")  # documents, stories and near-duplicates: all in this process
    assert parallel.forked_map(lambda n: n, list(range(100))) is None
    one_by_one = run_check(settings, store=Store.off())
    assert in_workers.diagnostics == one_by_one.diagnostics
    assert {d.code for d in in_workers.diagnostics} >= {"R003", "R208", "R213", "R313", "R605"}

    # With the cache: the workers' conversions are kept, and a second run answers from them.
    monkeypatch.delenv("INTERLOCK_WORKERS")
    store = Store.for_site(many_stories)
    assert run_check(settings, store=store).diagnostics == one_by_one.diagnostics
    again = Store.for_site(many_stories)
    bodies = StoredBodyRenderer(again)
    _, stories, *_ = linking.load_inputs(settings, DocumentCache(again), bodies=bodies)
    assert sum(bool(bodies.render(story.body).html) for story in stories.values()) > 50
    assert bodies._instance is None  # every body came from the cache: no converter was made


@pytest.mark.skipif(not CAN_FORK, reason="forked workers run on Linux with two cores or more")
def test_documents_parsed_by_workers_hand_back_their_positions_as_text(many_stories: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the cache, a worker passes a document's positions as the JSON it keeps: every position
    read from that text is the one a parse in this process finds, and it is read only when asked."""
    monkeypatch.delenv("INTERLOCK_CACHE", raising=False)
    files = [(path, f"stories/{path.name}") for path in sorted((many_stories / "stories").glob("*.md"))]
    assert len(files) >= parallel.PARALLEL_AT
    derived = DocumentCache(Store.for_site(many_stories)).read_many_derived(files, front_matter=True, derive=lambda doc, path: path.stem)
    for (path, rel), (doc, stem) in zip(files, derived, strict=True):
        direct = read_document(path, rel, front_matter=True)
        assert stem == path.stem  # derived where it was parsed
        if direct.data is None:
            continue
        assert isinstance(doc.stored_marks, MarksText) and not doc.key_marks and not marks_in_store(doc)
        assert doc.where(("title",), value=True) == direct.where(("title",), value=True)  # read from the text now
        assert doc.stored_marks is None and (doc.key_marks, doc.value_marks) == (direct.key_marks, direct.value_marks)


@pytest.mark.skipif(not CAN_FORK, reason="a forked helper runs on Linux with two cores or more")
def test_a_helper_gets_ready_while_the_caller_works_and_returns_its_results_in_order() -> None:
    ready: list[int] = []
    helper = parallel.Helper(lambda: ready.append(1), lambda text: (text.upper(), len(ready)))
    assert helper.running
    assert helper.send(["b", "a"])
    assert helper.results() == [("B", 1), ("A", 1)]  # ready ran in the helper, before the job
    assert ready == [] and not helper.running  # not here; and the helper is gone once it answered


@pytest.mark.skipif(not CAN_FORK, reason="a forked helper runs on Linux with two cores or more")
def test_a_helper_that_fails_or_is_not_needed_leaves_nothing_behind(capfd: pytest.CaptureFixture[str]) -> None:
    failing = parallel.Helper(lambda: None, lambda item: 1 / item)
    assert failing.send([1, 0])
    assert failing.results() is None  # the caller does the work
    assert capfd.readouterr() == ("", "")  # and no traceback in the check's output
    unused = parallel.Helper(lambda: None, str)
    process = unused._process
    unused.close()
    assert process is not None and not process.is_alive()
    assert not unused.send(["x"])


def test_the_bodies_a_helper_converts_are_those_converted_here() -> None:
    texts = ["# Title\n\n- [ ] a task\n- b ~~gone~~ https://example.org\n", "<script>alert(1)</script>\n\nText <b>bold</b>"]
    helper = converter_helper()
    if helper is None:
        pytest.skip("no helper here")
    assert helper.send(texts)
    assert helper.results() == [BodyRenderer().render(text) for text in texts]
