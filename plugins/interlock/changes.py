"""What a change does to the roadmap: the roadmaps of two git revisions, built from their trees
without touching the working tree, and the differences a reviewer cares about."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import git
from jinja2 import Environment, PackageLoader, StrictUndefined

from .history import RevisionError
from .linking import Roadmap, build_roadmap
from .model import Diagnostic, Settings
from .schema import load_settings
from .siteconfig import read_site_options


@dataclass(frozen=True)
class StoryMove:
    story: str
    title: str
    before: str
    after: str


@dataclass(frozen=True)
class ScoreMove:
    story: str
    title: str
    score_before: float
    score_after: float
    rank_before: int
    rank_after: int

    @property
    def rank_delta(self) -> int:
        return abs(self.rank_after - self.rank_before)


@dataclass
class RoadmapChanges:
    """The differences between two roadmaps, each list in a stable order."""

    base: str
    head: str
    added: list[tuple[str, str]] = field(default_factory=list)  # (id, title)
    removed: list[tuple[str, str]] = field(default_factory=list)
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # (old id, new id, title)
    statuses: list[StoryMove] = field(default_factory=list)
    scores: list[ScoreMove] = field(default_factory=list)
    rank_shifts: list[ScoreMove] = field(default_factory=list)  # rank moved only because other stories did
    projects: list[StoryMove] = field(default_factory=list)  # before/after: dropped / added project names
    alignments: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # (story, title, project, before, after)
    liaisons: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    priority_lists: list[tuple[str, str]] = field(default_factory=list)  # (project, "added" | "removed")
    new_diagnostics: list[Diagnostic] = field(default_factory=list)
    fixed_diagnostics: int = 0
    base_stories: int = 0
    head_stories: int = 0

    @property
    def largest_shift(self) -> ScoreMove | None:
        """Return the story whose rank moved most only because of other stories (the first one on ties)."""
        return max(self.rank_shifts, key=lambda m: m.rank_delta, default=None)

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.added,
                self.removed,
                self.renamed,
                self.statuses,
                self.scores,
                self.rank_shifts,
                self.projects,
                self.alignments,
                self.liaisons,
                self.priority_lists,
                self.new_diagnostics,
                self.fixed_diagnostics,
            )
        )


def roadmap_at(repo: git.Repo, commit: git.Commit, config_rel: PurePosixPath, fallback: dict[str, object], into: Path) -> Roadmap:
    """Return the roadmap of a commit's tree, whose inputs are copied under `into`."""
    tree = commit.tree
    site = into / config_rel.parent
    site.mkdir(parents=True, exist_ok=True)
    options = dict(fallback)
    try:
        blob = tree / config_rel.as_posix()
        (into / config_rel).write_bytes(blob.data_stream.read())
        options, _ = read_site_options(into / config_rel)
    except (KeyError, ValueError):
        pass  # that revision predates the site configuration (or breaks it): use today's options
    settings = load_settings(options, site)
    for folder in (settings.stories_dir, settings.priorities_dir):
        rel = folder.relative_to(into).as_posix()
        try:
            subtree = tree / rel
        except KeyError:
            continue
        for item in subtree.traverse():
            if isinstance(item, git.Blob):
                target = into / item.path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(item.data_stream.read())
    return build_roadmap(settings)


def compare_revisions(
    repo: git.Repo, settings: Settings, config_file: Path, base: str, head: str
) -> tuple[RoadmapChanges, Roadmap, Roadmap]:
    """Return what changes in the roadmap from revision `base` to revision `head`, and both roadmaps."""
    try:
        base_commit, head_commit = repo.commit(base), repo.commit(head)
    except (git.BadName, ValueError) as exc:
        raise RevisionError(f"unknown revision: {exc}") from exc
    work_tree = Path(repo.working_tree_dir or ".").resolve()
    config_rel = PurePosixPath(config_file.resolve().relative_to(work_tree).as_posix())
    options, _ = read_site_options(config_file)
    with tempfile.TemporaryDirectory(prefix="interlock-diff-") as tmp:
        before = roadmap_at(repo, base_commit, config_rel, options, Path(tmp) / "base")
        after = roadmap_at(repo, head_commit, config_rel, options, Path(tmp) / "head")
    stories_rel = settings.stories_dir.resolve().relative_to(work_tree).as_posix()
    renames = {}
    for change in base_commit.diff(head_commit, paths=[stories_rel], M=True):
        if change.renamed_file and change.rename_from and change.rename_to:
            renames[PurePosixPath(change.rename_from).stem] = PurePosixPath(change.rename_to).stem
    return compare_roadmaps(before, after, renames, base, head), before, after


