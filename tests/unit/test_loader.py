from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from interlock.loader import _HEADING, MAX_FILE_BYTES, DocumentCache, iter_body_lines, read_document, split_sections
from interlock.model import Section
from interlock.rules.references import collapsed_start


def read(tmp_path: Path, data: bytes | str, *, front_matter: bool = True):  # type: ignore[no-untyped-def]
    path = tmp_path / ("s.md" if front_matter else "p.yaml")
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return read_document(path, path.name, front_matter=front_matter)


def test_positions_of_keys_and_values_are_exact(tmp_path: Path) -> None:
    doc = read(tmp_path, "---\ntitle: T\nprojects:\n  nova:\n    gap:   wide\n---\nbody\n")
    assert doc.key_marks[("projects", "nova", "gap")] == (5, 5)
    assert doc.value_marks[("projects", "nova", "gap")] == (5, 12)
    assert doc.body == "body\n" and doc.body_line == 7


@pytest.mark.parametrize("prefix", [b"\xef\xbb\xbf", b""])
@pytest.mark.parametrize("newline", [b"\r\n", b"\n", b"\r"])
def test_bom_and_line_endings_keep_line_numbers(tmp_path: Path, prefix: bytes, newline: bytes) -> None:
    text = newline.join([b"---", b"title: T", b"status: [", b"---", b"body"])
    doc = read(tmp_path, prefix + text)
    # At the '[' that is never closed, not past the front-matter.
    assert [(d.code, d.line, d.col) for d in doc.diagnostics] == [("R003", 3, 9)]


def test_unclosed_front_matter(tmp_path: Path) -> None:
    assert [d.code for d in read(tmp_path, "---\ntitle: T\n").diagnostics] == ["R002"]


def test_front_matter_must_be_a_mapping(tmp_path: Path) -> None:
    doc = read(tmp_path, "---\n- a\n- b\n---\n")
    assert [d.code for d in doc.diagnostics] == ["R103"] and doc.data is None


def test_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    doc = read(tmp_path, "---\ntitle: T\n---\n" + "x" * MAX_FILE_BYTES)
    assert [d.code for d in doc.diagnostics] == ["R005"] and doc.data is None


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    doc = read(tmp_path, "a: " + "[" * 60 + "]" * 60 + "\n", front_matter=False)
    assert [d.code for d in doc.diagnostics] == ["R006"]


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    doc = read(tmp_path, "\n".join(lines) + "\n", front_matter=False)
    assert [d.code for d in doc.diagnostics] == ["R006"]


def test_unsupported_tag_is_a_diagnostic(tmp_path: Path) -> None:
    doc = read(tmp_path, "a: !!python/object:os.system x\n", front_matter=False)
    assert [d.code for d in doc.diagnostics] == ["R003"]


def test_headings_inside_code_fences_are_not_sections() -> None:
    sections = split_sections("## One\ntext\n```\n## Not a section\n```\n## Two\n", 10)
    assert [(s.title, s.line) for s in sections] == [("One", 10), ("Two", 15)]


def split_line_by_line(body: str, first_line: int) -> list[Section]:
    """The plain reading split_sections must equal: every line, through iter_body_lines."""
    found: list[tuple[str, int, list[str]]] = []
    for number, line, fenced in iter_body_lines(body, first_line):
        heading = None if fenced else _HEADING.match(line)
        if heading and len(heading.group(1)) == 2:
            found.append((heading.group(2).strip(), number, []))
        elif found:
            found[-1][2].append(line)
    return [Section(title, number, "\n".join(lines)) for title, number, lines in found]


# Lines made of the pieces that matter: fences of both kinds and lengths, headings of every level, blanks.
_PIECES = st.sampled_from(
    ["## ", "# ", "### ", "##", "```", "~~~", "````", "   ```", "    ```", "\t", " ", "#", "x", "Goal ", "\u2028", "\r"]
)
_LINES = st.lists(st.lists(_PIECES, max_size=5).map("".join), max_size=14).map("\n".join)


@settings(max_examples=400, deadline=None)
@given(_LINES, st.booleans(), st.integers(1, 50))
@example("## A\n```\n## B\n~~~\n```\n## C  ##\ntext\n", True, 3)
@example("## A", False, 1)
def test_split_sections_reads_as_line_by_line(body: str, newline: bool, first: int) -> None:
    body += "\n" if newline else ""
    assert split_sections(body, first) == split_line_by_line(body, first)


def test_cache_rereads_only_changed_files(tmp_path: Path) -> None:
    path = tmp_path / "s.md"
    path.write_text("---\ntitle: A\n---\n", "utf-8")
    cache = DocumentCache()
    first = cache.read(path, "s.md", front_matter=True)
    assert cache.read(path, "s.md", front_matter=True) is first
    path.write_text("---\ntitle: Longer\n---\n", "utf-8")
    assert cache.read(path, "s.md", front_matter=True).data == {"title": "Longer"}
    assert cache.reads == 2


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from("ab \n\t\u2028\u3000é"), max_size=3000), st.integers(0, 450))
def test_collapsed_start_is_the_start_of_the_whole_text_collapsed(text: str, size: int) -> None:
    # The near-duplicate rule splits only the start of a long problem statement: it must read the same.
    assert collapsed_start(text, size) == " ".join(text.split())[:size]


def test_a_section_cuts_its_text_when_read() -> None:
    body = "## One\nfirst\n## Two\nsecond\n"
    one, two = split_sections(body, 1)
    assert (one.text, two.text) == ("first", "second\n")
    assert one == Section("One", 1, "first") and one != Section("One", 1, "other")
