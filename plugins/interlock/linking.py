"""Cross-linking: loads every input through the rule set, then relates stories to the teams' lists
and answers (alignment from both directions, liaisons), to each other (related, dependencies,
supersession, both ways) and to the group weighing (scores, backing). Every step is linear in
stories x projects-per-story."""

from __future__ import annotations

import contextlib
import itertools
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .attachments import Attachments, scan_attachments
from .body import BodyRenderer, RenderedBody
from .bodycache import StoredBodyRenderer
from .cache import Store, diagnostics_from_json, diagnostics_to_json, digest, settings_key
from .converter import converter_helper
from .loader import Document, DocumentCache, build_project, build_story, build_weighing, marks_in_store
from .model import ALIGNMENTS, STATUSES, Backing, Decline, Diagnostic, Liaison, PriorityItem, Project, Settings, Story, Weighing
from .parallel import PARALLEL_AT, Helper, abandon, busy, collections_paused, start_forked_map
from .rules import iter_corpus_problems, iter_priority_problems, iter_story_problems, list_inputs
from .rules.files import Inputs, list_weighing_inputs
from .rules.links import iter_link_problems
from .rules.references import iter_answer_problems, problem_text
from .rules.weighing import iter_weighing_problems

if TYPE_CHECKING:
    from .ranking import Score

SHARED_STORIES_PER_PROJECT = 5


@dataclass
class Alignment:
    """How one story meets one project."""

    story: Story
    project: Project
    kind: str  # planned | unplanned | gap | declined
    items: list[PriorityItem]
    liaison: Liaison | None
    complete: int
    tracked: int  # tracking items that are not abandoned
    served_by: list[PriorityItem] = field(default_factory=list)  # the team's items that name the story
    declined: Decline | None = None

    @property
    def answer(self) -> str:
        """Return the team's own answer: served, declined, or none yet."""
        return "declined" if self.declined else ("served" if self.served_by else "none")

    @property
    def needs_liaison(self) -> bool:
        return self.liaison is None and self.kind != "declined"  # a declined ask goes to no team

    @property
    def completion(self) -> float | None:
        return self.complete / self.tracked if self.tracked else None


@dataclass
class Roadmap:
    """Everything the site and the exports show, computed once."""

    settings: Settings
    projects: dict[str, Project]
    stories: dict[str, Story]
    diagnostics: list[Diagnostic]
    weighings: list[Weighing] = field(default_factory=list)
    score_info: dict[str, Score] = field(default_factory=dict)
    scores: dict[str, float | None] = field(default_factory=dict)  # None: not ranked
    ranks: dict[str, int | None] = field(default_factory=dict)
    ranked: list[Story] = field(default_factory=list)  # every story: ranked ones by score, then unscored, then superseded
    backing: dict[str, list[tuple[Weighing, Backing]]] = field(default_factory=dict)
    dependents: dict[str, list[Story]] = field(default_factory=dict)  # who depends on a story
    superseded_by: dict[str, list[Story]] = field(default_factory=dict)
    alignments: dict[str, list[Alignment]] = field(default_factory=dict)  # by story id, in front-matter order
    by_project: dict[str, list[Alignment]] = field(default_factory=dict)  # by project id, by rank
    by_item: dict[tuple[str, str, str], list[Story]] = field(default_factory=dict)  # (project, release, item id)
    related: dict[str, list[Story]] = field(default_factory=dict)
    shared: dict[str, list[Story]] = field(default_factory=dict)
    files_checked: int = 0
    scope: set[str] | None = None  # with --changed-since: the files whose problems were looked for
    attachments: Attachments = field(default_factory=Attachments)  # each story's own files, checked

    def completion(self, story_id: str) -> float | None:
        """Return completed over non-abandoned tracking items of a story, over all its projects."""
        done = sum(a.complete for a in self.alignments[story_id])
        total = sum(a.tracked for a in self.alignments[story_id])
        return done / total if total else None

    def people_offered(self, story_id: str, project: str | None = None) -> int:
        """Return how many people the organisations backing a story offer (for one project, or in all)."""
        return sum(n for _, backing in self.backing[story_id] for p, n in backing.people.items() if project is None or p == project)

    def by_status(self) -> dict[str, list[Story]]:
        """Return ranked stories grouped by status, in workflow order."""
        groups: dict[str, list[Story]] = {status: [] for status in STATUSES}
        for story in self.ranked:
            groups.setdefault(story.status, []).append(story)
        return groups

    def for_release(self, release: str) -> list[Story]:
        """Return the stories targeted at a release, by rank."""
        return [story for story in self.ranked if story.target_release == release]

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "warning")