def compare_roadmaps(before: Roadmap, after: Roadmap, renames: dict[str, str], base: str = "base", head: str = "head") -> RoadmapChanges:
    """Return the differences between two roadmaps; `renames` maps old story ids to new ones."""
    changes = RoadmapChanges(base, head, base_stories=len(before.stories), head_stories=len(after.stories))
    old, new = before.stories, after.stories
    renames = {o: n for o, n in renames.items() if o in old and n in new and o not in new and n not in old}
    # A story that moved without git seeing a rename (much rewritten) keeps its ref.
    refs = {s.ref: s.id for s in new.values() if s.id not in old and s.id not in renames.values()}
    for story in old.values():
        if story.id not in new and story.id not in renames and story.ref in refs:
            renames[story.id] = refs.pop(story.ref)
    same = {sid: sid for sid in old if sid in new} | renames
    changes.renamed = sorted((o, n, new[n].title) for o, n in renames.items())
    changes.added = sorted((sid, s.title) for sid, s in new.items() if sid not in same.values())
    changes.removed = sorted((sid, s.title) for sid, s in old.items() if sid not in same)

    for old_id, new_id in sorted(same.items(), key=lambda pair: after.ranks[pair[1]]):
        a, b = old[old_id], new[new_id]
        if a.status != b.status:
            changes.statuses.append(StoryMove(new_id, b.title, a.status, b.status))
        move = ScoreMove(new_id, b.title, before.scores[old_id], after.scores[new_id], before.ranks[old_id], after.ranks[new_id])
        if move.score_before != move.score_after:
            changes.scores.append(move)
        elif move.rank_before != move.rank_after:
            changes.rank_shifts.append(move)
        dropped = [p for p in a.projects if p not in b.projects]
        added = [p for p in b.projects if p not in a.projects]
        if dropped or added:
            changes.projects.append(StoryMove(new_id, b.title, ", ".join(dropped), ", ".join(added)))
        was = {al.project.id: al for al in before.alignments[old_id]}
        for al in after.alignments[new_id]:
            prior = was.get(al.project.id)
            if prior is None:
                continue
            if prior.kind != al.kind:
                changes.alignments.append((new_id, b.title, al.project.id, prior.kind, al.kind))
            names = (prior.liaison.name if prior.liaison else "", al.liaison.name if al.liaison else "")
            if names[0] != names[1]:
                changes.liaisons.append((new_id, b.title, al.project.id, *names))

    changes.priority_lists = sorted(
        [(p, "added") for p in after.projects if p not in before.projects]
        + [(p, "removed") for p in before.projects if p not in after.projects]
    )
    path_of = {before.stories[o].path: after.stories[n].path for o, n in renames.items()}

    def key(d: Diagnostic) -> tuple[str, str, str]:
        return (path_of.get(d.path, d.path), d.code, d.message)

    known = {key(d) for d in before.diagnostics}
    now = {key(d) for d in after.diagnostics}
    changes.new_diagnostics = [d for d in after.diagnostics if key(d) not in known]
    changes.fixed_diagnostics = len(known - now)
    return changes


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>#|~&])")


def _md(value: object) -> str:
    """Return text that Markdown shows literally, on one line (titles are untrusted)."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", " ".join(str(value).split()))


def render_changes(changes: RoadmapChanges, before: Roadmap, after: Roadmap) -> str:
    """Return the Markdown report of a change to the roadmap, for a pull-request comment."""
    env = Environment(
        loader=PackageLoader("interlock", "templates"),
        autoescape=False,  # Markdown, not HTML: values are escaped by the `md` filter instead
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = _md
    env.filters["code"] = lambda value: str(value).replace("`", "'")
    env.filters["fence"] = lambda value: str(value).replace("~~~", "~ ~ ~")
    summary = [
        f"{len(items)} {one if len(items) == 1 else many}"
        for items, one, many in (
            (changes.added, "added", "added"),
            (changes.removed, "removed", "removed"),
            (changes.renamed, "renamed", "renamed"),
            (changes.statuses, "status change", "status changes"),
            (changes.scores, "score change", "score changes"),
            (changes.projects, "project change", "project changes"),
            (changes.alignments, "alignment change", "alignment changes"),
            (changes.liaisons, "liaison change", "liaison changes"),
            (changes.new_diagnostics, "new problem", "new problems"),
        )
        if items
    ]
    text = env.get_template("changes.md").render(changes=changes, head=after, base=before, summary=summary)
    return re.sub(r"\n{3,}", "\n\n", text)
