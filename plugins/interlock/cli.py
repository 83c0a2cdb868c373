"""The `interlock` command line: a thin adapter over the core (only this module imports click)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .__main__ import nearest_config
from .cache import Store
from .model import Diagnostic, Settings
from .rules.settings import SettingsError, load_settings
from .rules.suggest import suggest
from .siteconfig import read_site_options

if TYPE_CHECKING:
    from .checking import CheckResult
    from .linking import Roadmap

# The rules, git (history, diff), the templates and the standard modules only some commands use
# (subprocess, tempfile, shutil) load inside those commands: `check` runs in every pre-commit, and
# with nothing changed it answers from its cache without them.


def build_roadmap(settings: Settings, **options: Any) -> Roadmap:
    from .linking import build_roadmap as build

    return build(settings, **options)


FORMATS = ("text", "github", "json", "sarif")


def _report(diagnostics: list[Diagnostic], fmt: str, summary: str) -> None:
    from .report import format_json, format_text_report, github_annotations, sarif_log, step_summary, write_step_summary

    if fmt == "json":
        click.echo(format_json(diagnostics))
    elif fmt == "sarif":
        from .rules import CODES

        rules = {code: (c.title, c.help, c.severity) for code, c in CODES.items()}
        click.echo(json.dumps(sarif_log(diagnostics, rules, _version()), indent=1, ensure_ascii=False))
    elif fmt == "github":
        for line in github_annotations(diagnostics):
            click.echo(line)
        click.echo(summary, err=True)
        write_step_summary(step_summary(diagnostics, summary))
    else:
        click.echo(format_text_report(diagnostics, summary))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("interlock")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree that was never installed
        return "0"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


_CONFIG_OPTION = click.option(
    "-f",
    "--config-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The site configuration holding the interlock plugin's options [default: mkdocs.yml here or in a parent folder].",
)


def find_config(start: Path) -> Path | None:
    """Return the nearest mkdocs.yml in `start` or its parents, stopping at the repository's root (as git looks for .git)."""
    found = nearest_config(str(start))
    return None if found is None else Path(found)


def _config(config_file: Path | None) -> Path:
    if config_file is not None:
        return config_file
    found = find_config(Path.cwd().resolve())
    if found is None:
        raise click.UsageError("no mkdocs.yml here or in a parent folder; run from the site's folder or pass --config-file")
    return found


def _settings(config_file: Path | None) -> Settings:
    config_file = _config(config_file)
    try:
        options, root = read_site_options(config_file)
        return load_settings(options, root)
    except (OSError, ValueError) as exc:
        raise click.UsageError(str(exc)) from exc
    except SettingsError as exc:
        raise click.UsageError(f"{config_file}: interlock plugin options: " + "; ".join(exc.problems)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="interlock")
def cli() -> None:
    """Validate, cross-link and rank user stories against project priority lists."""