def align_story(story: Story, project: Project) -> Alignment:
    """Return how a story meets a project, from both directions: the items the story names and the
    items that name the story; a team's decline outweighs both; a team with no list has no plan for it."""
    entry = story.projects[project.id]
    release = story.target_release
    plans = ([project.releases[release]] if release in project.releases else []) if release else list(project.releases.values())
    named = [item for item_id in entry.priorities for plan in plans if (item := plan.find(item_id))]
    served_by = [item for plan in plans for item in plan.items if story.id in item.stories]
    items = list({(i.release, i.id): i for i in [*named, *served_by]}.values())
    items.sort(key=lambda item: not item.planned)
    declined = next((d for d in project.declined if d.story == story.id and (d.release is None or d.release == release)), None)
    if declined is not None:
        kind = "declined"
    elif items:
        kind = "planned" if items[0].planned else "unplanned"
    else:
        kind = "gap" if project.has_list(release) else "unplanned"
    liaison = next((person for person in project.liaisons if person.name == entry.liaison), None)
    live = [t for t in entry.tracking if t.status != "abandoned"]
    return Alignment(story, project, kind, items, liaison, sum(t.status == "complete" for t in live), len(live), served_by, declined)


def files_affected(changed: set[str], facts: dict[str, Facts], projects: dict[str, Project], settings: Settings) -> set[str]:
    """Return the changed input files plus every story that refers to one of them (by `related` or
    project); `facts` are those of every story file."""
    stories_dir = settings.relpath(settings.stories_dir) + "/"
    priorities_dir = settings.relpath(settings.priorities_dir) + "/"
    story_ids = {path[len(stories_dir) : -len(".md")] for path in changed if path.startswith(stories_dir) and path.endswith(".md")}
    # A changed file of a story's folder: the story's links to it are checked again.
    owners = {
        path[len(stories_dir) :].split("/", 1)[0] for path in changed if path.startswith(stories_dir) and "/" in path[len(stories_dir) :]
    }
    project_ids = {Path(path).stem for path in changed if path.startswith(priorities_dir)}
    scope = set(changed)
    scope |= {facts[sid].path for sid in owners if sid in facts and facts[sid].story}
    for fact in facts.values():
        if fact.story and (story_ids.intersection(fact.refs) or project_ids.intersection(fact.projects)):
            scope.add(fact.path)
    for project in projects.values():  # a team that answers a changed story
        named = {sid for plan in project.releases.values() for item in plan.items for sid in item.stories}
        if story_ids & (named | {d.story for d in project.declined}):
            scope.add(project.path)
    return scope


@dataclass
class Facts:
    """What the rules across stories read of one story file, known by the file's digest (`source`):
    whether it is a story, the stories and projects it refers to (by which a change reaches it), its
    ref (a changed story with another's ref is the one told to pick another), and a digest of all
    they read of it (`digest`; "" when not made): its front-matter's values and their positions, and
    the start of its problem statement."""

    path: str
    source: str
    story: bool
    refs: list[str]
    projects: list[str]
    digest: str = ""
    ref: str | None = None

    def to_json(self) -> list[Any]:
        return [self.story, self.refs, self.projects, self.digest, self.ref]

    @classmethod
    def from_json(cls, raw: Any, path: str, source: str) -> Facts | None:
        """Return the facts kept in the cache (None when malformed)."""
        if not (isinstance(raw, list) and len(raw) == 5 and type(raw[0]) is bool and isinstance(raw[3], str) and len(raw[3]) == 40):
            return None
        refs, projects, ref = raw[1], raw[2], raw[4]
        if not (isinstance(refs, list) and isinstance(projects, list) and all(isinstance(x, str) for x in (*refs, *projects))):
            return None
        if not (ref is None or isinstance(ref, str)):
            return None
        return cls(path, source, raw[0], refs, projects, raw[3], ref)


# Every field of a story the rules across stories may read: all but its text (of which they read the problem statement).
_FACT_FIELDS = tuple(f.name for f in dataclass_fields(Story) if f.name not in ("body", "sections"))


