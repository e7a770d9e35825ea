"""Safe YAML loading that remembers where every value came from, and `${VAR}` expansion.

`load_yaml(path)` returns the plain data plus a `LineMap` from field paths to line numbers, so a validation
error can say `playbooks/backup-daily.yaml:14 spec.retention.keep_daily: must be >= 0`.

Every file is untrusted input, refused in one line (a `ConfigError`, never a crash or a hang) when it is:
not a regular file; larger than `MAX_YAML_BYTES` (checked before reading); not UTF-8 text or holding NUL or
control characters; nested deeper than `MAX_YAML_DEPTH`; more than `MAX_YAML_VALUES` values once aliases are
expanded (a "billion laughs" document is refused in milliseconds); holding a recursive alias; or using a
sequence or mapping as a key.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from multicloud_ctl.errors import ConfigError

MAX_YAML_BYTES = 1024 * 1024  # playbooks and environment files are hand-written: 1 MiB is far beyond any
MAX_YAML_DEPTH = 64  # nesting levels of sequences and mappings
MAX_YAML_VALUES = 100_000  # values after expanding aliases

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")

# What YAML 1.1 does not allow in a stream (PyYAML's reader refuses the same set, without a line number).
_NON_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

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

    text = _read_text(path)
    _refuse_control_characters(text, path)
    loader = _loader_class()(text)
    loader.path = path
    try:
        node = loader.get_single_node()
        if node is None:
            raise ConfigError(f"{path}:1: the file is empty", hint="a playbook or environment file is a YAML mapping")
        lines = LineMap()
        data = _Builder(loader, path, lines, expand_env).construct(node, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        raise ConfigError(
            f"{path}{line}: malformed YAML: {exc.problem or exc.context}",
            hint="check indentation and quoting at that line",
        ) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(
            f"{path}: malformed YAML: {_one_line(str(exc))}", hint="check the file is a YAML document"
        ) from exc
    except RecursionError as exc:  # a backstop: the depth limit is far below the interpreter's
        raise ConfigError(f"{path}: nested too deeply", hint=f"playbooks nest at most {MAX_YAML_DEPTH} levels") from exc
    finally:
        loader.dispose()
    return data, lines


def _read_text(path: Path) -> str:
    """The file's text: a regular file of at most `MAX_YAML_BYTES` bytes of UTF-8 without NUL."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ConfigError(f"{path}: is a directory, not a YAML file", hint="give the path of a .yaml file")
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{path}: not a regular file", hint="give the path of a .yaml file")
        if info.st_size > MAX_YAML_BYTES:
            raise ConfigError(
                f"{path}: {info.st_size:,} bytes is larger than the {MAX_YAML_BYTES // 1024 // 1024} MiB limit"
                " for playbooks and environment files",
                hint="split the file, or check that this is the file you meant",
            )
        with path.open("rb") as handle:
            data = handle.read(MAX_YAML_BYTES + 1)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such file", hint="check the path, or --config-dir / --env") from exc
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read: {exc.strerror or exc}", hint="check the path and its permissions"
        ) from exc
    if len(data) > MAX_YAML_BYTES:  # grew after stat
        raise ConfigError(
            f"{path}: larger than the {MAX_YAML_BYTES // 1024 // 1024} MiB limit for playbooks and environment files",
            hint="split the file, or check that this is the file you meant",
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        raise ConfigError(
            f"{path}: binary file (a NUL byte at offset {nul}), not YAML text",
            hint="give the path of a YAML text file",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            hint="save the file as UTF-8, or check that it is the YAML file you meant",
        ) from exc


def _refuse_control_characters(text: str, path: Path) -> None:
    """Refuse the control characters YAML forbids, naming the line (PyYAML's reader names only an offset)."""
    match = _NON_PRINTABLE.search(text)
    if match is None:
        return
    line = text.count("\n", 0, match.start()) + 1
    raise ConfigError(
        f"{path}:{line}: control character U+{ord(match.group()):04X} is not allowed in YAML",
        hint='remove it, or write it as an escape in a double-quoted string (e.g. "\\x07")',
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _loader_class() -> Any:
    """A SafeLoader that refuses nesting deeper than `MAX_YAML_DEPTH` while composing (PyYAML recurses)."""
    import yaml

    class DepthLimitedLoader(yaml.SafeLoader):
        depth = 0
        path = Path("<yaml>")

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.depth >= MAX_YAML_DEPTH and not self.check_event(yaml.ScalarEvent, yaml.AliasEvent):
                mark = self.peek_event().start_mark
                raise ConfigError(
                    f"{self.path}:{mark.line + 1}: nested more than {MAX_YAML_DEPTH} levels deep",
                    hint="flatten the structure; playbooks need only a few levels",
                )
            self.depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    return DepthLimitedLoader


class _Builder:
    """Builds plain data from composed nodes, refusing alias bombs, recursive aliases and collection keys."""

    def __init__(self, loader: Any, path: Path, lines: LineMap, expand: bool) -> None:
        self.loader = loader
        self.path = path
        self.lines = lines
        self.expand = expand
        self.values = 0
        self.open: set[int] = set()  # ids of the collection nodes being built (an alias to one is a cycle)

    def construct(self, node: Any, loc: Loc) -> Any:
        import yaml

        self.values += 1
        if self.values > MAX_YAML_VALUES:
            raise ConfigError(
                f"{self.path}:{node.start_mark.line + 1}: more than {MAX_YAML_VALUES:,} values once aliases are"
                " expanded",
                hint="aliases (*name) that repeat large blocks expand too much; write the values out",
            )
        self.lines.lines[loc] = node.start_mark.line + 1
        if isinstance(node, yaml.ScalarNode):
            value = self.loader.construct_object(node, deep=True)
            if self.expand and isinstance(value, str) and "${" in value:
                value = _expand(value, self.path, node.start_mark.line + 1, loc)
            return value
        if id(node) in self.open:
            raise ConfigError(
                f"{self.path}:{node.start_mark.line + 1} {format_loc(loc)}: recursive alias"
                " (the value contains itself)",
                hint="an alias (*name) may not point at a block that contains it",
            )
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, loc)
            return [self.construct(item, (*loc, i)) for i, item in enumerate(node.value)]
        finally:
            self.open.discard(id(node))

    def _mapping(self, node: Any, loc: Loc) -> dict[Any, Any]:
        import yaml

        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                kind = "sequence" if isinstance(key_node, yaml.SequenceNode) else "mapping"
                raise ConfigError(
                    f"{self.path}:{line} {format_loc(loc)}: a {kind} cannot be a key",
                    hint="keys are plain names; quote the key if it is meant as text",
                )
            key = self.loader.construct_object(key_node, deep=True)  # a scalar: hashable
            if key in out:
                raise ConfigError(
                    f"{self.path}:{line} {format_loc((*loc, key))}: duplicate key",
                    hint="each key may appear once in a mapping",
                )
            self.lines.lines[(*loc, key)] = line
            out[key] = self.construct(value_node, (*loc, key))
            self.lines.lines[(*loc, key)] = line
        return out


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