def _wanted(settings: Settings, paths: tuple[Path, ...]) -> list[str]:
    """Return the PATHS as paths relative to the site, refusing any that is not an input (exit 2)."""
    wanted = []
    folders = (settings.stories_dir.resolve(), settings.priorities_dir.resolve())
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise click.UsageError(f"{path}: no such file or folder")
        absolute = (path.parent.resolve() / path.name) if path.name not in ("", ".", "..") else path.resolve()
        inside = next((folder for folder in folders if absolute == folder or folder in absolute.parents), None)
        if inside is None:
            raise click.UsageError(
                f"{path} is not in {settings.relpath(settings.stories_dir)}/ or {settings.relpath(settings.priorities_dir)}/: "
                "give a story, a priority list or one of those folders"
            )
        if absolute.is_file() and absolute.parent == inside and absolute.suffix not in (".md", ".yaml", ".yml"):
            raise click.UsageError(f"{path} is not a story (.md) or a priority list (.yaml)")
        wanted.append(settings.relpath(absolute).rstrip("/"))
    return wanted


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_CONFIG_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text for people, github for workflow annotations (and the job summary), json for tools, sarif for code scanning.",
)
@click.option(
    "--changed-since",
    metavar="REF",
    help="Check only the stories and priority lists changed since this git revision (committed, staged, "
    "unstaged or new), plus the stories that refer to them.",
)
@click.option(
    "--staged",
    is_flag=True,
    help="Check what is staged for the next commit (git's index), not the working tree: the pre-commit hook.",
)
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
def check(paths: tuple[Path, ...], config_file: Path | None, fmt: str, changed_since: str | None, staged: bool, strict: bool) -> None:
    """Check stories and priority lists; print every problem as path:line:col.

    With PATHS, report only problems in those files or folders (every file is still read,
    since stories refer to each other and to priority lists).

    \b
    Example:
        interlock check
        interlock check stories/rolling-upgrades.md --format github
        interlock check --changed-since origin/main
        interlock check --staged
    Exit status: 0 no error, 1 errors found (or warnings, with --strict), 2 usage or configuration error.
    """
    settings = _settings(config_file)
    wanted = _wanted(settings, paths)
    if staged and changed_since is not None:
        raise click.UsageError("give --staged or --changed-since, not both")
    store = Store.for_site(settings.root)
    if store.why_off:
        click.echo(f"interlock check: not using the cache: {store.why_off}", err=True)
    if staged:
        result = _check_staged(settings, store)
    else:
        from .checking import run_check

        changed = None if changed_since is None else _changed_files(settings, changed_since)
        result = run_check(settings, changed, store)
    diagnostics = result.diagnostics
    if wanted:
        diagnostics = [d for d in diagnostics if any(d.path == w or d.path.startswith(w + "/") for w in wanted)]
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    counts = (
        f"{_plural(result.files, 'file', 'files')}: {_plural(result.stories, 'story', 'stories')}, "
        f"{_plural(result.projects, 'priority list', 'priority lists')}"
    )
    if result.weighings:
        counts += f", {_plural(result.weighings, 'weighing', 'weighings')}"
    if result.scope is not None:
        since = "staged" if staged else f"changed since {changed_since}"
        counts += f"; checked {_plural(result.scope, 'file', 'files')} {since} or referring to them"
    if diagnostics:
        summary = f"interlock check: {_plural(errors, 'error', 'errors')}, {_plural(warnings, 'warning', 'warnings')} ({counts})"
    else:
        summary = f"interlock check: no problems ({counts})"
    _report(diagnostics, fmt, summary)
    sys.exit(1 if errors or (strict and warnings) else 0)


def _changed_files(settings: Settings, ref: str) -> set[str]:
    """Return the input files (relative to the site root) that differ from `ref`, including new ones."""
    from .gitfiles import NotInGit, RevisionError, changed_since

    try:
        return changed_since(settings, ref)
    except NotInGit:
        raise click.UsageError(f"--changed-since needs a git repository; {settings.root} is not in one") from None
    except RevisionError as exc:
        raise click.UsageError(f"--changed-since: {exc}; give a branch, tag or commit, e.g. origin/main") from exc


def _check_staged(settings: Settings, store: Store) -> CheckResult:
    """Return the problems of the roadmap as staged in git's index, where the staged files (and what refers to them) have them."""
    from .checking import run_check
    from .gitfiles import staged_in_place

    changed = staged_in_place(settings)
    if changed is not None:  # the working tree's inputs are the index's, byte for byte: checked in place
        return run_check(settings, changed, store)
    from .history import open_repo, staged_files

    repo = open_repo(settings.root)
    if repo is None:
        raise click.UsageError(f"--staged needs a git repository; {settings.root} is not in one")
    with repo:
        changed, files = staged_files(repo, settings)
    import tempfile  # not needed by a check of the working tree (a pre-commit run's other hook)

    with tempfile.TemporaryDirectory(prefix="interlock-staged-") as tmp:
        root = Path(tmp) / "tree"
        outside = Path(tmp) / "outside"  # what a staged link out of the repository points at: reported (R010), never read
        outside.write_text("", "utf-8")
        for rel, content in files.items():
            target = root / rel
            if not target.resolve().is_relative_to(root.resolve()):  # pragma: no cover - paths come from settings.relpath
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if content is None:
                target.symlink_to(outside)
            else:
                target.write_bytes(content)
        weighing = root / settings.relpath(settings.weighing_dir) if settings.weighing_dir else None
        copy = replace(
            settings,
            root=root,
            stories_dir=root / settings.relpath(settings.stories_dir),
            priorities_dir=root / settings.relpath(settings.priorities_dir),
            weighing_dir=weighing if weighing is not None and weighing.is_dir() else None,
        )
        copy.stories_dir.mkdir(parents=True, exist_ok=True)
        copy.priorities_dir.mkdir(parents=True, exist_ok=True)
        return run_check(copy, changed, store)


MAX_TITLE = 120