def _facts_of(doc: Document, story: Story | None, *, with_digest: bool) -> Facts:
    """Return the facts of a story file read (their digest only `with_digest`: it reads the positions)."""
    if story is None:
        return Facts(doc.path, doc.source_digest, False, [], [], digest("not a story") if with_digest else "")
    made = ""
    if with_digest:
        doc.read_marks()
        values = [getattr(story, name) for name in _FACT_FIELDS]
        made = digest(repr((doc.path, type(doc.get(("ref",))).__name__, values, problem_text(story), doc.key_marks, doc.value_marks)))
    ref = story.ref if story.ref and isinstance(doc.get(("ref",)), str) else None  # as iter_corpus_problems takes it
    return Facts(doc.path, doc.source_digest, True, [*story.related, *story.depends_on, *story.supersedes], list(story.projects), made, ref)


def _blamed_for_refs(facts: dict[str, Facts], scope: set[str] | None) -> list[str]:
    """Return the stories in scope whose ref another story has too (their order decides which is blamed)."""
    if scope is None:
        return []
    used = Counter(fact.ref for fact in facts.values() if fact.story and fact.ref)
    return sorted(fact.path for fact in facts.values() if fact.story and fact.ref and used[fact.ref] > 1 and fact.path in scope)


def _kept_facts(store: Store, sources: dict[str, str], paths: dict[str, str]) -> dict[str, Facts]:
    """Return the facts the cache keeps for the story files (by id) of these digests."""
    store.prefetch("facts", sources.values())
    found = {}
    for sid, source in sources.items():
        if source and (fact := Facts.from_json(store.get("facts", source), paths[sid], source)) is not None:
            found[sid] = fact
    return found


MAX_PROBLEMS_PER_FILE = 200


