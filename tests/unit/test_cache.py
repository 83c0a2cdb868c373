"""The cache on disk: it may make a check fast, never change what it says."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from datetime import date, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interlock import cache
from interlock.cache import FOLDER, Store, Unencodable, decode_object, digest, encode_value, settings_key, tree_key
from interlock.checking import run_check
from interlock.cli import main
from interlock.loader import DocumentCache, read_document
from interlock.rules import load_settings
from interlock.siteconfig import read_site_options

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture(autouse=True)
def cache_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INTERLOCK_CACHE", raising=False)  # the suite turns it off elsewhere


def site(tmp_path: Path, name: str = "broken") -> Path:
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root, ignore=shutil.ignore_patterns(".cache"))
    return root


def settings_of(root: Path):  # type: ignore[no-untyped-def]
    options, found = read_site_options(root / "mkdocs.yml")
    return load_settings(options, found)


def check_output(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["check", "--config-file", str(root / "mkdocs.yml"), *args])
    out, err = capsys.readouterr()
    return status, out, err


# Values ------------------------------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(),
    st.dates(),
    st.datetimes().map(lambda d: d.replace(fold=0)),  # YAML never makes a fold
    st.datetimes(timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=5, minutes=30))])).map(lambda d: d.replace(fold=0)),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(scalars, inner, max_size=4),
    max_leaves=20,
)


@given(values)
def test_every_yaml_value_comes_back_the_same(value: object) -> None:
    import json

    back = json.loads(json.dumps(encode_value(value)), object_hook=decode_object)
    assert back == value
    assert repr(back) == repr(value)  # types too: True stays a bool, 1 an int, a date not a string


def test_mappings_that_look_like_tags_are_written_tagged() -> None:
    import json

    tricky = {"\0d": "2024-01-01"}
    assert json.loads(json.dumps(encode_value(tricky)), object_hook=decode_object) == tricky
    assert json.loads(json.dumps(encode_value({1: "a", date(2024, 1, 2): "b"})), object_hook=decode_object) == {
        1: "a",
        date(2024, 1, 2): "b",
    }
    with pytest.raises(Unencodable):
        encode_value({"a": {1, 2}})


# The store ---------------------------------------------------------------------------------------


def test_store_keeps_values_until_a_new_version(tmp_path: Path) -> None:
    store = Store(tmp_path / "v1.sqlite")
    store.put("doc", "k1", {"a": [1, 2]})
    assert store.get("doc", "k1") == {"a": [1, 2]}  # from memory, before the flush
    store.flush()
    assert Store(tmp_path / "v1.sqlite").get("doc", "k1") == {"a": [1, 2]}
    assert Store(tmp_path / "v1.sqlite").get("doc", "other") is None
    newer = Store(tmp_path / "v2.sqlite")
    newer.put("doc", "k1", 1)
    newer.flush()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v2.sqlite"]  # the old version is gone


def test_a_corrupt_cache_file_is_a_miss_not_an_error(tmp_path: Path) -> None:
    file = tmp_path / "v1.sqlite"
    file.write_bytes(b"this is not a database" * 100)
    store = Store(file)
    assert store.get("doc", "k") is None
    store.put("doc", "k", 1)
    store.flush()  # cannot write either: the store turns itself off
    assert not store.enabled
    db = sqlite3.connect(tmp_path / "v2.sqlite")
    db.execute("CREATE TABLE entries (kind TEXT, key TEXT, value TEXT, used INTEGER, PRIMARY KEY (kind, key))")
    db.execute("INSERT INTO entries VALUES ('doc', 'k', '{not json', 0)")
    db.commit()
    db.close()
    assert Store(tmp_path / "v2.sqlite").get("doc", "k") is None


def test_prefetched_values_are_the_stored_ones(tmp_path: Path) -> None:
    store = Store(tmp_path / "v.sqlite")
    for n in range(1200):  # more keys than one query takes
        store.put("doc", f"k{n}", {"n": n})
    store.put("story", "k1", "another kind")
    store.flush()
    again = Store(tmp_path / "v.sqlite")
    again.put("doc", "k2", "put since")
    again.prefetch("doc", [f"k{n}" for n in range(1300)] + ["k1", ""])
    assert [again.get("doc", f"k{n}") for n in (0, 1, 999, 1199)] == [{"n": 0}, {"n": 1}, {"n": 999}, {"n": 1199}]
    assert again.get("doc", "k2") == "put since"  # what this run put wins
    assert again.get("doc", "k1250") is None and again.get("story", "k1") == "another kind"
    db = sqlite3.connect(tmp_path / "v.sqlite")
    db.execute("UPDATE entries SET value = '{not json' WHERE key = 'k5'")
    db.commit()
    db.close()
    third = Store(tmp_path / "v.sqlite")
    third.prefetch("doc", ["k5", "k6"])
    assert third.get("doc", "k5") is None and third.get("doc", "k6") == {"n": 6}


def test_sweep_deletes_what_the_run_did_not_use(tmp_path: Path) -> None:
    store = Store(tmp_path / "v.sqlite")
    for key in ("a", "b", "c"):
        store.put("doc", key, key)
    store.put("result", "r", 1)
    store.flush()
    again = Store(tmp_path / "v.sqlite")
    assert again.get("doc", "a") == "a"
    again.put("doc", "d", "d")
    again.flush(sweep=("doc",))
    last = Store(tmp_path / "v.sqlite")
    assert [last.get("doc", k) for k in "abcd"] == ["a", None, None, "d"]
    assert last.get("result", "r") == 1  # other kinds are kept


def test_keep_holds_the_most_recently_used_entries_of_a_kind(tmp_path: Path) -> None:
    file = tmp_path / "v.sqlite"
    for key in "abc":  # one run each, oldest first
        store = Store(file)
        store.put("result", key, key)
        store.put("doc", key, key)
        store.flush(keep={"result": 10})
    again = Store(file)
    assert again.get("result", "a") == "a" and again.get("doc", "b") == "b"  # a is used again
    again.put("result", "d", "d")
    again.flush(keep={"result": 2})
    last = Store(file)
    assert [last.get("result", k) for k in "abcd"] == ["a", None, None, "d"]
    assert [last.get("doc", k) for k in "abc"] == ["a", "b", "c"]  # other kinds are not kept by use


def test_cache_is_off_when_the_repository_could_forge_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    assert Store.for_site(root).enabled
    monkeypatch.setenv("INTERLOCK_CACHE", "0")
    assert not Store.for_site(root).enabled
    monkeypatch.delenv("INTERLOCK_CACHE")
    (tmp_path / "elsewhere").mkdir()
    (root / ".cache").symlink_to(tmp_path / "elsewhere")
    store = Store.for_site(root)
    assert not store.enabled and store.why_off and "link" in store.why_off
    (root / ".cache").unlink()
    (root / FOLDER).mkdir(parents=True)
    (root / FOLDER / "planted.sqlite").write_bytes(b"")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-f", str(FOLDER / "planted.sqlite")], check=True)
    store = Store.for_site(root)
    assert not store.enabled and store.why_off and "git tracks" in store.why_off


# Documents ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "broken" / "stories").glob("*.md")))
def test_a_document_from_the_cache_equals_the_parsed_one(tmp_path: Path, name: str) -> None:
    path = FIXTURES / "broken" / "stories" / name
    rel = f"stories/{name}"
    parsed = read_document(path, rel, front_matter=True)
    store = Store(tmp_path / "v.sqlite")
    DocumentCache(store).read(path, rel, front_matter=True)
    store.flush()
    cached = DocumentCache(Store(tmp_path / "v.sqlite")).read(path, rel, front_matter=True)
    assert cached.stored_marks is not None  # it came from the cache (unless a value could not be stored)
    for attribute in ("data", "body", "body_line", "last_line", "coerced", "diagnostics"):
        assert getattr(cached, attribute) == getattr(parsed, attribute), attribute
    for key_path in [*parsed.key_marks, *parsed.value_marks, ("no", "such", "key")]:
        assert cached.where(key_path) == parsed.where(key_path)
        assert cached.where(key_path, value=True) == parsed.where(key_path, value=True)


# Whole checks ------------------------------------------------------------------------------------


def test_cold_warm_and_edited_checks_say_what_an_uncached_check_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = site(tmp_path)
    monkeypatch.setenv("INTERLOCK_CACHE", "0")
    uncached = check_output(root, capsys)
    assert not (root / ".cache").exists()
    monkeypatch.delenv("INTERLOCK_CACHE")
    cold = check_output(root, capsys)
    assert (root / FOLDER).is_dir()
    warm = check_output(root, capsys)
    assert uncached == cold == warm
    assert uncached[0] == 1 and uncached[2] == ""

    # An edit that adds a problem to a story shows at once, and says what an uncached check says.
    story = root / "stories" / "accepted-incomplete.md"
    story.write_text(story.read_text("utf-8").replace("---\n", "---\nno_such_key_here: 1\n", 1), "utf-8")
    edited = check_output(root, capsys)
    assert edited != warm and "no_such_key_here" in edited[1]
    monkeypatch.setenv("INTERLOCK_CACHE", "0")
    assert edited == check_output(root, capsys)


def test_a_changed_priority_list_checks_the_stories_again(tmp_path: Path) -> None:
    root = site(tmp_path, "minimal")
    settings = settings_of(root)
    store = Store.for_site(root)
    before = run_check(settings, store=store)
    assert not [d for d in before.diagnostics if d.severity == "error"]
    lists = sorted((root / "priorities").glob("*.yaml"))
    for path in lists:  # every item a story names disappears: the stories name unknown items now
        text = path.read_text("utf-8")
        path.write_text(text.replace("id: ", "id: renamed-"), "utf-8")
    after = run_check(settings_of(root), store=Store.for_site(root))
    uncached = run_check(settings_of(root), store=Store.off())
    assert after.diagnostics == uncached.diagnostics
    assert after.diagnostics != before.diagnostics


def test_a_planted_cache_cannot_make_a_broken_tree_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A pull request that commits a cache saying 'no problems' is not believed."""
    clean = site(tmp_path, "minimal")
    assert check_output(clean, capsys)[0] == 0
    broken = site(tmp_path)
    # The clean run's cache, planted in the broken tree under the broken tree's own key.
    planted = next((clean / FOLDER).glob("*.sqlite"))
    (broken / FOLDER).mkdir(parents=True)
    target = broken / FOLDER / planted.name
    shutil.copy(planted, target)
    db = sqlite3.connect(target)
    settings = settings_of(broken)
    key_parts = (settings_key(settings), tree_key(settings, (settings.stories_dir, settings.priorities_dir, settings.weighing_dir)))
    from interlock.cache import digest

    forged = digest("result", *key_parts, "everything")
    db.execute("INSERT OR REPLACE INTO entries VALUES ('result', ?, ?, 0)", (forged, '{"diagnostics":[],"counts":[1,1,1,0,null]}'))
    db.commit()
    db.close()
    assert check_output(broken, capsys)[1].startswith("interlock check: no problems")  # a local cache is trusted...
    subprocess.run(["git", "init", "-q", str(broken)], check=True)
    subprocess.run(["git", "-C", str(broken), "add", "-A", "-f"], check=True)
    status, out, err = check_output(broken, capsys)  # ...one the repository tracks is not
    assert status == 1 and "error" in out
    assert "not using the cache: git tracks files under .cache/" in err


