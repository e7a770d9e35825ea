"""One grammar for every duration an operator types: `--since`, `--last`, `--watch`-style windows, health conditions.

Before this, four parsers disagreed: `logs --since` took whole numbers of s/m/h/d, health conditions also `ms`
and decimals, `cost --last` d/w and `m` for *months*. Now every one of them reads durations with pytimeparse
(a number and a unit, combinable and spaced as people write them: `90s`, `15m`, `1h30m`, `1.5h`, `2 days`,
`4w`), plus the two units pytimeparse lacks and operators use: `ms` (milliseconds) and `mo` (a 30-day month,
for cost windows). `m` is minutes everywhere, as in Prometheus, Go and Gatus. A duration has a unit: a bare
number or a clock time (`1:30`) is not one (in a health condition it stays a number or a string).
"""

from __future__ import annotations

import re
from datetime import timedelta

from multicloud_ctl.errors import UsageError

_EXTRA = re.compile(r"^(\d+(?:\.\d+)?)\s*(ms|mo|months?)$")
_EXTRA_SECONDS = {"ms": 0.001, "mo": 30 * 86400.0, "month": 30 * 86400.0, "months": 30 * 86400.0}
EXAMPLES = "90s, 15m, 1h30m, 2d, 4w, 3mo or 500ms"


def seconds(text: str) -> float | None:
    """The seconds `text` stands for, or None when it is not a duration (a bare number is not one)."""
    from pytimeparse import parse  # type: ignore[import-untyped]

    cleaned = text.strip().lower()
    extra = _EXTRA.match(cleaned)
    if extra:
        return float(extra.group(1)) * _EXTRA_SECONDS[extra.group(2)]
    if not any(c.isalpha() for c in cleaned):
        return None  # a unit is required: pytimeparse would also read a clock time (`1:30`) as 90 seconds
    value = parse(cleaned)
    return None if value is None else float(value)


def parse_duration(text: str, option: str) -> timedelta:
    """`text` as a positive duration, or one `UsageError` naming `option` with the grammar's examples."""
    value = seconds(text)
    if value is None:
        raise UsageError(f"{option} {text!r} is not a duration", hint=f"a number and a unit, e.g. {EXAMPLES}")
    delta = timedelta(seconds=value)
    if delta <= timedelta(0):
        raise UsageError(f"{option} {text!r} is too short: it must be more than zero", hint=f"e.g. {EXAMPLES}")
    return delta
