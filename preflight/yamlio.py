"""Safe YAML loading with one-line errors and the line of every key (for findings)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import ConfigError

__all__ = ["load_yaml"]

#: data.yaml and model.yaml are small; anything bigger is not a config file.
MAX_CONFIG_BYTES = 4 * 1024 * 1024


def _key_lines(node: Any, prefix: str, out: dict[str, int], seen: set[int] | None = None) -> None:
    import yaml

    # an alias is the same node object again: visiting each node once keeps a YAML "billion
    # laughs" (aliases of aliases) linear in the file's size instead of exponential
    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = f"{prefix}{key_node.value}" if isinstance(key_node, yaml.ScalarNode) else prefix
            out.setdefault(key, key_node.start_mark.line + 1)
            _key_lines(value_node, key + ".", out, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            key = f"{prefix}{i}"
            out.setdefault(key, item.start_mark.line + 1)
            _key_lines(item, key + ".", out, seen)


def load_yaml(path: Path, what: str) -> tuple[dict[str, Any], dict[str, int]]:
    """Load a YAML mapping safely; return it with {dotted.key: line}.

    Raises ConfigError (one line, naming the file and line) for a missing file, a syntax
    error, a tag such as ``!!python/object`` (refused by the safe loader), or a non-mapping.
    """
    import yaml

    if not path.exists():
        raise ConfigError(f"{path}: {what} not found")
    if path.is_dir():
        raise ConfigError(f"{path}: is a folder, expected a {what} file")
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: {size} bytes is too large for a {what} (limit {MAX_CONFIG_BYTES})")
        with open(path, "rb") as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}{where}: invalid YAML in {what}: {problem}") from None
    except RecursionError:
        raise ConfigError(f"{path}: {what} is nested too deeply") from None
    if data is None:
        raise ConfigError(f"{path}: {what} is empty")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: {what} must be a mapping of keys, got {type(data).__name__}")
    lines: dict[str, int] = {}
    _key_lines(node, "", lines)
    return data, lines
