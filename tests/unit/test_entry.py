"""The command's entry point forks the converter's helper before the command's modules load, for a
check of a site whose cache is there; the check then takes that helper, and answers what a check
without any helper or cache answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import interlock.__main__ as entry
from conftest import FIXTURES, copy_site
from interlock import converter, parallel

CAN_FORK = sys.platform == "linux" and parallel.workers() >= 2


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "site").mkdir()
    return copy_site(FIXTURES / "minimal", tmp_path / "site")


def test_only_a_check_of_a_site_with_a_cache_forks_early(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INTERLOCK_CACHE")
    monkeypatch.chdir(site)
    assert not entry.wants_early_helper(["check"])  # no earlier run: every text is converted, by the workers
    (site / ".cache" / "interlock").mkdir(parents=True)
    assert entry.wants_early_helper(["check"])
    assert entry.wants_early_helper(["check", "--staged"])
    for args in ([], ["build"], ["check", "-f", "mkdocs.yml"], ["check", "--config-file=mkdocs.yml"], ["check", "--help"]):
        assert not entry.wants_early_helper(args), args
    monkeypatch.setenv("INTERLOCK_CACHE", "off")
    assert not entry.wants_early_helper(["check"])
    monkeypatch.delenv("INTERLOCK_CACHE")
    monkeypatch.chdir(site / "stories")  # the site is found as the command finds it: the nearest mkdocs.yml
    assert entry.wants_early_helper(["check"])
    (site / "stories" / ".git").mkdir()  # a repository's root: the search stops there, as find_config's does
    assert not entry.wants_early_helper(["check"])


@pytest.mark.skipif(not CAN_FORK, reason="a forked helper runs on Linux with two cores or more")
def test_a_check_takes_the_helper_forked_early_and_answers_as_without_it(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("INTERLOCK_CACHE")
    monkeypatch.chdir(site)
    assert entry.main(["check", "--format", "json"]) == 0  # the cache is made
    capsys.readouterr()
    story = site / "stories" / "planned.md"
    story.write_text(story.read_text("utf-8") + "\n<script>alert(1)</script>\n\nA new line.\n", "utf-8")
    started, sent = [], []
    real_start, real_send = converter.start_early_helper, parallel.Helper.send

    def start() -> None:
        real_start()
        started.append(converter._early)

    def send(self: parallel.Helper, items: list[str]) -> bool:
        sent.append((self, len(items)))
        return real_send(self, items)

    monkeypatch.setattr(converter, "start_early_helper", start)
    monkeypatch.setattr(parallel.Helper, "send", send)
    assert entry.main(["check", "--format", "json"]) == 1
    with_helper = json.loads(capsys.readouterr().out)
    assert started and started[0] is not None and converter._early is None  # forked first, then taken by the check
    assert sent == [(started[0], 1)]  # and sent the one text that changed
    assert not started[0].running
    codes = {d["code"] for d in with_helper if d["path"] == "stories/planned.md"}
    assert "R307" in codes, with_helper  # the script the conversion finds
    monkeypatch.setenv("INTERLOCK_CACHE", "0")
    assert entry.main(["check", "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out) == with_helper


def test_an_early_helper_no_check_takes_is_stopped(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INTERLOCK_CACHE")
    monkeypatch.chdir(site)
    (site / ".cache" / "interlock").mkdir(parents=True)  # a folder, but no cache of this version in it
    converter.start_early_helper()
    early = converter._early
    assert entry.main(["check"]) == 0
    assert converter._early is None
    assert early is None or not early.running


def test_python_m_interlock_runs_the_command_and_ends_a_check_at_once(site: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "INTERLOCK_CACHE"}

    def interlock(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "interlock", *args], cwd=site, env=env, capture_output=True, text=True, check=False)

    for _ in range(2):  # the second run forks its helper first
        done = interlock("check")
        assert done.returncode == 0, done.stderr
        assert done.stdout == "interlock check: no problems (6 files: 4 stories, 2 priority lists)\n"
    story = site / "stories" / "planned.md"
    story.write_text(story.read_text("utf-8") + "\n<script>alert(1)</script>\n", "utf-8")
    done = interlock("check", "--format", "json")  # what it printed is all there, though it ended at once
    assert done.returncode == 1 and any(d["code"] == "R307" for d in json.loads(done.stdout))
    done = interlock("check", "--no-such-option")  # a helper forked for a check that never runs is stopped
    assert done.returncode == 2 and "No such option" in done.stderr
    assert interlock("--version").returncode == 0
