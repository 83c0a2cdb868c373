from __future__ import annotations

import re
import shlex
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml

from interlock.cli import cli, main
from interlock.rules import CODES

REPO = Path(__file__).resolve().parent.parent


def test_every_code_is_documented() -> None:
    page = (REPO / "site_src" / "diagnostics.md").read_text("utf-8")
    missing = [code for code, c in CODES.items() if f"| `{code}` | {c.title} | {c.help} |" not in page]
    assert missing == []


def test_every_command_help_shows_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    for name in cli.commands:
        assert main([name, "--help"]) == 0
        out = capsys.readouterr().out
        assert re.search(r"Example:\n +interlock " + name, out), name


def test_pre_commit_hooks_run_the_checker(
    committed_site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert [hook["id"] for hook in hooks] == ["interlock-check", "interlock-check-all"]
    monkeypatch.chdir(committed_site)
    for hook in hooks:
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        assert re.search(hook["files"], "stories/rolling-upgrades.md") and re.search(hook["files"], "priorities/nova.yaml")
        assert not re.search(hook["files"], "README.md")
        command = shlex.split(hook["entry"])
        assert command[0] == "interlock"
        # Nothing is staged: the staged check passes; the full check finds the problem in an unchanged story.
        assert main(command[1:]) == (0 if "--staged" in command else 1), hook["id"]
        assert "Traceback" not in capsys.readouterr().err


def test_example_workflow_runs_real_commands(
    committed_site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    workflow = yaml.safe_load((REPO / "site_src" / "examples" / "interlock-pr.yml").read_text("utf-8"))
    steps = workflow["jobs"]["interlock"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    runs = [shlex.split(step["run"].split(">")[0]) for step in steps if "run" in step]
    assert [run[:2] for run in runs] == [
        ["pip", "install"],
        ["git", "show"],
        ["interlock", "check"],
        ["interlock", "diff"],
        ["mkdocs", "build"],
    ]
    # The pull request's own code and configuration are never used: a pinned release, the base branch's mkdocs.yml.
    assert runs[0][2].startswith("interlock[site]==") and runs[1][2] == "origin/$BASE_REF:mkdocs.yml"
    assert runs[0][2].split("==")[1] == version("interlock")
    monkeypatch.chdir(committed_site)
    for run in runs[2:4]:
        args = [arg.replace("origin/$BASE_REF", "HEAD") for arg in run[1:]]
        assert main(args) in (0, 1), run
    assert "::error file=stories/draft.md" in capsys.readouterr().out
    page = (REPO / "site_src" / "contributing.md").read_text("utf-8")
    assert '--8<-- "examples/interlock-pr.yml"' in page
