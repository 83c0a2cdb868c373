from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from interlock.cli import main

REPO = Path(__file__).resolve().parent.parent
BROKEN = Path(__file__).parent / "fixtures" / "broken"


def test_demo_is_clean(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == ["interlock check: no problems (31 files: 15 stories, 11 priority lists, 3 weighings)"]


def test_broken_prints_golden_lines_and_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--config-file", str(BROKEN / "mkdocs.yml")]) == 1
    lines = capsys.readouterr().out.splitlines()
    golden = (Path(__file__).parent / "golden" / "broken.txt").read_text("utf-8").splitlines()
    assert lines[:-1] == golden
    errors = sum(": error: " in line for line in golden)
    warnings = len(golden) - errors
    assert lines[-1] == f"interlock check: {errors} errors, {warnings} warnings (31 files: 8 stories, 2 priority lists, 2 weighings)"


def test_paths_limit_the_report(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BROKEN)
    assert main(["check", "stories/types.md", "priorities"]) == 1
    lines = capsys.readouterr().out.splitlines()[:-1]
    assert lines and all(line.startswith(("stories/types.md:", "priorities/")) for line in lines)


def test_github_format(capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", "-f", str(BROKEN / "mkdocs.yml"), "--format", "github"])
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    # GitHub shows ten error and ten warning annotations per step; one notice counts the rest.
    assert sum(line.startswith("::error ") for line in lines) == 10 and sum(line.startswith("::warning ") for line in lines) == 9
    assert "::error file=priorities/notes.txt,line=1,col=1,title=R008::" in captured.out
    assert "::warning file=stories/accepted-incomplete.md,line=22,col=1,title=R309::" in captured.out
    assert lines[-1].startswith("::notice ") and "78 more errors were not annotated" in lines[-1]
    assert "interlock check:" in captured.err


def test_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", "-f", str(BROKEN / "mkdocs.yml"), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert {"path": "stories/types.md", "line": 3, "col": 9, "code": "R105", "severity": "error"}.items() <= data[1:][0].items() or any(
        d["code"] == "R105" and d["line"] == 3 for d in data
    )


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("site_name: x\n", "no 'interlock' entry"),
        ("plugins:\n  - interlock:\n      releases: [2025.1]\n      criteria: {a: 1}\n", "put it in quotes"),
        ("plugins: [interlock\n", "not valid YAML"),
    ],
)
def test_configuration_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], config: str, message: str) -> None:
    (tmp_path / "mkdocs.yml").write_text(config, "utf-8")
    assert main(["check", "-f", str(tmp_path / "mkdocs.yml")]) == 2
    assert message in capsys.readouterr().err


def test_missing_config_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "-f", str(tmp_path / "nope.yml")]) == 2


