"""The site configuration's interlock options -> validated Settings, every problem listed at once.
The configuration on the default branch is trusted, a branch's own is not: input folders must stay
inside the site's folder."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

from ..model import DEFAULT_MAX_KB, Criterion, Settings
from ..urls import release_slug
from ..yamldoc import describe_value
from .suggest import suggest

# Release names whose URL would take the place of a generated listing.
_RESERVED_RELEASE_SLUGS = {"index", "projects"}


class SettingsError(Exception):
    """The site configuration is unusable; `problems` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def inside(root: Path, value: str) -> Path | None:
    """Return root/value when it stays inside `root` (also after following links), else None."""
    if not value or Path(value).is_absolute() or value.startswith(("~", "\\")) or "\0" in value or len(value) > 1024:
        return None
    if any(len(part.encode("utf-8", "surrogateescape")) > 255 for part in Path(value).parts):
        return None  # no file system takes a name that long
    joined = Path(os.path.normpath(root / value))
    base = Path(os.path.normpath(root))
    if joined != base and base not in joined.parents:
        return None
    try:
        if joined.exists() and not joined.resolve().is_relative_to(base.resolve()):
            return None
    except (OSError, RuntimeError):
        return None
    return joined


def load_settings(options: dict[str, Any], root: Path, *, folders_must_exist: bool = True) -> Settings:
    """Return validated Settings from the plugin options, or raise SettingsError listing every problem."""
    problems: list[str] = []

    def strings(key: str) -> list[str]:
        value = options.get(key) or []
        if not isinstance(value, list):
            problems.append(f"'{key}' must be a list of names")
            return []
        result = []
        for item in value:
            if isinstance(item, str) and item:
                result.append(item)
            else:
                shown = repr(item)[:60]
                problems.append(f"'{key}': {shown} is {describe_value(item)[:80]}; put it in quotes: \"{shown}\"")
        counts = Counter(result)
        for dup in sorted(v for v, n in counts.items() if n > 1)[:10]:
            problems.append(f"'{key}': '{dup}' is listed twice")
        return result

    releases = strings("releases")
    slugs: dict[str, str] = {}
    for release in releases:
        slug = release_slug(release)
        if slug in _RESERVED_RELEASE_SLUGS:
            problems.append(f"'releases': '{release}' would take the address of a generated page; rename it")
        elif slug in slugs and slugs[slug] != release:
            problems.append(f"'releases': '{release}' and '{slugs[slug]}' would share the address releases/{slug}/; rename one")
        slugs.setdefault(slug, release)
    personas = strings("personas")
    current = options.get("current_release")
    if current is not None and not isinstance(current, str):
        problems.append(f"'current_release': {current!r} is {describe_value(current)}; put it in quotes: \"{current}\"")
        current = None
    if current is None and releases:
        current = releases[-1]
    elif current is not None and current not in releases:
        problems.append(f"'current_release': '{current}' is not in 'releases'{suggest(current, releases)}")
    criteria = _criteria(options.get("criteria"), problems)
    dirs: dict[str, Path] = {}
    for key, default in (("stories_dir", "stories"), ("priorities_dir", "priorities")):
        value = options.get(key) or default
        if not isinstance(value, str):
            problems.append(f"'{key}' must be a folder name")
            value = default
        folder = inside(root, value)
        if folder is None:
            problems.append(f"'{key}': '{value}' is outside the site's folder; input folders must be inside it")
            folder = root / default
        elif folder.exists() and not folder.is_dir():
            problems.append(f"'{key}': '{value}' is a file, not a folder")
        elif folders_must_exist and not folder.is_dir():
            problems.append(f"'{key}': the folder '{value}' does not exist; create it or fix the name")
        dirs[key] = folder
    weighing_dir = None
    weighing = options.get("weighing_dir")
    if weighing is not None and not isinstance(weighing, str):
        problems.append("'weighing_dir' must be a folder name")
    else:
        folder = inside(root, weighing or "weighing")
        if folder is None:
            problems.append(f"'weighing_dir': '{weighing}' is outside the site's folder; input folders must be inside it")
        elif folder.is_dir():
            weighing_dir = folder
        elif weighing is not None and folders_must_exist:
            problems.append(f"'weighing_dir': the folder '{weighing}' does not exist; create it or fix the name")
    stale_days = options.get("stale_days", 90)
    if not isinstance(stale_days, int) or isinstance(stale_days, bool) or stale_days < 1:
        problems.append(f"'stale_days' must be a whole number of days, not {stale_days!r}")
        stale_days = 90
    max_kb = options.get("attachment_max_kb", DEFAULT_MAX_KB)
    if not isinstance(max_kb, int) or isinstance(max_kb, bool) or not 1 <= max_kb <= 100 * 1024:
        problems.append(f"'attachment_max_kb' must be a whole number of kilobytes from 1 to 102400, not {max_kb!r}")
        max_kb = DEFAULT_MAX_KB
    packet_releases = strings("packet_releases")
    for release in packet_releases:
        if release not in releases:
            problems.append(f"'packet_releases': '{release}' is not in 'releases'{suggest(release, releases)}")
    templates = options.get("templates_dir")
    templates_dir = None
    if templates is not None:
        templates_dir = inside(root, templates) if isinstance(templates, str) else None
        if templates_dir is None:
            problems.append("'templates_dir' must be a folder inside the site's folder")
    if problems:
        raise SettingsError(problems)
    return Settings(
        root,
        dirs["stories_dir"],
        dirs["priorities_dir"],
        releases,
        current,
        personas,
        criteria,
        templates_dir,
        weighing_dir,
        stale_days,
        packet_releases,
        max_kb,
    )


_RUBRIC_KEYS = ("weight", "question", "low", "high")


def _criteria(raw: Any, problems: list[str]) -> dict[str, Criterion]:
    """Return the ranking criteria: `name: weight`, or `name: {weight, question, low, high}` (the rubric)."""
    if raw is None or raw == {}:
        return {}  # ranking is off: no ranking page, no weights asked
    if not isinstance(raw, dict):
        problems.append("'criteria' must map each ranking criterion to a weight, e.g. {user_impact: 3}, or be {} to turn ranking off")
        return {}
    criteria: dict[str, Criterion] = {}
    for name, value in raw.items():
        rubric: dict[str, Any] = value if isinstance(value, dict) else {"weight": value}
        unknown = [key for key in rubric if key not in _RUBRIC_KEYS]
        if unknown:
            problems.append(f"'criteria.{name}': unknown key '{unknown[0]}'; a criterion has {', '.join(_RUBRIC_KEYS)}")
        weight = rubric.get("weight")
        if not isinstance(weight, int) or isinstance(weight, bool) or weight <= 0:
            problems.append(f"'criteria.{name}': the weight must be a positive whole number, not {weight!r}")
            continue
        texts = {key: rubric.get(key, "") for key in ("question", "low", "high")}
        bad = [key for key, text in texts.items() if not isinstance(text, str)]
        if bad:
            problems.append(f"'criteria.{name}.{bad[0]}' must be one line of text")
            continue
        criteria[str(name)] = Criterion(str(name), weight, **texts)
    return criteria
