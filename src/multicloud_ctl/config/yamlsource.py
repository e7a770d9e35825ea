"""Safe YAML loading that remembers where every value came from, and `${VAR}` expansion.

`load_yaml(path)` returns the plain data plus a `LineMap` from field paths to line numbers, so a validation
error can say `playbooks/backup-daily.yaml:14 spec.retention.keep_daily: must be >= 0`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from multicloud_ctl.errors import ConfigError

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")

Loc = tuple[str | int, ...]


@dataclass
class LineMap:
    """Field path -> 1-based line of the YAML node it came from."""

    lines: dict[Loc, int] = field(default_factory=dict)

    def line_for(self, loc: Loc) -> int | None:
        """The line of the deepest known prefix of `loc`."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return None


def format_loc(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def load_yaml(path: Path, *, expand_env: bool = True) -> tuple[Any, LineMap]:
    """Parse one YAML document safely; expand `${VAR}` / `${VAR:-default}` in strings."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such file", hint="check the path, or --config-dir / --env") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ConfigError(f"{path}:1: the file is empty")
        lines = LineMap()
        data = _construct(loader, node, (), lines, path, expand_env)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        raise ConfigError(
            f"{path}{line}: malformed YAML: {exc.problem or exc.context}",
            hint="check indentation and quoting at that line",
        ) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: malformed YAML: {exc}") from exc
    finally:
        loader.dispose()
    return data, lines


def _construct(loader: Any, node: Any, loc: Loc, lines: LineMap, path: Path, expand: bool) -> Any:
    import yaml

    lines.lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in out:
                raise ConfigError(f"{path}:{key_node.start_mark.line + 1} {format_loc((*loc, key))}: duplicate key")
            lines.lines[(*loc, key)] = key_node.start_mark.line + 1
            out[key] = _construct(loader, value_node, (*loc, key), lines, path, expand)
            lines.lines[(*loc, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(loader, item, (*loc, i), lines, path, expand) for i, item in enumerate(node.value)]
    value = loader.construct_object(node, deep=True)
    if expand and isinstance(value, str) and "${" in value:
        value = _expand(value, path, node.start_mark.line + 1, loc)
    return value


def _expand(value: str, path: Path, line: int, loc: Loc) -> str:
    def repl(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in os.environ:
            return os.environ[name]
        if default is not None:
            return default
        raise ConfigError(
            f"{path}:{line} {format_loc(loc)}: environment variable {name} is not set",
            hint=f"export {name}=... or give a default with ${{{name}:-value}}",
        )

    return _VAR.sub(repl, value)