def test_mkdocs_yml_with_python_tags_is_readable(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text(
        "markdown_extensions:\n  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
        "plugins:\n  - interlock:\n      releases: ['a']\n      criteria: {x: 1}\n",
        "utf-8",
    )
    (tmp_path / "stories").mkdir()
    (tmp_path / "priorities").mkdir()
    assert main(["check", "-f", str(tmp_path / "mkdocs.yml")]) == 0


def demo_copy(tmp_path: Path) -> Path:
    for name in ("stories", "priorities", "weighing"):
        shutil.copytree(REPO / name, tmp_path / name)
    shutil.copy(REPO / "mkdocs.yml", tmp_path / "mkdocs.yml")
    return tmp_path


def test_new_story_passes_check_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(demo_copy(tmp_path))
    assert main(["new", "Rolling upgrades: storage!", "--projects", "cinder,nova"]) == 0
    text = (tmp_path / "stories" / "rolling-upgrades-storage.md").read_text("utf-8")
    assert "ref: RUS\n" in text and "status: draft\n" in text and "  cinder:\n" in text and "  nova:\n" in text
    for section in ("Problem description", "Opportunity", "Use cases", "Usage scenarios", "Acceptance criteria"):
        assert f"\n## {section}\n" in text
    capsys.readouterr()
    # A draft as the scaffold wrote it passes, with one warning listing what is still to write.
    assert main(["check"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "interlock check: 0 errors, 1 warning (32 files: 16 stories, 11 priority lists, 3 weighings)"
    assert lines[0].startswith("stories/rolling-upgrades-storage.md:6:3: warning: R110 this draft still holds 8 placeholders")
    proposed = text.replace("status: draft", "status: proposed")
    (tmp_path / "stories" / "rolling-upgrades-storage.md").write_text(proposed, "utf-8")
    assert main(["check"]) == 1
    assert sum(" error: R110 " in line for line in capsys.readouterr().out.splitlines()) == 6


def test_new_refuses_overwrite_unknown_projects_and_taken_refs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(demo_copy(tmp_path))
    assert main(["new", "Bare metal quotas", "--projects", "nova"]) == 0
    before = (tmp_path / "stories" / "bare-metal-quotas.md").read_text("utf-8")
    assert main(["new", "Bare metal quotas", "--projects", "nova"]) == 1  # an existing story is never overwritten
    assert (tmp_path / "stories" / "bare-metal-quotas.md").read_text("utf-8") == before
    assert main(["new", "Another", "--projects", "novaa"]) == 2
    assert "unknown project 'novaa' (did you mean 'nova'?)" in capsys.readouterr().err
    assert main(["new", "Another", "--projects", "nova", "--ref", "RUP"]) == 2
    assert "'RUP' is used by another story" in capsys.readouterr().err


def test_export_csv_has_a_row_per_story_and_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    assert main(["export", "--format", "csv", "--output", str(tmp_path / "r.csv")]) == 0
    rows = list(csv.DictReader((tmp_path / "r.csv").read_text("utf-8").splitlines()))
    assert len(rows) == 39  # project entries over the 15 demo stories
    first = rows[0]
    assert (first["story"], first["project"], first["alignment"], first["priorities"], first["liaison"]) == (
        "rolling-upgrades",
        "nova",
        "planned",
        "2026.1/upgrades",
        "Priya Raman",
    )


def test_export_json_matches_the_site_model(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(REPO)
    assert main(["export"]) == 0
    model = json.loads(capsys.readouterr().out)
    assert model["schema_version"] == 2 and len(model["stories"]) == 15 and len(model["projects"]) == 11


def check_changed(root: Path, capsys: pytest.CaptureFixture[str], ref: str = "HEAD") -> tuple[int, list[str]]:
    status = main(["check", "--changed-since", ref, "-f", str(root / "mkdocs.yml")])
    return status, capsys.readouterr().out.splitlines()


def test_changed_since_reports_only_changed_files(committed_site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "-f", str(committed_site / "mkdocs.yml")]) == 1
    assert any(line.startswith("stories/draft.md:") for line in capsys.readouterr().out.splitlines())
    assert check_changed(committed_site, capsys) == (
        0,
        ["interlock check: no problems (6 files: 4 stories, 2 priority lists; checked 0 files changed since HEAD or referring to them)"],
    )
    unplanned = committed_site / "stories" / "unplanned.md"
    unplanned.write_text(unplanned.read_text("utf-8").replace("status: proposed", "status: maybe"), "utf-8")
    (committed_site / "stories" / "fresh.md").write_text("---\ntitle: Fresh\n---\n", "utf-8")
    status, lines = check_changed(committed_site, capsys)
    assert status == 1
    assert {line.split(":")[0] for line in lines[:-1]} == {"stories/unplanned.md", "stories/fresh.md"}
    assert "stories/unplanned.md:3:9: error: R105 'status': 'maybe' is not allowed" in "\n".join(lines)
    assert lines[-1].endswith("checked 3 files changed since HEAD or referring to them)")  # planned.md relates to unplanned.md


def test_changed_since_follows_references_to_changed_files(committed_site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    alpha = committed_site / "priorities" / "alpha.yaml"
    alpha.write_text(alpha.read_text("utf-8").replace("id: upgrades,", "id: upgrade,"), "utf-8")
    status, lines = check_changed(committed_site, capsys)
    assert status == 1
    assert lines[0].startswith("stories/planned.md:") and "R202 'upgrades' is not an item of alpha's priority list" in lines[0]
    (committed_site / "stories" / "unplanned.md").unlink()
    status, lines = check_changed(committed_site, capsys)
    assert "stories/planned.md:18:11: error: R206 no story 'unplanned' (did you mean 'planned'?)" in "\n".join(lines)


def test_changed_since_blames_the_changed_story_for_a_taken_ref(committed_site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    draft = committed_site / "stories" / "draft.md"
    draft.write_text(draft.read_text("utf-8").replace("ref: DRA", "ref: PLA"), "utf-8")
    status, lines = check_changed(committed_site, capsys)
    assert status == 1
    assert lines[0] == (
        "stories/draft.md:4:6: error: R208 ref 'PLA' is already used by stories/planned.md; choose another, e.g. 'DSD' (free)"
    )


def test_changed_since_needs_a_known_revision(committed_site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--changed-since", "no-such-ref", "-f", str(committed_site / "mkdocs.yml")]) == 2
    assert "--changed-since: 'no-such-ref' is not a commit git knows" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["print", "2026.2", "--pdf", "x.pdf"], "unknown release '2026.2' (did you mean '2026.1'?)"),
        (["print", "--project", "novaa", "--pdf", "x.pdf"], "unknown project 'novaa' (did you mean 'nova'?)"),
        (["print", "--pdf", "x.pdf"], "give a RELEASE or --project"),
        (["print", "2026.1", "--pdf", "x.pdf", "--chromium", "/no/such/browser"], "printing needs Chromium or Chrome"),
    ],
)
def test_print_refuses_clearly(args: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    assert main(args) in (1, 2)
    assert message in capsys.readouterr().err