# File stats and files that change while they are checked ----------------------------------------


def _folders(settings):  # type: ignore[no-untyped-def]
    return (settings.stories_dir, settings.priorities_dir, settings.weighing_dir)


def test_file_stats_give_the_same_tree_key_and_notice_every_edit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = site(tmp_path, "minimal")
    settings = settings_of(root)
    monkeypatch.setattr(cache, "RACY_NS", 0)  # every file old enough to be trusted at once
    store = Store(tmp_path / "v.sqlite")
    plain = tree_key(settings, _folders(settings))
    contents: dict[str, bytes] = {}
    assert tree_key(settings, _folders(settings), store, contents) == plain
    story = sorted((root / "stories").glob("*.md"))[0]
    assert contents[f"stories/{story.name}"] == hashlib.blake2b(story.read_bytes(), digest_size=20).digest()
    assert tree_key(settings, _folders(settings), store) == plain  # now from the stats recorded
    # The same size and modification time, other bytes: the change time tells.
    before = story.stat()
    story.write_bytes(story.read_bytes().replace(b"e", b"E", 1))
    os.utime(story, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert story.stat().st_size == before.st_size and story.stat().st_mtime_ns == before.st_mtime_ns
    assert tree_key(settings, _folders(settings), store) == tree_key(settings, _folders(settings)) != plain


def test_recorded_stats_are_what_spares_the_reading_and_fresh_files_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = site(tmp_path, "minimal")
    settings = settings_of(root)
    store = Store(tmp_path / "v.sqlite")
    plain = tree_key(settings, _folders(settings), store)
    entry = digest("stats", str(root.resolve()))
    assert store.get("stats", entry) is None  # every file was written just now: none trusted by its stats yet
    monkeypatch.setattr(cache, "RACY_NS", 0)
    tree_key(settings, _folders(settings), store)
    recorded = store.get("stats", entry)
    assert recorded["files"]
    # A recorded digest is believed while the stats match: a wrong one shows in the key.
    forged = {name: [*sign[:5], "0" * 40] for name, sign in recorded["files"].items()}
    store.put("stats", entry, {"at": recorded["at"], "files": forged})
    assert tree_key(settings, _folders(settings), store) != plain
    # ... but not for a file changed less than RACY_NS before the stats were recorded.
    monkeypatch.setattr(cache, "RACY_NS", 3600 * 10**9)
    store.put("stats", entry, {"at": recorded["at"], "files": forged})
    assert tree_key(settings, _folders(settings), store) == plain


def test_a_file_changed_during_a_check_leaves_nothing_in_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import interlock.linking as linking

    root = site(tmp_path, "minimal")
    story = sorted((root / "stories").glob("*.md"))[0]
    real = linking.load_inputs

    def edited_meanwhile(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = real(*args, **kwargs)
        story.write_text(story.read_text("utf-8") + "\nA sentence saved while the check ran.\n", "utf-8")
        return found

    monkeypatch.setattr(linking, "load_inputs", edited_meanwhile)
    run_check(settings_of(root), store=Store.for_site(root))
    assert not list((root / FOLDER).glob("*.sqlite"))  # not the result, nor any document read before the edit


def test_positions_are_right_when_their_cache_entries_are_gone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = site(tmp_path)
    first = check_output(root, capsys)
    lines = [int(row.split(":")[1]) for row in first[1].splitlines() if row.startswith("stories/") and row.count(":") >= 3]
    assert sum(line > 5 for line in lines) > 10  # many problems found by their position in the front-matter
    db = sqlite3.connect(next((root / FOLDER).glob("*.sqlite")))
    with db:  # the documents stay; their positions and every result made from them go
        db.execute("DELETE FROM entries WHERE kind IN ('marks', 'story', 'list', 'links', 'result')")
    db.close()
    assert check_output(root, capsys) == first


def test_folders_nested_deeper_than_pythons_recursion_are_digested(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = site(tmp_path)
    deep = root / "stories" / "accepted-incomplete"
    deep.mkdir()
    for _ in range(1100):  # found by an attack: the tree's key recursed once per level
        deep = deep / "d"
        deep.mkdir()
    (deep / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    try:
        settings = load_settings(*read_site_options(root / "mkdocs.yml"))
        contents: dict[str, bytes] = {}
        key = tree_key(settings, _folders(settings), Store.for_site(root), contents)
        assert f"{deep.relative_to(root).as_posix()}/x.png" in contents
        (deep / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n-")
        assert tree_key(settings, _folders(settings)) != key
        monkeypatch.setenv("INTERLOCK_CACHE", "0")
        uncached = check_output(root, capsys)
        monkeypatch.delenv("INTERLOCK_CACHE")
        assert check_output(root, capsys) == uncached
        assert "R601 folders nested more than 3 deep are not published" in uncached[1]
    finally:
        remove_nested(deep, root / "stories")


def remove_nested(deepest: Path, stop: Path) -> None:
    """Remove a chain of nested folders from the bottom (pytest's clean-up of old runs recurses)."""
    for child in deepest.iterdir():
        child.unlink()
    while deepest != stop:
        deepest.rmdir()
        deepest = deepest.parent
