"""The `interlock` command (and `python -m interlock`). A check after an earlier one converts the few
texts that changed, and setting the converter up is most of its time: the converter's helper is
forked here, before the command's own modules load, so both get ready at once. A check then ends
without Python's clean-up of every object it made (as mypy's command does): that costs a check
with one story edited a sixth of its time, and a check leaves nothing behind to clean up."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import NoReturn


def nearest_config(start: str) -> str | None:
    """Return the nearest mkdocs.yml in `start` or its parents, stopping at the repository's root (as
    git looks for .git). Plain os.path: the entry point runs it before anything else loads."""
    folder = os.path.abspath(start)
    while True:
        candidate = os.path.join(folder, "mkdocs.yml")
        if os.path.isfile(candidate):
            return candidate
        if os.path.exists(os.path.join(folder, ".git")) or os.path.dirname(folder) == folder:
            return None
        folder = os.path.dirname(folder)


def _site_has_cache(start: str) -> bool:
    """Return whether the site the command would find from `start` has a cache folder: only then
    can a check have few texts to convert."""
    config = nearest_config(start)
    return config is not None and os.path.isdir(os.path.join(os.path.dirname(config), ".cache", "interlock"))


def wants_early_helper(argv: Sequence[str]) -> bool:
    """Return whether these arguments run a check of a site that has a cache, found from here (a
    check given its configuration file starts its helper later, when it has read the settings)."""
    if not argv or argv[0] != "check" or any(a in ("-f", "-h", "--help") or a.startswith("--config-file") for a in argv):
        return False
    if os.environ.get("INTERLOCK_CACHE", "").strip().lower() in ("0", "off", "no", "false"):
        return False
    return _site_has_cache(os.curdir)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return its exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if wants_early_helper(args):
        from .converter import start_early_helper

        start_early_helper()
    from .cli import main as run

    return run(args)


def run() -> NoReturn:
    """The console script: run the command line and exit with its status (a check, at once)."""
    status = main()
    if sys.argv[1:2] != ["check"]:
        sys.exit(status)
    # What a check may leave: its output in Python's buffers, and a helper it did not take (the cache
    # is committed, and temporary folders are gone, before the command returns).
    if "multiprocessing" in sys.modules:
        for child in sys.modules["multiprocessing"].active_children():
            child.kill()
            child.join()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # noqa: BLE001 - a reader that went away (`interlock check | head`): Python would say so, and fail
        status = status or 1
    os._exit(status)


if __name__ == "__main__":
    run()
