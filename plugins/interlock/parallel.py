"""Many independent jobs at once, in a pool of forked processes: the stories of a cold check or build.

Checking a story and converting its text are the costliest work of a check and of a build (tens of
milliseconds for a proposal of 30 KB). On Linux, and only while the process has one thread (forking a
process with threads is unsafe; `mkdocs serve` rebuilds in a thread, and converts only what changed),
the jobs run in one forked worker per core. "spawn" would run the caller's main module again in every
worker. Elsewhere, or for few jobs, the caller runs them one by one.

The job is a function of the parent's memory at the fork (a worker inherits it), so only the items
and the results cross between processes, pickled. A job must not use what a fork does not carry
safely: an open SQLite connection (the cache on disk) above all.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar

PARALLEL_AT = 48  # jobs before a pool pays for itself
CHUNK = 8  # jobs sent to a worker at once
Item = TypeVar("Item")
Result = TypeVar("Result")

_job: Callable[[Any], Any] | None = None  # set before the fork; what the workers run
_started: Started[Any] | None = None  # the pool at work, if any


def _run(items: list[Any]) -> list[Any]:
    assert _job is not None
    gc.enable()  # a worker may be forked while the parent pauses collection (collections_paused)
    return [_job(item) for item in items]


def workers() -> int:
    """Return how many workers may run: one per core this process may run on, or fewer when
    INTERLOCK_WORKERS says so (1: everything in this process)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    wanted = os.environ.get("INTERLOCK_WORKERS", "").strip()
    return max(1, min(cores, int(wanted))) if wanted.isdigit() else cores


def forked_map(job: Callable[[Item], Result], items: Sequence[Item]) -> list[Result] | None:
    """Return [job(item) for item in items] computed by forked workers, in order; or None when a pool
    does not pay or cannot run here (few items, one core, not Linux, threads): the caller runs them."""
    started = start_forked_map(job, items)
    return started.results() if started is not None else None


class Started(Generic[Result]):
    """A pool of forked workers at work on a job's items while the caller goes on (`start_forked_map`).
    While it runs, no other pool starts here: a `forked_map` meanwhile returns None (the caller runs
    that job's items itself, on the time the workers leave)."""

    def __init__(self, pool: Any, chunks: Iterator[list[Result]]) -> None:
        global _started
        self._pool: Any = pool
        self._chunks = chunks
        _started = self

    def results(self) -> list[Result] | None:
        """Return the job's results in the items' order (waiting for them), or None when the pool
        failed (or was stopped, or already gave them): then the caller runs the items itself."""
        if self._pool is None:
            return None
        try:
            return [result for chunk in self._chunks for result in chunk]
        except Exception:  # noqa: BLE001 - a worker that died, or a result that could not be sent back
            return None
        finally:
            self.close()

    def close(self) -> None:
        """Stop the workers (done, or no longer wanted), and let another pool start."""
        global _job, _started
        if self._pool is None:
            return
        pool, self._pool = self._pool, None
        try:
            pool.shutdown(wait=True, cancel_futures=True)
        finally:
            _job = _started = None
            gc.unfreeze()


def busy() -> bool:
    """Return whether a started pool is at work (`start_forked_map`)."""
    return _started is not None


def abandon() -> None:
    """Stop the pool at work, if any, without its results (the caller gave up on them)."""
    if _started is not None:
        _started.close()


def start_forked_map(job: Callable[[Item], Result], items: Sequence[Item]) -> Started[Result] | None:
    """Start computing [job(item) for item in items] in forked workers and return at once; or return
    None when a pool does not pay or cannot run here (as `forked_map`). Call `results()` (or `close()`)
    of what it returns before the next pool: the caller's work meanwhile shares the cores with them."""
    global _job
    count = min(workers(), 8, len(items) // CHUNK)
    if len(items) < PARALLEL_AT or count < 2 or not can_fork():
        return None
    chunks = [list(items[i : i + CHUNK]) for i in range(0, len(items), CHUNK)]
    _job = job
    # What the parent made so far is left out of every collection, the workers' too: a collection
    # that walks an object writes to it, and each page it writes to is copied into that worker.
    gc.freeze()
    pool: Any = None
    try:
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("fork"))
        # The chunks are all submitted now; the workers are forked at the first.
        return Started(pool, pool.map(_run, chunks))
    except Exception:  # noqa: BLE001 - no pool here (a sandbox, a frozen program): the caller runs them one by one
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        _job = None
        gc.unfreeze()
        return None


def can_fork() -> bool:
    """Return whether forked workers may run here (Linux, two cores or more, one thread, no pool running)."""
    return sys.platform == "linux" and workers() >= 2 and threading.active_count() == 1 and _job is None


HELPER_SECONDS = 120  # longer than any conversion may take (each is bounded): then the caller does it


def _serve(conn: Any, ready: Callable[[], object], job: Callable[[Any], Any]) -> None:
    try:
        ready()
        items = conn.recv()
    except EOFError:  # not needed after all
        return
    except Exception:  # noqa: BLE001 - said to the caller, which does the work; nothing printed here
        items = None
    try:
        conn.send(None if items is None else [job(item) for item in items])
    except Exception:  # noqa: BLE001 - a job that failed, or a result that cannot be sent
        with contextlib.suppress(Exception):
            conn.send(None)


class Helper:
    """One forked process that gets ready (`ready()`, such as importing and setting up a converter)
    while this one goes on, then runs `job` on the items it is sent: for the few stories a pre-commit
    run converts, the setup costs as much as the conversion, and here it costs nothing."""

    def __init__(self, ready: Callable[[], object], job: Callable[[Any], Any]) -> None:
        self._conn: Any = None
        self._process: Any = None
        if not can_fork():
            return
        try:
            context = multiprocessing.get_context("fork")
            here, there = context.Pipe()
            self._process = context.Process(target=_serve, args=(there, ready, job), daemon=True)
            self._process.start()
            there.close()
            self._conn = here
        except Exception:  # noqa: BLE001 - no process here: the caller does the work
            self.close()

    @property
    def running(self) -> bool:
        return self._conn is not None

    def send(self, items: list[Any]) -> bool:
        """Send the items to work on; return False when there is no helper (the caller does the work)."""
        if self._conn is None:
            return False
        try:
            self._conn.send(items)
        except Exception:  # noqa: BLE001
            self.close()
            return False
        return True

    def results(self) -> list[Any] | None:
        """Return the results of the items sent, in order, or None when the helper failed."""
        try:
            if self._conn is not None and self._conn.poll(HELPER_SECONDS):
                found = self._conn.recv()
                return found if isinstance(found, list) else None
        except Exception:  # noqa: BLE001 - a helper that died or sent garbage: the caller does the work
            pass
        finally:
            self.close()
        return None

    def close(self) -> None:
        """Stop the helper (it is not needed, or it is done)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join()
            self._process = None


@contextlib.contextmanager
def collections_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while many long-lived objects are made (the documents and
    stories of every input file, which hold no cycles): each collection would walk all of them again.
    A worker forked meanwhile collects as usual."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