@cli.command()
@click.argument("title")
@click.option("--projects", required=True, help="Comma-separated projects the story affects, e.g. nova,cinder.")
@click.option("--ref", help="Three capital letters; a free one is proposed when omitted.")
@click.option("--author", default="Your Name <you@example.org>", show_default=True, help="'Name' or 'Name <email>'.")
@_CONFIG_OPTION
def new(title: str, projects: str, ref: str | None, author: str, config_file: Path | None) -> None:
    """Write a new draft story, stories/<slugified-title>.md, that passes `interlock check`.

    \b
    Example:
        interlock new "Rolling upgrades" --projects nova,cinder --ref RUP
    """
    from .rules import ID_PATTERN, propose_ref
    from .rules.files import RESERVED_IDS
    from .scaffold import AUTHOR_PATTERN, slugify, story_text

    settings = _settings(config_file)
    title = " ".join(title.split())
    if not title:
        raise click.BadParameter("the title is empty; give the story's title in a few words", param_hint="TITLE")
    if len(title) > MAX_TITLE:
        raise click.BadParameter(f"the title has {len(title)} characters; keep it under {MAX_TITLE}", param_hint="TITLE")
    slug = slugify(title)
    if not slug or not ID_PATTERN.match(slug):
        raise click.BadParameter(f"'{title}' gives no file name; use letters or digits in the title", param_hint="TITLE")
    if slug in RESERVED_IDS:
        raise click.BadParameter(f"'{title}' would be named '{slug}.md', which the site reserves; choose another title", param_hint="TITLE")
    if not AUTHOR_PATTERN.match(author):
        raise click.BadParameter(f"'{author}' is not 'Name' or 'Name <email>'", param_hint="--author")
    roadmap = build_roadmap(settings)
    names = []
    for name in (p.strip() for p in projects.split(",") if p.strip()):
        known = name if name in roadmap.projects else next((p for p in roadmap.projects if p.lower() == name.lower()), None)
        if known is None:
            raise click.BadParameter(
                f"unknown project '{name}'{suggest(name.lower(), roadmap.projects)}; known: {', '.join(roadmap.projects)}",
                param_hint="--projects",
            )
        names.append(known)
    if not names:
        raise click.BadParameter("name at least one project, e.g. --projects nova", param_hint="--projects")
    taken = {s.ref for s in roadmap.stories.values()}
    if ref is not None and (len(ref) != 3 or not ref.isascii() or not ref.isupper() or not ref.isalpha()):
        raise click.BadParameter(f"'{ref}' is not three capital letters", param_hint="--ref")
    if ref in taken:
        raise click.BadParameter(f"'{ref}' is used by another story; try {propose_ref(title, taken)}", param_hint="--ref")
    path = settings.stories_dir / f"{slug}.md"
    text = story_text(title, ref or propose_ref(title, taken), list(dict.fromkeys(names)), author, settings.criteria)
    try:
        # O_EXCL and O_NOFOLLOW: an existing story, or a link planted in its place, is never written through.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except FileExistsError:
        raise click.ClickException(f"{settings.relpath(path)} exists; choose another title or edit that story") from None
    except OSError as exc:
        raise click.ClickException(f"{settings.relpath(path)} cannot be written: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    click.echo(f"wrote {settings.relpath(path)}: fill in the sections, then run `interlock check {settings.relpath(path)}`")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file instead of standard output.")
@_CONFIG_OPTION
def export(fmt: str, output: Path | None, config_file: Path | None) -> None:
    """Export the whole roadmap: JSON as /roadmap.json, or CSV with one row per (story, project).

    The export is written even when the roadmap has errors; the exit status is then 1.

    \b
    Example:
        interlock export --format csv --output roadmap.csv
    """
    from .export import export_csv, export_model, model_json
    from .history import HistoryCache
    from .siteconfig import read_site_config
    from .urls import Urls

    config_file = _config(config_file)
    settings = _settings(config_file)
    config = read_site_config(config_file)
    site_url = config.get("site_url") if isinstance(config.get("site_url"), str) else None
    roadmap = build_roadmap(settings)
    urls = Urls(config.get("use_directory_urls", True) is not False)
    model = export_model(roadmap, urls, HistoryCache().get(settings.root, settings.stories_dir), site_url=site_url)
    text = model_json(model) if fmt == "json" else export_csv(model)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, "utf-8", newline="")
    if roadmap.errors:
        click.echo(
            f"interlock export: written, but the roadmap has {_plural(roadmap.errors, 'error', 'errors')}: "
            "stories with errors may be missing or incomplete; run `interlock check`",
            err=True,
        )
        sys.exit(1)


