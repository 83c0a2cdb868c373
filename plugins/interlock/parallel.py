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

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

PARALLEL_AT = 48  # jobs before a pool pays for itself
CHUNK = 8  # jobs sent to a worker at once
Item = TypeVar("Item")
Result = TypeVar("Result")

_job: Callable[[Any], Any] | None = None  # set before the fork; what the workers run


def _run(items: list[Any]) -> list[Any]:
    assert _job is not None
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
    global _job
    count = min(workers(), 8, len(items) // CHUNK)
    if len(items) < PARALLEL_AT or count < 2 or sys.platform != "linux" or threading.active_count() > 1 or _job is not None:
        return None
    chunks = [list(items[i : i + CHUNK]) for i in range(0, len(items), CHUNK)]
    _job = job
    try:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("fork")) as pool:
            return [result for chunk in pool.map(_run, chunks) for result in chunk]
    except Exception:  # noqa: BLE001 - no pool here (a sandbox, a frozen program): the caller runs them one by one
        return None
    finally:
        _job = None
