"""CI's check of what `python -m build` made: nothing the package needs at run time or to be built is left out.

    python .ci/dist.py DIST_DIR

The wheel must hold every file git tracks under plugins/interlock/ (modules, templates, assets, theme,
schemas, py.typed) and both plugin entry points; the sdist must hold those files too, and what a build
from it reads (pyproject.toml, README.md). Prints every problem, then exits 1 if there was one.
"""

from __future__ import annotations

import configparser
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

PACKAGE = "plugins/interlock"
BUILD_INPUTS = ("pyproject.toml", "README.md")
ENTRY_POINT_GROUPS = ("mkdocs.plugins", "properdocs.plugins")


def tracked_package_files(repo: Path) -> list[str]:
    """Return the package's files as git has them, relative to plugins/."""
    listed = subprocess.run(["git", "ls-files", PACKAGE], cwd=repo, capture_output=True, text=True, check=True).stdout.split()
    return [path.removeprefix("plugins/") for path in listed]


def iter_wheel_problems(wheel: Path, package: list[str]) -> Iterator[str]:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for path in package:
            if path not in names:
                yield f"{wheel.name}: {path} is missing (a package-data pattern in pyproject.toml does not match it)"
        entry_points = next((name for name in names if name.endswith(".dist-info/entry_points.txt")), None)
        parser = configparser.ConfigParser()
        if entry_points is not None:
            parser.read_string(archive.read(entry_points).decode("utf-8"))
        for group in ENTRY_POINT_GROUPS:
            if not parser.has_option(group, "interlock"):
                yield f"{wheel.name}: no `interlock` entry point in [{group}]"


def iter_sdist_problems(sdist: Path, package: list[str]) -> Iterator[str]:
    with tarfile.open(sdist) as archive:
        # Every member is under one top folder, interlock-VERSION/.
        names = {name.partition("/")[2] for name in archive.getnames()}
    for path in [*BUILD_INPUTS, *(f"plugins/{p}" for p in package)]:
        if path not in names:
            yield f"{sdist.name}: {path} is missing"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    dist = Path(argv[0])
    wheels, sdists = sorted(dist.glob("*.whl")), sorted(dist.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        print(f"{dist}: expected one wheel and one sdist, found {[p.name for p in [*wheels, *sdists]]}")
        return 1
    package = tracked_package_files(Path(__file__).resolve().parent.parent)
    problems = [*iter_wheel_problems(wheels[0], package), *iter_sdist_problems(sdists[0], package)]
    for problem in problems:
        print(problem)
    print(f"dist: {len(package)} package files looked for in {wheels[0].name} and {sdists[0].name}, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