@cli.command()
@click.argument("base")
@click.argument("head", default="HEAD")
@click.option("--two-dot", is_flag=True, help="Compare BASE itself with HEAD, not the point where HEAD forked from BASE.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file instead of standard output.")
@_CONFIG_OPTION
def diff(base: str, head: str, two_dot: bool, output: Path | None, config_file: Path | None) -> None:
    """Print, as Markdown for a pull-request comment, what HEAD changes in the roadmap since BASE.

    Like `git diff BASE...HEAD`, the comparison starts where HEAD forked from BASE, so a branch
    is not blamed for what landed on BASE after it (--two-dot, or BASE..HEAD, compares BASE
    itself). Both revisions are read from git objects; the working tree is not touched.
    Stories added, removed and renamed; status, score and rank moves; projects, alignments and
    liaisons changed; new problems the checker finds.

    \b
    Example:
        interlock diff origin/main
        interlock diff origin/main...HEAD --output roadmap-diff.md
    """
    from .changes import compare_revisions, render_changes
    from .gitfiles import RevisionError
    from .history import open_repo

    if "..." in base:
        base, _, rest = base.partition("...")
        head = rest or head
    elif ".." in base:
        base, _, rest = base.partition("..")
        head, two_dot = rest or head, True
    config_path = _config(config_file)
    settings = _settings(config_path)
    repo = open_repo(settings.root)
    if repo is None:
        raise click.UsageError(f"{settings.root} is not in a git repository; `interlock diff` compares two commits")
    with repo:
        try:
            changes, before, after = compare_revisions(repo, settings, config_path, base or "HEAD", head, fork_point=not two_dot)
        except RevisionError as exc:
            raise click.UsageError(f"{exc}; give a branch, tag or commit, e.g. origin/main") from exc
        except SettingsError as exc:
            raise click.UsageError("interlock plugin options at one revision: " + "; ".join(exc.problems)) from exc
    text = render_changes(changes, before, after)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, "utf-8")


@cli.command()
@click.option(
    "-o", "--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="The folder to write the site source to."
)
@_CONFIG_OPTION
def generate(out: Path, config_file: Path | None) -> None:
    """Write the whole site source as a plain docs tree that builds without the interlock plugin.

    OUT gets docs/ (the hand-written pages and every generated page, asset and data file) and an
    mkdocs.yml naming no plugin of ours, for plain MkDocs, ProperDocs or Zensical. The folder is
    replaced on each run; one that holds anything else is refused.

    \b
    Example:
        interlock generate --out build/site-source
        mkdocs build -f build/site-source/mkdocs.yml
    """
    from .generate import generate_tree
    from .history import HistoryCache
    from .siteconfig import read_site_config
    from .standalone import OutputError, check_output, write_site_source
    from .urls import Urls

    config_file = _config(config_file)
    settings = _settings(config_file)
    config = read_site_config(config_file)
    from .rules.settings import inside

    docs_value = config.get("docs_dir") or "docs"
    docs_dir = inside(settings.root, docs_value) if isinstance(docs_value, str) else None
    if docs_dir is None:
        raise click.UsageError(f"{config_file}: docs_dir '{docs_value}' is outside the site's folder; it must be inside it")
    try:
        target = check_output(out, settings.root, [docs_dir, settings.stories_dir, settings.priorities_dir, settings.root / ".git"])
    except OutputError as exc:
        raise click.UsageError(str(exc)) from exc
    roadmap = build_roadmap(settings)
    history = HistoryCache().get(settings.root, settings.stories_dir)
    urls = Urls(config.get("use_directory_urls", True) is not False)
    site_url = config.get("site_url") if isinstance(config.get("site_url"), str) else None
    site_name = str(config.get("site_name") or "Roadmap")
    tree = generate_tree(roadmap, urls, history=history, overrides=settings.templates_dir, site_url=site_url, site_name=site_name)
    try:
        count = write_site_source(tree, config_file, docs_dir, settings.root, target)
    except OutputError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"wrote {count} files to {out}; build them with `mkdocs build -f {out / 'mkdocs.yml'}`")
    if roadmap.errors:
        click.echo(f"interlock generate: the roadmap has {_plural(roadmap.errors, 'error', 'errors')}; run `interlock check`", err=True)
        sys.exit(1)