def _capped(path: str, found: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Return the first problems of one file, and one more saying how many were left out.

    The rules are generators: a hostile file with thousands of broken names costs the first few only."""
    kept = list(itertools.islice(found, MAX_PROBLEMS_PER_FILE + 1))
    if len(kept) <= MAX_PROBLEMS_PER_FILE:
        return kept
    kept = kept[:MAX_PROBLEMS_PER_FILE]
    last = max(d.line for d in kept)
    return [
        *kept,
        Diagnostic(path, last, 1, "R005", "error", f"more than {MAX_PROBLEMS_PER_FILE} problems in this file; fix these first"),
    ]


def _kept(store: Store, kind: str, key: str, rules: Callable[[], Iterable[Diagnostic]]) -> list[Diagnostic]:
    """Return the problems the rules find, from the cache when they were kept there by `key` ("": not kept)."""
    kept = store.get(kind, key) if key else None
    if kept is not None:
        try:
            return diagnostics_from_json(kept)
        except ValueError:
            pass
    found = list(rules())
    if key:
        store.put(kind, key, diagnostics_to_json(found))
    return found


def _start_checking(
    ids: list[str],
    docs: dict[str, Document],
    stories: dict[str, Story],
    settings: Settings,
    projects: dict[str, Project],
    bodies: BodyRenderer,
) -> Callable[[], dict[str, list[Diagnostic]]] | None:
    """Start checking the stories of `ids` in forked workers, which also convert their texts, and
    return what waits for them: the problems of each story (`bodies` then holds the texts), or {}
    when the workers failed. Return None when they are better checked one by one, here."""
    if len(ids) < PARALLEL_AT:
        return None
    for sid in ids:
        if marks_in_store(docs[sid]):
            docs[sid].read_marks()  # from the cache on disk, here: a worker must not use its connection
        if bodies.known(stories[sid].body):
            bodies.render(stories[sid].body)
    plain = bodies.detached()

    def job(sid: str) -> tuple[list[Diagnostic], RenderedBody]:
        doc, story = docs[sid], stories[sid]
        found = _capped(doc.path, itertools.chain(doc.diagnostics, iter_story_problems(doc, story, settings, projects, plain)))
        return found, plain.render(story.body)

    started = start_forked_map(job, ids)
    if started is None:
        return None

    def finish() -> dict[str, list[Diagnostic]]:
        results = started.results()
        if results is None:
            return {}
        for sid, (_, body) in zip(ids, results, strict=True):
            bodies.adopt(stories[sid].body, body)
        return {sid: found for sid, (found, _) in zip(ids, results, strict=True)}

    return finish


class Loaded(NamedTuple):
    """What load_inputs read and found."""

    docs: dict[str, Document]  # of every story file (with `lazily`, only of those read)
    stories: dict[str, Story]  # of every story file that is a story (with `lazily`, only of those read)
    projects: dict[str, Project]
    weighings: list[Weighing]
    problems: list[Diagnostic]
    files: int  # input files, those of stories' folders included
    scope: set[str] | None  # the files checked (None: all)
    attachments: Attachments
    story_count: int  # story files that are stories


def _read_lists(
    settings: Settings, cache: DocumentCache, story_inputs: Inputs
) -> tuple[dict[str, Project], list[tuple[Document, Project]], Inputs, Attachments, list[Diagnostic]]:
    """Read the priority lists and scan the stories' folders: (projects, each list's document and
    project, the lists' inputs, the attachments, the problems found)."""
    projects: dict[str, Project] = {}
    project_docs: list[tuple[Document, Project]] = []
    priority_inputs = list_inputs(settings.priorities_dir, (".yaml", ".yml"), settings, kind="project")
    problems = priority_inputs.problems + story_inputs.problems
    attachments = scan_attachments(story_inputs.folders, settings)
    problems += attachments.problems
    list_files = [(path, settings.relpath(path)) for path in priority_inputs.files]
    for (path, rel), doc in zip(list_files, cache.read_many(list_files, front_matter=False), strict=True):
        project = build_project(doc, path.stem)
        if path.stem in projects:
            problems.append(
                Diagnostic(
                    rel, 1, 1, "R401", "error", f"a second priority file for project '{path.stem}' ({projects[path.stem].path}); keep one"
                )
            )
            continue
        if doc.data is not None:
            projects[project.id] = project
        project_docs.append((doc, project))
    return projects, project_docs, priority_inputs, attachments, problems


def load_inputs(
    settings: Settings,
    cache: DocumentCache | None = None,
    changed: set[str] | None = None,
    bodies: BodyRenderer | None = None,
    *,
    lazily: bool = False,
    helper: Helper | None = None,
) -> Loaded:
    """Read every story, priority and weighing file and check them (only the files `changed` affects, if given).

    With `lazily` (and the cache on), a story that did not change since an earlier run is read only
    when a rule must look at it again: only its problems are wanted, not the story."""
    cache = cache if cache is not None else DocumentCache()
    store = cache.store
    if bodies is None:
        bodies = StoredBodyRenderer(store) if store.enabled else BodyRenderer()
    # After an earlier run, a check converts the few texts that changed: a forked helper sets up its
    # converter while the inputs are read here (the caller may have started it sooner).
    if helper is None and store.exists:
        helper = converter_helper()
    problems: list[Diagnostic] = []
    story_inputs = list_inputs(settings.stories_dir, (".md",), settings, kind="story")
    story_files = {path.stem: (path, settings.relpath(path)) for path in story_inputs.files}
    docs: dict[str, Document] = {}
    stories: dict[str, Story] = {}

    made_facts: dict[str, Facts] = {}  # of the stories parsed by read(), made where they were parsed
    home = os.getpid()

    def facts_where_parsed(doc: Document, path: Path) -> tuple[Story | None, Facts]:
        """Return the story a document makes (here; a worker's is made again here, which costs less
        than passing it) and its facts."""
        story = build_story(doc, path.stem) if isinstance(doc.data, dict) else None
        return (story if os.getpid() == home else None), _facts_of(doc, story, with_digest=True)

    def start_read(ids: Iterable[str]) -> Callable[[], None]:
        """Start reading the documents of these stories, unless they were read, and return what
        finishes it (building the stories): forked workers parse them meanwhile, when there are many."""
        wanted = [story_files[sid] for sid in dict.fromkeys(ids) if sid not in docs]
        # With the cache, each story's facts are made by the worker that parses it: they read every
        # position, which a worker hands back only as text.
        finish = cache.start_reading(wanted, front_matter=True, derive=facts_where_parsed if lazily else None)

        def finished() -> None:
            with collections_paused():
                for (path, _), (doc, made) in zip(wanted, finish(), strict=True):
                    docs[path.stem] = doc
                    story, fact = made if made is not None else (None, None)
                    if isinstance(doc.data, dict):
                        stories[path.stem] = story if story is not None else build_story(doc, path.stem)
                    if fact is not None:
                        made_facts[path.stem] = fact

        return finished

    def read(ids: Iterable[str]) -> None:
        """Read the documents of these stories, and build the stories, unless they were read."""
        start_read(ids)()

    # With a cache, what the rules across stories read of each story is kept by the file's digest
    # (its facts): a story that did not change is read only if a rule must look at it again.
    lazily = lazily and store.enabled
    sources = {sid: cache.source(path, rel, front_matter=True) for sid, (path, rel) in story_files.items()} if lazily else {}
    kept_facts = _kept_facts(store, sources, {sid: rel for sid, (_, rel) in story_files.items()}) if lazily else {}
    finish_reading: Callable[[], None] | None = start_read(sid for sid in story_files if sid not in kept_facts)
    texts: list[str] = []
    if not busy() and finish_reading is not None:
        # Few stories to read (parsed here, now). Read lazily, those are the stories that changed: the
        # helper converts their new texts while the rest is read here.
        finish_reading()
        finish_reading = None
        if helper is not None and len(stories) < PARALLEL_AT:
            texts = list(dict.fromkeys(story.body for story in stories.values() if not bodies.has(story.body)))
    sent = bool(texts) and helper is not None and helper.send(texts)
    try:
        # While forked workers parse many stories, the priority lists are read here.
        projects, project_docs, priority_inputs, attachments, list_problems = _read_lists(settings, cache, story_inputs)
    except BaseException:
        abandon()
        raise
    if finish_reading is not None:
        # The stories' texts will be converted by workers forked from this process: the converter is
        # set up here, meanwhile, and those workers find it made.
        bodies.prepare()
        finish_reading()
    problems += list_problems
    facts: dict[str, Facts] = {}
    for sid in story_files:
        if sid in kept_facts:  # still current: a whole check's sweep keeps its entries, though they were not read
            facts[sid] = kept_facts[sid]
            store.touch("doc", sources[sid])
            store.touch("marks", sources[sid])
            continue
        made = made_facts.pop(sid, None)
        facts[sid] = made if made is not None else _facts_of(docs[sid], stories.get(sid), with_digest=lazily)
        if lazily and facts[sid].source:
            store.put("facts", facts[sid].source, facts[sid].to_json())
    story_ids = {sid for sid, fact in facts.items() if fact.story}
    weighing_files, weighing_problems, weighing_entries = list_weighing_inputs(settings)
    problems += weighing_problems
    weighing_docs: list[tuple[Document, Weighing]] = []
    weighing_paths = [(path, settings.relpath(path)) for path, _ in weighing_files]
    for (path, release), doc in zip(weighing_files, cache.read_many(weighing_paths, front_matter=False), strict=True):
        weighing_docs.append((doc, build_weighing(doc, path.stem, release)))
    # Reading is cheap; the rules are what a pre-commit run on a few changed files skips elsewhere.
    # A linked input may have changed where git does not look (its target): it is always checked.
    linked = {settings.relpath(path) for path in (*story_inputs.files, *priority_inputs.files) if path.is_symlink()}
    scope = None if changed is None else files_affected(changed | linked, facts, projects, settings)
    # The problems of one file depend on the file, the settings and, for a story, the priority lists
    # (the rules' arguments): kept in the cache by those, so an unchanged file is not checked again.
    settings_digest = settings_key(settings) if store.enabled else ""
    lists_digest = digest(settings_digest, *(f"{doc.path}\0{doc.source_digest}" for doc, _ in project_docs))

    def checked(doc: Document, kind: str, depends: str, rules: Callable[[], Iterable[Diagnostic]]) -> list[Diagnostic]:
        key = digest(kind, doc.source_digest, depends) if store.enabled and doc.source_digest else ""
        return _kept(store, kind, key, lambda: _capped(doc.path, itertools.chain(doc.diagnostics, rules())))

    for doc, project in project_docs:
        if scope is None or project.path in scope:
            problems += checked(doc, "list", settings_digest, partial(iter_priority_problems, doc, project, settings))
    in_scope = [sid for sid, fact in facts.items() if scope is None or fact.path in scope]
    story_keys = {sid: digest("story", facts[sid].source, lists_digest) if store.enabled and facts[sid].source else "" for sid in in_scope}
    kept: dict[str, list[Diagnostic]] = {}
    store.prefetch("story", story_keys.values())
    for sid, key in story_keys.items():
        with contextlib.suppress(ValueError):
            if key and (value := store.get("story", key)) is not None:
                kept[sid] = diagnostics_from_json(value)
    read(sid for sid in in_scope if sid not in kept)
    # The stories checked anew, with their texts converted: by forked workers when there are many.
    anew = [sid for sid in in_scope if sid in stories and sid not in kept]
    # While forked workers check many stories, the rules across stories and of links run here.
    finish_checking = _start_checking(anew, docs, stories, settings, projects, bodies)
    found: dict[str, list[Diagnostic]] = {}
    if not sent and finish_checking is None:
        # A few texts to convert: the helper, ready by now, converts them while the rules below run here.
        texts = list(dict.fromkeys(stories[sid].body for sid in anew if sid not in found and not bodies.has(stories[sid].body)))
        sent = bool(texts) and helper is not None and helper.send(texts)
    if not sent and helper is not None:
        helper.close()
    if scope is not None and any(path.endswith(".md") for path in scope):
        scope |= {doc.path for doc, _ in weighing_docs}  # few files, and any of them may name a changed story

    def across() -> list[Diagnostic]:
        """The problems of the rules across stories: they read every story."""
        read(story_files)
        found = list(iter_corpus_problems(docs, stories, scope, store))
        found += iter_answer_problems(project_docs, stories)
        for doc, weighing in weighing_docs:
            found += _capped(doc.path, itertools.chain(doc.diagnostics, iter_weighing_problems(doc, weighing, settings, stories)))
        return found

    # They depend on the facts of every story, the lists, the weighings, the settings and the scope.
    corpus_key = (
        digest(
            "corpus",
            lists_digest,
            # The scope changes only which of two stories sharing a ref is told to pick another: the
            # rules answer a whole check, --changed-since and --staged alike, but for those stories.
            repr(_blamed_for_refs(facts, scope)),
            *(f"{doc.path}\0{doc.source_digest}" for doc, _ in weighing_docs),
            *(f"{sid}\0{facts[sid].digest}" for sid in sorted(story_ids)),
        )
        if lazily and all(fact.source for fact in facts.values())
        else ""
    )
    try:
        problems += _kept(store, "corpus", corpus_key, across)
        # Links depend on the story's text, the names of its folder's files and the other stories' ids:
        # kept in the cache by those.
        stories_rel = settings.relpath(settings.stories_dir)
        ids_digest = digest(stories_rel, *sorted(story_ids)) if store.enabled else ""
        link_keys = {
            sid: digest("links", facts[sid].source, ids_digest, *sorted(attachments.by_story.get(sid, {})))
            if ids_digest and facts[sid].source
            else ""
            for sid in sorted(story_ids)
            if scope is None or facts[sid].path in scope
        }
        store.prefetch("links", link_keys.values())

        def links_of(sid: str) -> Iterable[Diagnostic]:
            read([sid])
            return iter_link_problems(stories[sid], stories_rel, story_ids, attachments)

        for sid, key in link_keys.items():
            problems += _kept(store, "links", key, partial(links_of, sid))
    except BaseException:
        abandon()
        raise
    if finish_checking is not None:
        found = finish_checking()
    converted = helper.results() if sent and helper is not None else None
    for text, body in zip(texts, converted or [], strict=False):
        bodies.adopt(text, body)
    for sid in in_scope:
        if sid in kept:
            problems += kept[sid]
            continue
        doc, checked_story = docs[sid], stories.get(sid)
        if sid not in found:
            rules = iter_story_problems(doc, checked_story, settings, projects, bodies) if checked_story else ()
            found[sid] = _capped(doc.path, itertools.chain(doc.diagnostics, rules))
        problems += found[sid]
        if story_keys[sid]:
            store.put("story", story_keys[sid], diagnostics_to_json(found[sid]))
    if scope is not None:
        # A file of a story's folder is in scope with its story.
        problems = [d for d in problems if d.path in scope or _owner_of(d.path, stories_rel) in scope]
    # A story's folder counts by its files.
    files = priority_inputs.entries + story_inputs.entries + weighing_entries
    files += sum(map(len, attachments.by_story.values())) - len(story_inputs.folders)
    weighings = [w for doc, w in weighing_docs if isinstance(doc.data, dict)]
    return Loaded(docs, stories, projects, weighings, problems, files, scope, attachments, len(story_ids))


def _owner_of(path: str, stories_rel: str) -> str:
    """Return the story file whose folder holds `path` (or `path` itself when no folder does)."""
    if path.startswith(stories_rel + "/") and "/" in path[len(stories_rel) + 1 :]:
        return f"{stories_rel}/{path[len(stories_rel) + 1 :].split('/', 1)[0]}.md"
    return path


def build_roadmap(
    settings: Settings, cache: DocumentCache | None = None, changed: set[str] | None = None, bodies: BodyRenderer | None = None
) -> Roadmap:
    """Return the validated, cross-linked and ranked roadmap of the inputs `settings` names.

    With `changed` (paths relative to the site root), only those files and the stories that refer
    to them are checked; everything is still read and linked."""
    docs, stories, projects, weighings, problems, files, scope, attachments, _ = load_inputs(settings, cache, changed, bodies)
    stories = dict(sorted(stories.items()))
    roadmap = Roadmap(
        settings,
        dict(sorted(projects.items())),
        stories,
        sorted(set(problems)),
        weighings=weighings,
        files_checked=files,
        scope=scope,
        attachments=attachments,
    )
    link_roadmap(roadmap)
    return roadmap


def link_roadmap(roadmap: Roadmap) -> None:
    """Fill the computed fields of a roadmap: scores, ranks, alignments, related and shared stories."""
    from .ranking import backing_of, rank_stories, score_stories  # not needed by a check

    stories, projects = roadmap.stories, roadmap.projects
    roadmap.score_info = score_stories(stories, roadmap.weighings, roadmap.settings)
    roadmap.scores = {sid: score.value for sid, score in roadmap.score_info.items()}
    roadmap.ranked, roadmap.ranks = rank_stories(stories, roadmap.score_info)
    roadmap.backing = backing_of(stories, roadmap.weighings, roadmap.settings)

    by_project: dict[str, list[Alignment]] = defaultdict(list)
    by_item: dict[tuple[str, str, str], list[Story]] = defaultdict(list)
    for story in roadmap.ranked:
        aligned = []
        for name in story.projects:
            if name in projects:
                alignment = align_story(story, projects[name])
                aligned.append(alignment)
                by_project[name].append(alignment)
                for item in alignment.items:
                    by_item[(item.project, item.release, item.id)].append(story)
        roadmap.alignments[story.id] = aligned
    roadmap.by_project = {name: by_project.get(name, []) for name in projects}
    roadmap.by_item = dict(by_item)

    related: dict[str, set[str]] = {sid: set() for sid in stories}
    for story in stories.values():
        for other in story.related:
            if other in stories and other != story.id:
                related[story.id].add(other)
                related[other].add(story.id)
    order = {s.id: i for i, s in enumerate(roadmap.ranked)}
    roadmap.related = {sid: sorted((stories[o] for o in others), key=lambda s: order[s.id]) for sid, others in related.items()}
    dependents: dict[str, list[Story]] = {sid: [] for sid in stories}
    superseded_by: dict[str, list[Story]] = {sid: [] for sid in stories}
    for story in roadmap.ranked:
        for other in story.depends_on:
            if other in stories and other != story.id:
                dependents[other].append(story)
        for other in story.supersedes:
            if other in stories and other != story.id:
                superseded_by[other].append(story)
    roadmap.dependents, roadmap.superseded_by = dependents, superseded_by

    # The top of each project's list, not every pair: this keeps story pages linear in size.
    for story in roadmap.ranked:
        seen: dict[str, Story] = {}
        for alignment in roadmap.alignments[story.id]:
            for peer in roadmap.by_project[alignment.project.id][: SHARED_STORIES_PER_PROJECT + 1]:
                if peer.story.id != story.id and peer.story.id not in related[story.id]:
                    seen.setdefault(peer.story.id, peer.story)
        roadmap.shared[story.id] = sorted(seen.values(), key=lambda s: order[s.id])[:SHARED_STORIES_PER_PROJECT]


def alignment_counts(alignments: list[Alignment]) -> Counter[str]:
    """Return how many of the alignments are of each kind, plus 'needs_liaison' (declined asks need none)."""
    counts: Counter[str] = Counter({kind: 0 for kind in (*ALIGNMENTS, "needs_liaison")})
    for alignment in alignments:
        counts[alignment.kind] += 1
        counts["needs_liaison"] += alignment.needs_liaison
    return counts
