"""`interlock check` as a core function: the problems of a site's inputs, answered from the cache on
disk when the inputs, the settings and the tool are exactly those of an earlier run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .cache import Store, diagnostics_from_json, diagnostics_to_json, digest, settings_key, tree_key

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
    if store.enabled:
        folders = (settings.stories_dir, settings.priorities_dir, settings.weighing_dir)
        scope = "everything" if changed is None else "changed:" + "\0".join(sorted(changed))
        key = digest("result", settings_key(settings), tree_key(settings, folders), scope)
        cached = store.get("result", key)
        if cached is not None:
            try:
                return CheckResult.from_json(cached)
            except (ValueError, TypeError):
                pass
    from .linking import build_roadmap  # the rules and the Markdown converter: only when there is work to do
    from .loader import DocumentCache

    roadmap = build_roadmap(settings, cache=DocumentCache(store), changed=changed)
    result = CheckResult(
        roadmap.diagnostics,
        roadmap.files_checked,
        len(roadmap.stories),
        len(roadmap.projects),
        len(roadmap.weighings),
        None if roadmap.scope is None else len(roadmap.scope),
    )
    if key is not None:
        store.put("result", key, result.to_json())
    # A whole check used every current entry of docs and stories: the others are what edits left behind.
    store.flush(sweep=("doc", "list", "story") if changed is None else (), keep={"result": RESULTS_KEPT})
    return result
