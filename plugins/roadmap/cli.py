"""The `roadmap` command line: a thin adapter over the core (only this module imports click)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from .linking import build_roadmap
from .loader import read_site_options
from .model import Diagnostic
from .schema import SettingsError, load_settings


def _report(diagnostics: list[Diagnostic], fmt: str, summary: str) -> None:
    if fmt == "json":
        click.echo(json.dumps([d.__dict__ for d in diagnostics], indent=2))
        return
    for d in diagnostics:
        if fmt == "github":
            kind = "error" if d.severity == "error" else "warning"
            message = d.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            click.echo(f"::{kind} file={d.path},line={d.line},col={d.col},title={d.code}::{message}")
        else:
            click.echo(d.format())
    click.echo(summary, err=fmt == "github")


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="roadmap")
def cli() -> None:
    """Validate, cross-link and rank user stories against project priority lists."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-f",
    "--config-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default="mkdocs.yml",
    show_default=True,
    help="The site configuration holding the roadmap plugin's options.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "github", "json"]),
    default="text",
    show_default=True,
    help="text for people, github for workflow annotations, json for tools.",
)
def check(paths: tuple[Path, ...], config_file: Path, fmt: str) -> None:
    """Check stories and priority lists; print every problem as path:line:col.

    With PATHS, report only problems in those files or folders (every file is still read,
    since stories refer to each other and to priority lists).

    \b
    Example:
        roadmap check
        roadmap check stories/rolling-upgrades.md --format github
    Exit status: 0 no problems, 1 problems found, 2 usage or configuration error.
    """
    try:
        options, root = read_site_options(config_file)
        settings = load_settings(options, root)
    except (OSError, ValueError) as exc:
        raise click.UsageError(str(exc)) from exc
    except SettingsError as exc:
        raise click.UsageError(f"{config_file}: roadmap plugin options: " + "; ".join(exc.problems)) from exc
    roadmap = build_roadmap(settings)
    diagnostics = roadmap.diagnostics
    if paths:
        wanted = [settings.relpath(p).rstrip("/") for p in paths]
        diagnostics = [d for d in diagnostics if any(d.path == w or d.path.startswith(w + "/") for w in wanted)]
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    counts = (
        f"{_plural(roadmap.files_checked, 'file', 'files')}: {_plural(len(roadmap.stories), 'story', 'stories')}, "
        f"{_plural(len(roadmap.projects), 'priority list', 'priority lists')}"
    )
    if diagnostics:
        summary = f"roadmap check: {_plural(errors, 'error', 'errors')}, {_plural(warnings, 'warning', 'warnings')} ({counts})"
    else:
        summary = f"roadmap check: no problems ({counts})"
    _report(diagnostics, fmt, summary)
    sys.exit(1 if diagnostics else 0)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return its exit status."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="roadmap", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0
