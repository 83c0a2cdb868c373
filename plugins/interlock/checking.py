"""`interlock check` as a core function: the problems of a site's inputs, answered from the cache on
disk when the inputs, the settings and the tool are exactly those of an earlier run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .cache import CHECK_KINDS, STATS_KEPT, Store, diagnostics_from_json, diagnostics_to_json, digest, settings_key, tree_key

if TYPE_CHECKING:
    from .model import Diagnostic, Settings

RESULTS_KEPT = 32  # whole results of recent trees: switching branches back and forth stays fast


@dataclass
class CheckResult:
    """What a check found, and what it read, for the report and its summary line."""

    diagnostics: list[Diagnostic]
    files: int
    stories: int
    projects: int
    weighings: int
    scope: int | None  # how many files were checked, when only changed ones were (None: all)

    def to_json(self) -> dict[str, Any]:
        return {
            "diagnostics": diagnostics_to_json(self.diagnostics),
            "counts": [self.files, self.stories, self.projects, self.weighings, self.scope],
        }

    @classmethod
    def from_json(cls, raw: Any) -> CheckResult:
        if not isinstance(raw, dict) or not isinstance(raw.get("counts"), list) or len(raw["counts"]) != 5:
            raise ValueError("malformed result")
        files, stories, projects, weighings, scope = raw["counts"]
        if not all(isinstance(n, int) for n in (files, stories, projects, weighings)) or not (scope is None or isinstance(scope, int)):
            raise ValueError("malformed counts")
        return cls(diagnostics_from_json(raw["diagnostics"]), files, stories, projects, weighings, scope)


def run_check(settings: Settings, changed: set[str] | None = None, store: Store | None = None) -> CheckResult:
    """Return the problems of the inputs `settings` names (only of the files `changed` affects, if given)."""
    store = store if store is not None else Store.off()
    key = None
    folders = (settings.stories_dir, settings.priorities_dir, settings.weighing_dir)
    contents: dict[str, bytes] = {}  # each file's digest, as the tree's key took it: the documents' keys use it
    helper = None
    if store.exists:
        # After an earlier run, a few texts changed if anything did: a forked helper sets up the
        # converter at once, before the tree is looked at (and stops if nothing changed). Forked
        # before this process opens the cache, whose connection a fork must not share.
        from .converter import converter_helper

        helper = converter_helper()
    else:
        from .converter import stop_early_helper

        stop_early_helper()
    if store.enabled:
        scope = "everything" if changed is None else "changed:" + "\0".join(sorted(changed))
        tree = tree_key(settings, folders, store, contents)
        key = digest("result", settings_key(settings), tree, scope)
        cached = store.get("result", key)
        if cached is not None:
            try:
                found = CheckResult.from_json(cached)
            except (ValueError, TypeError):
                pass
            else:
                if helper is not None:
                    helper.close()
                if store.pending:  # the files' stats, recorded anew
                    store.flush(keep={"stats": STATS_KEPT})
                return found
    from .linking import load_inputs  # the rules and the Markdown converter: only when there is work to do
    from .loader import DocumentCache

    # The problems are all found while the inputs are read and checked; linking and ranking them adds none.
    loaded = load_inputs(settings, DocumentCache(store, dict(contents)), changed, lazily=True, helper=helper)
    result = CheckResult(
        sorted(set(loaded.problems)),
        loaded.files,
        loaded.story_count,
        len(loaded.projects),
        len(loaded.weighings),
        None if loaded.scope is None else len(loaded.scope),
    )
    if key is not None and tree_key(settings, folders, store) != tree:
        # A file changed while it was checked: what was read may not be what the keys say. Nothing is kept.
        store.discard()
        return result
    if key is not None:
        store.put("result", key, result.to_json())
    # A whole check used every current entry of docs and stories: the others are what edits left behind.
    store.flush(sweep=CHECK_KINDS if changed is None else (), keep={"result": RESULTS_KEPT, "stats": STATS_KEPT})
    return result
