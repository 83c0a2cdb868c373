"""`interlock generate`: the whole site source written to a folder as a plain docs tree, with a
configuration that names no plugin of ours, for builders that run no MkDocs plugin (plain MkDocs,
ProperDocs, Zensical). Nothing is written outside that folder."""

from __future__ import annotations

import os
import shutil
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

from .generate import ASSET_DIR, ASSETS, DocsTree
from .rules.settings import inside
from .siteconfig import dump_site_config, read_site_config, without_plugin

MARKER = ".interlock-generated"
DOCS = "docs"
OVERRIDES = "overrides"
# Generated pages are reached from the index pages, never from the nav.
NOT_IN_NAV = ("/stories/", "/projects/", "/releases/", "/print/")


class OutputError(Exception):
    """The output folder cannot be used (it holds something else, or inputs)."""


def check_output(out: Path, root: Path, protected: list[Path]) -> Path:
    """Return the resolved output folder, or raise OutputError when writing there could destroy anything.

    A link anywhere on the way (a committed `build -> /elsewhere`) is refused: the output is where
    the path says, or nowhere."""
    absolute = Path(os.path.normpath(out.absolute()))
    project = Path(os.path.normpath(root.absolute()))
    if absolute.is_relative_to(project):
        for step in (absolute, *absolute.parents):  # every folder from the project down to the output
            if step == project:
                break
            if step.is_symlink():
                raise OutputError(f"{out}: {step.relative_to(project)} is a symbolic link; give a real folder")
    if out.is_symlink():
        raise OutputError(f"{out} is a symbolic link; give a real folder")
    target = out.resolve()
    project = root.resolve()
    if target == project or project.is_relative_to(target):
        raise OutputError(f"{out} holds the project itself; give a folder of its own, e.g. build/site-source")
    for path in (p.resolve() for p in protected):
        if target == path or target.is_relative_to(path) or path.is_relative_to(target):
            raise OutputError(f"{out} would overwrite {path}; give a folder of its own, e.g. build/site-source")
    if target.exists() and (not target.is_dir() or (any(target.iterdir()) and not (target / MARKER).is_file())):
        raise OutputError(f"{out} exists and was not written by `interlock generate`; give an empty or new folder")
    return target


def _files_inside(folder: Path, root: Path) -> list[tuple[str, Path]]:
    """Return (path relative to `folder`, file) for the regular files under `folder`; links are
    followed only when they stay inside `root`, and a folder link is never walked into."""
    found = []
    for current, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = [d for d in dirs if not (Path(current) / d).is_symlink()]
        for name in names:
            path = Path(current) / name
            if path.is_symlink():
                try:
                    if not path.resolve(strict=True).is_relative_to(root.resolve()):
                        continue
                except (OSError, RuntimeError):
                    continue
            if path.is_file():
                found.append((path.relative_to(folder).as_posix(), path))
    return sorted(found)


def write_site_source(tree: DocsTree, config_file: Path, docs_dir: Path, root: Path, out: Path) -> int:
    """Write the hand-written pages, the generated files and a plugin-free mkdocs.yml under `out`.

    Returns the number of files written. `out` must have passed `check_output`; `docs_dir` must lie
    inside `root` (nothing outside the repository is copied)."""
    config = read_site_config(config_file)
    if "INHERIT" in config:
        raise OutputError(f"{config_file}: INHERIT is not supported by `interlock generate`; merge the files first")
    if out.exists():
        shutil.rmtree(out)
    docs = out / DOCS
    docs.mkdir(parents=True)
    (out / MARKER).write_text("Written by `interlock generate`; the whole folder is replaced on the next run.\n", "utf-8")
    written = 0
    for rel, source in _files_inside(docs_dir, root) if docs_dir.is_dir() else []:
        if rel in tree.files:
            raise OutputError(f"{docs_dir / rel} would hide a generated page; rename or remove it")
        target = docs / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith(".md"):
            target.write_text(tree.handwritten_markdown(rel, source.read_text("utf-8")), "utf-8")
        else:
            shutil.copyfile(source, target)
        written += 1
    for generated in tree.files.values():
        path = PurePosixPath(generated.path)
        if path.is_absolute() or ".." in path.parts:  # pragma: no cover - generated paths are made from checked ids
            raise OutputError(f"refusing to write {generated.path}")
        target = docs / path
        target.parent.mkdir(parents=True, exist_ok=True)
        content = generated.content
        if isinstance(content, bytes):  # a story's attachment
            target.write_bytes(content)
            written += 1
            continue
        if generated.page is not None:
            # The theme would link "edit" to this generated file, which is in no repository; the CSS hides it.
            content = content.replace('<div class="rm-page">', '<div class="rm-page rm-page--generated">', 1)
        target.write_text(content, "utf-8")
        written += 1
    written += _write_config(config, config_file, out)
    return written


def _snippets_from_the_tree(config: dict[str, Any]) -> None:
    """Let the hand-written pages' snippets be found from the generated folder too: pymdownx.snippets
    reads `base_path` from the working folder, and the tree holds copies of those pages in docs/."""
    extensions = config.get("markdown_extensions")
    entries = extensions if isinstance(extensions, list) else [extensions] if isinstance(extensions, dict) else []
    for entry in entries:
        options = entry.get("pymdownx.snippets") if isinstance(entry, dict) else None
        if isinstance(options, dict):
            base = options.get("base_path", ["."])
            listed = [base] if isinstance(base, str) else list(base) if isinstance(base, list) else []
            options["base_path"] = [*listed, DOCS] if DOCS not in listed else listed


def _write_config(config: dict[str, Any], config_file: Path, out: Path) -> int:
    result = without_plugin(config)
    result["docs_dir"] = DOCS
    result["site_dir"] = "site"
    for key, suffix in (("extra_css", ".css"), ("extra_javascript", ".js")):
        listed = list(result.get(key) or [])
        listed += [f"{ASSET_DIR}/{name}" for name in ASSETS if name.endswith(suffix) and f"{ASSET_DIR}/{name}" not in listed]
        result[key] = listed
    _snippets_from_the_tree(result)
    existing = result.get("not_in_nav")
    result["not_in_nav"] = "\n".join([*([existing] if isinstance(existing, str) and existing else []), *NOT_IN_NAV]) + "\n"
    written = 0
    theme = result.get("theme")
    if isinstance(theme, dict) and theme.get("name") == "material" or theme == "material":
        theme = dict(theme) if isinstance(theme, dict) else {"name": "material"}
        overrides = out / OVERRIDES
        custom = theme.get("custom_dir")
        custom_dir = inside(config_file.parent, custom) if isinstance(custom, str) else None
        if isinstance(custom, str) and custom_dir is None:
            raise OutputError(f"{config_file}: theme.custom_dir '{custom}' is outside the site's folder")
        if custom_dir is not None and custom_dir.is_dir():
            for rel, source in _files_inside(custom_dir, config_file.parent):
                (overrides / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, overrides / rel)
                written += 1
        # The theme's repository widget without its call to the hosting API, and the feeds in the head;
        # a site's own versions of these files come first.
        for name in ("partials/source.html", "main.html"):
            target = overrides / name
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(resources.files("interlock").joinpath(f"theme/{name}").read_text("utf-8"), "utf-8")
                written += 1
        theme["custom_dir"] = OVERRIDES
        result["theme"] = theme
    (out / "mkdocs.yml").write_text(
        f"# Written by `interlock generate` from {config_file.name}: the same site with no interlock plugin.\n" + dump_site_config(result),
        "utf-8",
    )
    return written + 1
