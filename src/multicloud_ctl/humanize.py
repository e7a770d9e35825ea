"""The one place tables and messages format durations, byte counts and ages for people.

JSON keeps exact numbers in the unit its key names (`duration_ms`, `bytes`, `age_s`); this module is only for
what a person reads: `775 ms`, `7.1 ms`, `2 min 27 s`, `3 h 12 min ago`, `114.8 MiB`. Standard library only
(it is imported by table renderers on the fast paths).
"""

from __future__ import annotations

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def duration(seconds: float | None) -> str:
    """`seconds` for a person: 3 significant digits below a minute, then two units (2 min 27 s, 3 h 12 min)."""
    if seconds is None:
        return "-"
    if seconds < 0:
        return "-" + duration(-seconds)
    if seconds < 1:
        ms = seconds * 1000
        return f"{ms:.2g} ms" if ms < 1 else f"{ms:.3g} ms" if ms < 100 else f"{ms:.0f} ms"
    if seconds < 60:
        return f"{seconds:.3g} s" if seconds < 10 else f"{seconds:.1f} s".replace(".0 s", " s")
    whole = round(seconds)
    for big, big_name, small, small_name in ((86400, "d", 3600, "h"), (3600, "h", 60, "min"), (60, "min", 1, "s")):
        if whole >= big:
            first, rest = divmod(whole, big)
            second = rest // small
            return f"{first} {big_name}" + (f" {second} {small_name}" if second else "")
    return f"{whole} s"  # pragma: no cover (59.5 s rounds to 60 and is handled above)


def millis(ms: float | None) -> str:
    """A duration given in milliseconds (the unit spans, metrics and probes carry)."""
    return duration(None if ms is None else ms / 1000)


def ago(seconds: float | None) -> str:
    """How long ago: `3 h 12 min ago`, `just now` under a second."""
    if seconds is None:
        return "never"
    return "just now" if 0 <= seconds < 1 else f"{duration(seconds)} ago"


def size(nbytes: int | float | None) -> str:
    """A byte count in binary units: `512 B`, `1.5 KiB`, `114.8 MiB`."""
    if nbytes is None:
        return "-"
    value = float(nbytes)
    for unit in _UNITS:
        if abs(value) < 1024 or unit == _UNITS[-1]:
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} {_UNITS[-1]}"  # pragma: no cover