_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@cli.command(name="print")
@click.argument("release", required=False)
@click.option("--project", help="Print what PMs ask of this project instead of a release.")
@click.option("--release", "for_release", help="With --project: the release whose asks are printed in full (default: the current one).")
@click.option("--pdf", "pdf", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The PDF file to write.")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True)
@click.option("--chromium", "browser", help="The Chromium or Chrome executable (default: the first on PATH).")
@_CONFIG_OPTION
def print_packet(
    release: str | None, project: str | None, for_release: str | None, pdf: Path, paper: str, browser: str | None, config_file: Path | None
) -> None:
    """Build the site and print a release's planning packet (or a project's) to PDF with headless Chromium.

    A project's packet holds one release's open asks in full (the current release unless --release
    names another) and the team's other asks as one line each.

    \b
    Example:
        interlock print 2026.1 --pdf release-2026.1.pdf
        interlock print --project nova --pdf nova.pdf --paper letter
        interlock print --project nova --release 2025.2 --pdf nova-2025.2.pdf
    """
    from .siteconfig import PLUGIN, dump_site_config, plugin_entries, read_site_config
    from .urls import Urls, release_slug

    config_file = _config(config_file)
    settings = _settings(config_file)
    if (release is None) == (project is None):
        raise click.UsageError("give a RELEASE or --project, e.g. `interlock print 2026.1 --pdf packet.pdf`")
    roadmap = build_roadmap(settings)
    urls = Urls()
    if release is not None:
        if release not in settings.releases:
            raise click.BadParameter(
                f"unknown release '{release}'{suggest(release, settings.releases)}; releases: {', '.join(settings.releases)}",
                param_hint="RELEASE",
            )
        page = urls.page("print_release", release)
    else:
        assert project is not None
        if project not in roadmap.projects:
            raise click.BadParameter(f"unknown project '{project}'{suggest(project, roadmap.projects)}", param_hint="--project")
        page = urls.page("print_project", project)
    config_text: str | None = None
    if for_release is not None:
        if project is None:
            raise click.UsageError("--release goes with --project; a release's own packet is `interlock print RELEASE`")
        if for_release not in settings.releases:
            raise click.BadParameter(
                f"unknown release '{for_release}'{suggest(for_release, settings.releases)}; releases: {', '.join(settings.releases)}",
                param_hint="--release",
            )
        if for_release != settings.current_release:
            page = urls.page("print_project_release", f"{project}/{release_slug(for_release)}")
            if for_release not in settings.packet_releases:
                # Build once with that release's packets too: the same configuration, given on standard input.
                config = read_site_config(config_file)
                for name, options in plugin_entries(config):
                    if name == PLUGIN and isinstance(options, dict):
                        options["packet_releases"] = [*settings.packet_releases, for_release]
                config_text = dump_site_config(config)
    import shutil
    import subprocess
    import tempfile

    executable = browser or next((found for name in _BROWSERS if (found := shutil.which(name))), None)
    if executable is None or not shutil.which(executable):
        raise click.ClickException(
            "printing needs Chromium or Chrome: install it (Debian: apt-get install chromium) or pass --chromium PATH"
        )
    with tempfile.TemporaryDirectory(prefix="interlock-print-") as tmp:
        site = Path(tmp) / "site"
        built = subprocess.run(
            [
                sys.executable,
                "-m",
                "mkdocs",
                "build",
                "-q",
                "--strict",
                "-f",
                "-" if config_text else str(config_file.resolve()),
                "-d",
                str(site),
            ],
            cwd=config_file.resolve().parent,  # Markdown extensions resolve their paths from there, and so does a configuration on stdin
            input=config_text,
            capture_output=True,
            text=True,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        )
        if built.returncode != 0:
            raise click.ClickException(f"the site did not build; run `mkdocs build` to see why:\n{built.stderr.strip()[-2000:]}")
        target = (site / page / "index.html").as_uri() + f"?paper={paper}"
        printed = subprocess.run(
            [
                executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={Path(tmp) / 'profile'}",
                "--no-pdf-header-footer",
                "--run-all-compositor-stages-before-draw",
                f"--print-to-pdf={pdf.resolve()}",
                target,
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if printed.returncode != 0 or not pdf.is_file():
            raise click.ClickException(f"{executable} could not print the packet:\n{printed.stderr.strip()[-2000:]}")
    click.echo(f"wrote {pdf} ({pdf.stat().st_size // 1024} KB)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return its exit status."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="interlock", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0
