"""What a change does to the roadmap: the roadmaps of two git revisions, built from their trees
without touching the working tree, and the differences a reviewer cares about."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import git
from jinja2 import Environment, PackageLoader, StrictUndefined

from .history import merge_base, resolve_commit
from .linking import Alignment, Roadmap, build_roadmap
from .model import Diagnostic, Settings
from .rules import SettingsError, load_settings
from .rules.settings import inside
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
    score_before: float | None  # None: not ranked (unscored or superseded)
    score_after: float | None
    rank_before: int | None
    rank_after: int | None

    @property
    def rank_delta(self) -> int:
        if self.rank_before is None or self.rank_after is None:
            return 0
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
    answers: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # (story, title, project, before, after)
    backing: list[tuple[str, str, int, int]] = field(default_factory=list)  # (story, title, people before, after)
    weighings: list[tuple[str, str, str]] = field(default_factory=list)  # (release, organisation, "added" | "removed")
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
                self.answers,
                self.backing,
                self.weighings,
                self.priority_lists,
                self.new_diagnostics,
                self.fixed_diagnostics,
            )
        )


def roadmap_at(repo: git.Repo, commit: git.Commit, config_rel: PurePosixPath, fallback: dict[str, object], into: Path) -> Roadmap:
    """Return the roadmap of a commit's tree, built from its objects only (copied under `into`).

    The commit's own configuration may come from an untrusted branch: its input folders must stay
    inside the site's folder (SettingsError otherwise), so nothing outside `into` is ever read."""
    tree = commit.tree
    site = into / config_rel.parent
    site.mkdir(parents=True, exist_ok=True)
    options = dict(fallback)
    try:
        blob = tree / config_rel.as_posix()
        (into / config_rel).write_bytes(blob.data_stream.read())
        options, _ = read_site_options(into / config_rel)
    except (KeyError, ValueError, OSError):
        pass  # that revision predates the site configuration (or breaks it): use today's options
    for key, default in (("stories_dir", "stories"), ("priorities_dir", "priorities"), ("weighing_dir", "weighing")):
        value = options.get(key) or default
        folder = inside(site, value) if isinstance(value, str) else None
        if folder is None:
            continue  # load_settings below says what is wrong with it
        try:
            if key != "weighing_dir":
                folder.mkdir(parents=True, exist_ok=True)
            _copy_tree(tree, folder.relative_to(into).as_posix(), into)
        except OSError as exc:  # a folder name the commit's files already take, say
            raise SettingsError([f"'{key}': '{value}' cannot be used as a folder ({exc.strerror})"]) from exc
    settings = load_settings(options, site, folders_must_exist=False)
    return build_roadmap(settings)


def _copy_tree(tree: git.Tree, rel: str, into: Path) -> None:
    """Copy the regular files of one folder of a commit's tree under `into`; nothing else is written."""
    try:
        subtree = tree / rel
    except KeyError:
        return
    if not isinstance(subtree, git.Tree):
        return
    for item in subtree.traverse():
        if not isinstance(item, git.Blob):
            continue
        path = PurePosixPath(str(item.path))
        # Regular files only: a link is not an input, and no path may leave the copy.
        if item.mode not in (0o100644, 0o100755) or path.is_absolute() or ".." in path.parts:
            continue
        target = into / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(item.data_stream.read())


