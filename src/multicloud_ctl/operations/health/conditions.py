"""Gatus-style endpoint conditions, parsed once and evaluated without `eval`.

A condition is `LEFT OP RIGHT` where OP is one of `==`, `!=`, `<=`, `>=`, `<`, `>`. Either side may be a
placeholder or a literal:

    [STATUS]                   the HTTP status code
    [RESPONSE_TIME]            milliseconds from request to complete body
    [BODY]                     the raw body; [BODY].a.b[0].c walks the JSON body
    [CONNECTED]                true when a TCP connection was made
    [CERTIFICATE_EXPIRATION]   time left on the TLS certificate (https only), compared with durations: 48h, 7d
    len(X)                     length of a string/list/object, has(X) true when the path exists,
    pat(*glob*)                glob pattern (with == / !=), any(a, b, c) one of several values

Examples: `[STATUS] == 200`, `[RESPONSE_TIME] < 300`, `[BODY].status == ok`, `[CERTIFICATE_EXPIRATION] > 48h`.

Durations are read in the one grammar of `multicloud_ctl/durations.py` (`500ms`, `1.5s`, `1w12h`). A bare
number beside [RESPONSE_TIME] is milliseconds (Gatus's rule), and so is a duration: `[RESPONSE_TIME] < 500ms`
and `< 0.5s` both mean 500 milliseconds (it was compared as 0.5 before, so such a condition always failed).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any

from multicloud_ctl.durations import seconds

_OPS = ("==", "!=", "<=", ">=", "<", ">")
_SPLIT = re.compile(r"\s(==|!=|<=|>=|<|>)\s")
_PLACEHOLDER = re.compile(r"^\[(STATUS|RESPONSE_TIME|BODY|CONNECTED|CERTIFICATE_EXPIRATION|IP)\](.*)$")
_PATH_PART = re.compile(r"\.([A-Za-z0-9_\-]+)|\[(\d+)\]")
_MISSING = object()


class Duration(float):
    """A duration literal, in seconds; compared with [RESPONSE_TIME] (milliseconds) it is read in milliseconds."""


class ConditionError(ValueError):
    """A condition that cannot be parsed."""


@dataclass(frozen=True)
class Observation:
    """What one probe saw; the input of every condition."""

    status: int | None = None
    response_time_ms: float | None = None
    body: str = ""
    json_body: Any = _MISSING
    connected: bool = False
    certificate_expiration_s: float | None = None
    ip: str | None = None

    def placeholder(self, name: str, path: tuple[str | int, ...]) -> Any:
        if name == "STATUS":
            return self.status
        if name == "RESPONSE_TIME":
            return self.response_time_ms
        if name == "CONNECTED":
            return self.connected
        if name == "CERTIFICATE_EXPIRATION":
            return self.certificate_expiration_s
        if name == "IP":
            return self.ip
        if not path:
            return self.body
        node = self.json_body
        for key in path:
            node = _child(node, key)
        return node


def _child(node: Any, key: str | int) -> Any:
    """One step down a JSON path; the missing marker when it is not there."""
    if isinstance(key, int):
        return node[key] if isinstance(node, list) and key < len(node) else _MISSING
    return node[key] if isinstance(node, dict) and key in node else _MISSING


@dataclass(frozen=True)
class Operand:
    """One side of a condition: a placeholder (with an optional JSON path and function) or a literal."""

    text: str
    placeholder: str | None = None
    path: tuple[str | int, ...] = ()
    function: str | None = None  # len | has
    literal: Any = None
    pattern: str | None = None
    choices: tuple[str, ...] = field(default_factory=tuple)

    def value(self, obs: Observation) -> Any:
        if self.placeholder is None:
            return self.literal
        raw = obs.placeholder(self.placeholder, self.path)
        if self.function == "has":
            return raw is not _MISSING and raw is not None
        if self.function == "len":
            if raw is _MISSING or raw is None:
                return _MISSING
            return len(raw) if isinstance(raw, str | list | dict) else len(str(raw))
        return raw


def _parse_operand(text: str) -> Operand:
    text = text.strip()
    for fn in ("len", "has"):
        if text.startswith(f"{fn}(") and text.endswith(")"):
            inner = _parse_operand(text[len(fn) + 1 : -1])
            if inner.placeholder is None:
                raise ConditionError(f"{fn}() needs a placeholder such as [BODY].items, not {inner.text!r}")
            return Operand(text, inner.placeholder, inner.path, fn)
    if text.startswith("pat(") and text.endswith(")"):
        return Operand(text, pattern=text[4:-1])
    if text.startswith("any(") and text.endswith(")"):
        return Operand(text, choices=tuple(c.strip() for c in text[4:-1].split(",") if c.strip()))
    match = _PLACEHOLDER.match(text)
    if match:
        name, rest = match.group(1), match.group(2)
        path: list[str | int] = []
        pos = 0
        while pos < len(rest):
            part = _PATH_PART.match(rest, pos)
            if not part:
                raise ConditionError(f"bad path {rest!r} after [{name}] (use .key and [index])")
            path.append(part.group(1) if part.group(1) is not None else int(part.group(2)))
            pos = part.end()
        if path and name != "BODY":
            raise ConditionError(f"only [BODY] takes a path, not [{name}]")
        return Operand(text, name, tuple(path))
    if text.startswith("[") and text.endswith("]"):
        raise ConditionError(f"unknown placeholder {text}")
    return Operand(text, literal=_literal(text))


def _literal(text: str) -> Any:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    if text in ("true", "false"):
        return text == "true"
    duration = seconds(text)  # the one duration grammar (multicloud_ctl/durations.py)
    if duration is not None:
        return Duration(duration)
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return str(left).lower() == str(right).lower()
    if isinstance(left, int | float) and isinstance(right, int | float):
        return float(left) == float(right)
    return str(left) == str(right)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


@dataclass(frozen=True)
class Condition:
    """One parsed condition; `evaluate` returns (passed, what was seen)."""

    text: str
    left: Operand
    op: str
    right: Operand

    def evaluate(self, obs: Observation) -> tuple[bool, str]:
        left = self.left.value(obs)
        shown = "missing" if left is _MISSING else repr(left) if isinstance(left, str) else str(left)
        if left is _MISSING or left is None:
            return False, f"{self.left.text} is {shown if left is _MISSING else 'unavailable'}"
        right = self.right
        if right.pattern is not None:
            matched = fnmatch.fnmatchcase(str(left), right.pattern)
            return (matched if self.op == "==" else not matched), f"{self.left.text}={shown}"
        if right.choices:
            hit = any(_equal(left, _literal(c)) for c in right.choices)
            return (hit if self.op == "==" else not hit), f"{self.left.text}={shown}"
        value = right.value(obs)
        if isinstance(value, Duration) and self.left.placeholder == "RESPONSE_TIME":
            value = float(value) * 1000.0  # `[RESPONSE_TIME] < 500ms` means 500 milliseconds, not 0.5
        if self.op in ("==", "!="):
            same = _equal(left, value)
            return (same if self.op == "==" else not same), f"{self.left.text}={shown}"
        a, b = _number(left), _number(value)
        if a is None or b is None:
            return False, f"{self.left.text}={shown} is not a number"
        passed = {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[self.op]
        return passed, f"{self.left.text}={shown}"

    @property
    def needs_tls(self) -> bool:
        return self.left.placeholder == "CERTIFICATE_EXPIRATION"


def parse_condition(text: str) -> Condition:
    """Parse one condition string; raise `ConditionError` with a readable reason."""
    parts = _SPLIT.split(text.strip())
    if len(parts) != 3:
        raise ConditionError(f"{text!r}: expected `LEFT OP RIGHT` with OP one of {' '.join(_OPS)}")
    left, op, right = _parse_operand(parts[0]), parts[1], _parse_operand(parts[2])
    if left.placeholder is None:
        raise ConditionError(f"{text!r}: the left side must be a placeholder such as [STATUS]")
    if (right.pattern is not None or right.choices) and op not in ("==", "!="):
        raise ConditionError(f"{text!r}: pat() and any() only go with == or !=")
    return Condition(text.strip(), left, op, right)


def parse_body(body: bytes, content_type: str = "") -> tuple[str, Any]:
    """The body as text and, when it is JSON, as data (else the missing marker)."""
    import json

    text = body.decode("utf-8", "replace")
    try:
        return text, json.loads(text) if text.strip() else _MISSING
    except ValueError:
        return text, _MISSING
