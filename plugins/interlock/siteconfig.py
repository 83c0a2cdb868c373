"""The site configuration (mkdocs.yml) read and written without MkDocs: the plugin's options for the
command line, and a plugin-free copy of the whole configuration for `interlock generate`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

PLUGIN = "interlock"


@dataclass(frozen=True)
class Tagged:
    """A value under a YAML tag MkDocs resolves itself (!ENV, !relative, !!python/name:...), kept as written."""

    tag: str
    value: Any


# libyaml's parser where PyYAML was built with it: the same events, ten times faster (every check reads mkdocs.yml).
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):  # type: ignore[misc,valid-type]
    """A safe loader that keeps every unknown tag as a Tagged value instead of running anything."""


def _tagged(loader: yaml.SafeLoader, suffix: str, node: Node) -> Tagged:
    value: Any
    if isinstance(node, ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return Tagged(node.tag, value)


_Loader.add_multi_constructor("!", _tagged)
_Loader.add_multi_constructor("tag:yaml.org,2002:python/", _tagged)


class _Dumper(yaml.SafeDumper):
    def represent_str(self, data: str) -> Node:  # type: ignore[override]
        # Several lines (not_in_nav, a template) read best as a literal block.
        return self.represent_scalar("tag:yaml.org,2002:str", data, style="|" if "\n" in data.rstrip("\n") else None)


def _represent_tagged(dumper: yaml.SafeDumper, data: Tagged) -> Node:
    if isinstance(data.value, list):
        return dumper.represent_sequence(data.tag, data.value)
    if isinstance(data.value, dict):
        return dumper.represent_mapping(data.tag, data.value)
    return dumper.represent_scalar(data.tag, str(data.value))


_Dumper.add_representer(Tagged, _represent_tagged)
_Dumper.add_representer(str, _Dumper.represent_str)


def read_site_config(config_file: Path) -> dict[str, Any]:
    """Return the whole site configuration, tags kept; raise OSError or ValueError with the file named."""
    try:
        text = config_file.read_text("utf-8")
    except OSError as exc:
        raise OSError(f"{config_file}: cannot read the site configuration: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ValueError(f"{config_file}: not UTF-8 text") from exc
    try:
        # A branch's own mkdocs.yml is untrusted: anchors and aliases can expand it to gigabytes.
        for event in yaml.parse(text, Loader=_SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                line = event.start_mark.line + 1 if event.start_mark else 1
                raise ValueError(
                    f"{config_file}:{line}: anchors and aliases are not allowed in the site configuration; write the values out"
                )
        config = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader subclass
    except yaml.YAMLError as exc:
        raise ValueError(f"{config_file}: not valid YAML: {exc}") from exc
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise ValueError(f"{config_file}: the site configuration must be a mapping of settings")
    return config


def plugin_entries(config: dict[str, Any]) -> list[tuple[str, Any]]:
    """Return the configured plugins as (name, options), whether written as a list or a mapping."""
    plugins = config.get("plugins") or []
    if isinstance(plugins, dict):
        return [(str(name), options) for name, options in plugins.items()]
    entries: list[tuple[str, Any]] = []
    for entry in plugins if isinstance(plugins, list) else []:
        if isinstance(entry, str):
            entries.append((entry, None))
        elif isinstance(entry, dict) and len(entry) == 1:
            ((name, options),) = entry.items()
            entries.append((str(name), options))
    return entries


def read_site_options(config_file: Path) -> tuple[dict[str, Any], Path]:
    """Return the interlock plugin's options from an mkdocs.yml, and the folder paths are relative to."""
    config = read_site_config(config_file)
    for name, options in plugin_entries(config):
        if name == PLUGIN:
            if options is None:
                return {}, config_file.parent
            if not isinstance(options, dict):
                line = _line_of_plugin(config_file.read_text("utf-8"))
                raise ValueError(
                    f"{config_file}:{line}: the '{PLUGIN}' plugin's options must be a mapping (key: value lines), not {options!r}"
                )
            return dict(options), config_file.parent
    raise ValueError(f"{config_file}: no '{PLUGIN}' entry under 'plugins'")


def _line_of_plugin(text: str) -> int:
    """Return the line of the interlock plugin's entry in mkdocs.yml text (1 when it cannot be found)."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:  # pragma: no cover - the text was read once already
        return 1
    if not isinstance(root, MappingNode):
        return 1
    for key, value in root.value:
        if isinstance(key, ScalarNode) and key.value == "plugins":
            entries = value.value if isinstance(value, (SequenceNode, MappingNode)) else []
            for entry in entries:
                pairs = entry.value if isinstance(entry, MappingNode) else [entry] if isinstance(entry, tuple) else []
                for pair in pairs:
                    if isinstance(pair, tuple) and isinstance(pair[0], ScalarNode) and pair[0].value == PLUGIN:
                        return int(pair[1].start_mark.line) + 1
                if isinstance(entry, tuple) and isinstance(entry[0], ScalarNode) and entry[0].value == PLUGIN:
                    return int(entry[1].start_mark.line) + 1
    return 1


def without_plugin(config: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of the configuration with the interlock plugin removed from `plugins`."""
    result = dict(config)
    plugins = config.get("plugins")
    if isinstance(plugins, dict):
        result["plugins"] = {name: options for name, options in plugins.items() if name != PLUGIN}
    elif isinstance(plugins, list):
        result["plugins"] = [
            entry for entry in plugins if entry != PLUGIN and not (isinstance(entry, dict) and PLUGIN in entry and len(entry) == 1)
        ]
    return result


def dump_site_config(config: dict[str, Any]) -> str:
    """Return YAML text of a configuration, tags written back as they were read."""
    return yaml.dump(config, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000)