def compare_revisions(
    repo: git.Repo, settings: Settings, config_file: Path, base: str, head: str, *, fork_point: bool = True
) -> tuple[RoadmapChanges, Roadmap, Roadmap]:
    """Return what changes in the roadmap from revision `base` to revision `head`, and both roadmaps.

    With `fork_point` (the default, like `git diff base...head`) the comparison starts where `head`
    forked from `base`, so a branch is not blamed for what landed on `base` after it."""
    base_sha, head_sha = resolve_commit(repo, base), resolve_commit(repo, head)
    if fork_point:
        base_sha = merge_base(repo, base_sha, head_sha)
    base_commit, head_commit = repo.commit(base_sha), repo.commit(head_sha)
    work_tree = Path(repo.working_tree_dir or ".").resolve()
    config_rel = PurePosixPath(config_file.resolve().relative_to(work_tree).as_posix())
    options, _ = read_site_options(config_file)
    with tempfile.TemporaryDirectory(prefix="interlock-diff-") as tmp:
        before = roadmap_at(repo, base_commit, config_rel, options, Path(tmp) / "base")
        after = roadmap_at(repo, head_commit, config_rel, options, Path(tmp) / "head")
    stories_rel = settings.stories_dir.resolve().relative_to(work_tree).as_posix()
    renames = {}
    # NUL-separated names: any file name a commit can hold is read as it is.
    listed = repo.git.diff("--name-status", "-M", "-z", "--no-color", base_commit.hexsha, head_commit.hexsha, "--", stories_rel)
    fields = listed.split("\0")
    index = 0
    while index < len(fields) and fields[index]:
        status = fields[index]
        if status.startswith(("R", "C")) and index + 2 < len(fields):
            if status.startswith("R"):
                renames[PurePosixPath(fields[index + 1]).stem] = PurePosixPath(fields[index + 2]).stem
            index += 3
        else:
            index += 2
    return compare_roadmaps(before, after, renames, base, head), before, after


def _answer(alignment: Alignment) -> str:
    if alignment.declined is not None:
        return f"declined: {alignment.declined.reason}"
    if alignment.served_by:
        return "served by " + ", ".join(item.title for item in alignment.served_by)
    return "no answer"


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

    order = {story.id: i for i, story in enumerate(after.ranked)}
    for old_id, new_id in sorted(same.items(), key=lambda pair: order[pair[1]]):
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
            answers = (_answer(prior), _answer(al))
            if answers[0] != answers[1]:
                changes.answers.append((new_id, b.title, al.project.id, *answers))
        people = (before.people_offered(old_id), after.people_offered(new_id))
        if people[0] != people[1]:
            changes.backing.append((new_id, b.title, *people))

    changes.priority_lists = sorted(
        [(p, "added") for p in after.projects if p not in before.projects]
        + [(p, "removed") for p in before.projects if p not in after.projects]
    )
    weighed_before = {(w.release, w.name) for w in before.weighings}
    weighed_after = {(w.release, w.name) for w in after.weighings}
    changes.weighings = sorted(
        [(r, n, "added") for r, n in weighed_after - weighed_before] + [(r, n, "removed") for r, n in weighed_before - weighed_after]
    )
    path_of = {before.stories[o].path: after.stories[n].path for o, n in renames.items()}

    def key(d: Diagnostic) -> tuple[str, str, str]:
        return (path_of.get(d.path, d.path), d.code, d.message)

    known = {key(d) for d in before.diagnostics}
    now = {key(d) for d in after.diagnostics}
    changes.new_diagnostics = [d for d in after.diagnostics if key(d) not in known]
    changes.fixed_diagnostics = len(known - now)
    return changes


_MARKDOWN_SPECIALS = re.compile(r"[!-/:-@\[-`{-~]")  # all ASCII punctuation
# Characters with no visible meaning in a title that can hide or reorder text for a reviewer:
# C0/C1 controls other than whitespace (whitespace becomes a space instead) and bidirectional
# overrides and isolates ("Trojan Source").
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Text GitHub turns into a notification, a cross-reference or a mail link after rendering: @user and
# @org/team, #123 and owner/repo#123, GH-123, owner/repo@sha, and any a@b.c (its e-mail autolinks
# ignore backslash escapes, even of the '.' in '0@\.A'): every '@' is followed by the space below.
_REFERENCE = re.compile(r"(?<=@)|(?<=#)(?=[0-9])|(?i:(?<=\bGH)(?=-[0-9]))")
# GitHub finds mentions and references in the rendered text, where `\@` and `&#64;` have already
# become a plain '@', so no Markdown escape stops them. A zero-width space after the '@' or '#' does
# (it is what Dependabot and Renovate put in the release notes they quote) and stays invisible.
# It goes in as the character itself, not `&#8203;`, because entities are not decoded in code, and
# code is not enough on its own: an e-mail reply quotes the comment as plain text and GitHub then
# finds the mentions in that.
_ZERO_WIDTH_SPACE = "\u200b"


class _Escaped(str):
    """Text that is already safe to put in the report as it is."""


def _defuse(text: str) -> str:
    """Return text whose mentions and issue references GitHub no longer sees."""
    return _REFERENCE.sub(_ZERO_WIDTH_SPACE, text)


def _one_line(text: str) -> str:
    """Return text on one line, without invisible controls: every line break (CR, LF, U+2028, ...) becomes a space."""
    return " ".join(_INVISIBLE.sub("", text).splitlines())


def _md(value: object) -> _Escaped:
    """Return text that GitHub shows literally, on one line, in any inline place (titles are untrusted)."""
    # CommonMark renders a backslash before any ASCII punctuation as that character alone, so
    # escaping all of it, in every place, needs no list of which character means what where: it
    # covers emphasis, links, images, HTML and entities, code, table cells, and list, heading and
    # quote markers. It also stops the autolinks: they start at the ':' of 'http:' and the '.' of
    # 'www.', which are escaped (e-mail addresses, whose autolinks ignore escapes, lose their '@' to `_defuse`).
    text = _defuse(" ".join(_INVISIBLE.sub("", str(value)).split()))
    return _Escaped(_MARKDOWN_SPECIALS.sub(r"\\\g<0>", text))


def _code(value: object, in_table: bool = True) -> _Escaped:
    """Return a code span showing the value exactly, on one line; in a table, its pipes are escaped."""
    text = _defuse(_one_line(str(value)))
    if in_table:
        # A GFM table splits its rows at every unescaped '|', even inside code; it removes the
        # backslash of `\|` again, so the span shows the value as it was. Outside a table the
        # backslash would show, hence the switch (whose default is the safe one).
        text = text.replace("|", "\\|")
    # Delimiters longer than any backtick run inside, so nothing in the value can close the span;
    # padding keeps a leading or trailing backtick (or space) part of the value.
    delimiter = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    if text.strip(" ") and (text.startswith("`") or text.endswith("`") or (text.startswith(" ") and text.endswith(" "))):
        text = f" {text} "
    return _Escaped(f"{delimiter}{text or ' '}{delimiter}")


def _codeblock(lines: list[str], info: str = "text") -> _Escaped:
    """Return a fenced code block with one line per value, which no value can close."""
    shown = [_defuse(_one_line(line)) for line in lines]
    # Only a run of at least as many tildes as the opening fence closes it.
    fence = "~" * max(3, max((len(run) for line in shown for run in re.findall("~+", line)), default=0) + 1)
    return _Escaped("\n".join([fence + info, *shown, fence]))


def _num(value: object) -> _Escaped:
    """Return a number as text ('–' for a story that is not ranked); anything else is a mistake in the template."""
    if value is None:
        return _Escaped("–")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"not a number: {value!r}")
    return _Escaped(str(value))


def _escape_unfiltered(value: object) -> str:
    """Return a filtered value as it is and escape any other: a value the template forgets to filter shows as text."""
    return value if isinstance(value, _Escaped) else _md(value)


def render_changes(changes: RoadmapChanges, before: Roadmap, after: Roadmap) -> str:
    """Return the Markdown report of a change to the roadmap, for a pull-request comment."""
    env = Environment(
        loader=PackageLoader("interlock", "templates"),
        autoescape=False,  # Markdown, not HTML: values are escaped by the filters below instead
        finalize=_escape_unfiltered,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = _md
    env.filters["code"] = _code
    env.filters["codeblock"] = _codeblock
    env.filters["num"] = _num
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
            (changes.answers, "team answer", "team answers"),
            (changes.backing, "backing change", "backing changes"),
            (changes.weighings, "weighing file", "weighing files"),
            (changes.new_diagnostics, "new problem", "new problems"),
        )
        if items
    ]
    problems = [d.format() for d in changes.new_diagnostics]
    text = env.get_template("changes.md").render(changes=changes, head=after, base=before, summary=summary, problems=problems)
    return re.sub(r"\n{3,}", "\n\n", text)
