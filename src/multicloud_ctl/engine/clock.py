"""The one clock and the one source of seeded randomness that every operation reads.

Nothing in mcctl calls `datetime.now()`, `date.today()` or `time.time()` for a date it acts on: it asks a
`Clock` (the runtime carries one; code without a runtime calls `default_clock()`). That makes time an input:

- `MCCTL_NOW=2026-03-01T00:00:00Z` pins the clock's start instant. The clock then advances in real time from
  there (as `faketime` does), so durations, lease expiries and timeouts still behave. A bare date
  (`2026-03-01`) means midnight UTC; a time without an offset is refused (UTC or an explicit offset only).
- `MCCTL_NOW_ANCHOR=<unix seconds>` says at which real instant `MCCTL_NOW` held. Without it each process
  starts at `MCCTL_NOW`; with it, several processes (a test session, a sandbox and the CLI runs it starts)
  share one timeline, so a second run is never "earlier" than the first.
- `MCCTL_SEED=<int>` seeds `seeded_random()` (sampling, jitter, the sandbox's cost data) for replayable runs.

Tests pin a clock with `Clock.pinned(...)` (advancing) or `Clock.frozen(...)` (moves only by `advance`).
Monotonic time (`monotonic()`) is never shifted: it measures durations, not dates.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

ENV_NOW = "MCCTL_NOW"
ENV_ANCHOR = "MCCTL_NOW_ANCHOR"
ENV_SEED = "MCCTL_SEED"


class Clock:
    """UTC wall time (tz-aware) that may be pinned, plus monotonic time. Calling it returns `now()`."""

    __slots__ = ("_anchor", "_frozen", "_offset", "_origin")

    def __init__(self, origin: datetime | None = None, *, anchor: float | None = None, frozen: bool = False) -> None:
        if origin is not None and origin.tzinfo is None:
            raise ValueError("a pinned clock needs a time zone (UTC or an explicit offset)")
        self._origin = origin.astimezone(UTC) if origin is not None else None
        self._anchor = time.time() if anchor is None else anchor
        self._frozen = frozen
        self._offset = 0.0

    # ---- construction -------------------------------------------------------------------------------
    @classmethod
    def system(cls) -> Clock:
        """The wall clock."""
        return cls()

    @classmethod
    def pinned(cls, at: datetime | str, *, anchor: float | None = None) -> Clock:
        """A clock that reads `at` now and advances in real time from here (or from `anchor`)."""
        return cls(parse_instant(at) if isinstance(at, str) else at, anchor=anchor)

    @classmethod
    def frozen(cls, at: datetime | str) -> Clock:
        """A clock that stays at `at` until `advance()` moves it (unit tests)."""
        return cls(parse_instant(at) if isinstance(at, str) else at, frozen=True)

    def shifted(self, **delta: float) -> Clock:
        """A clock that reads this one's now + `timedelta(**delta)` and advances in real time (tests, what-ifs)."""
        return Clock.pinned(self.now() + timedelta(**delta))

    # ---- reading ------------------------------------------------------------------------------------
    @property
    def is_pinned(self) -> bool:
        return self._origin is not None

    def now(self) -> datetime:
        """The current instant, in UTC."""
        if self._origin is None:
            return datetime.now(UTC) + timedelta(seconds=self._offset)
        if self._frozen:
            return self._origin + timedelta(seconds=self._offset)
        return self._origin + timedelta(seconds=time.time() - self._anchor + self._offset)

    def __call__(self) -> datetime:
        return self.now()

    def today(self) -> date:
        """Today's date in UTC."""
        return self.now().date()

    def timestamp(self) -> float:
        """The current instant as Unix seconds (what `time.time()` would say on this clock)."""
        return self.now().timestamp()

    @staticmethod
    def monotonic() -> float:
        """Seconds from an arbitrary start, never shifted: for durations and deadlines."""
        return time.monotonic()

    def advance(self, seconds: float) -> None:
        """Move the clock forward (tests; a frozen clock moves only this way)."""
        self._offset += seconds

    def environ(self) -> dict[str, str]:
        """The variables that give a child process this clock's timeline (empty for the wall clock)."""
        if self._origin is None:
            return {}
        now = self.now()
        return {ENV_NOW: iso(now), ENV_ANCHOR: f"{time.time():.6f}"}

    def __repr__(self) -> str:
        kind = "system" if self._origin is None else ("frozen" if self._frozen else "pinned")
        return f"Clock({kind}, now={iso(self.now())})"


def iso(ts: datetime) -> str:
    """ISO-8601 in UTC with milliseconds and a `Z`: the one shape of a timestamp in journals and JSON output.

    (`--output json` prints every datetime this way, `cli/console.to_jsonable`; a naive datetime, which only
    a library that dropped the zone hands us, is taken as UTC.)
    """
    utc = ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)
    return utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_instant(text: str) -> datetime:
    """`2026-03-01`, `2026-03-01T00:00:00Z` or `...+01:00` -> an aware datetime; ValueError otherwise."""
    value = text.strip()
    if not value:
        raise ValueError("empty instant")
    if len(value) == 10:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone: add Z (UTC) or an offset such as +01:00")
    return parsed.astimezone(UTC)


def clock_from_environ(environ: Mapping[str, str] | None = None) -> Clock:
    """The wall clock, or the clock `MCCTL_NOW` (and `MCCTL_NOW_ANCHOR`) pin. UsageError on a bad value."""
    env = os.environ if environ is None else environ
    raw = env.get(ENV_NOW, "").strip()
    if not raw:
        return Clock.system()
    from multicloud_ctl.errors import UsageError

    try:
        origin = parse_instant(raw)
    except ValueError as exc:
        raise UsageError(
            f"{ENV_NOW}={raw!r} is not an instant: {exc}", hint=f"e.g. {ENV_NOW}=2026-03-01T00:00:00Z"
        ) from None
    anchor_raw = env.get(ENV_ANCHOR, "").strip()
    try:
        anchor = float(anchor_raw) if anchor_raw else None
    except ValueError:
        raise UsageError(
            f"{ENV_ANCHOR}={anchor_raw!r} is not a Unix time", hint=f"unset it, or give seconds since 1970 ({ENV_NOW})"
        ) from None
    return Clock.pinned(origin, anchor=anchor)


_DEFAULT: tuple[tuple[str, str], Clock] | None = None


def default_clock() -> Clock:
    """The process's clock from the environment (one instance per `MCCTL_NOW` setting).

    For code that has no runtime to ask (the sandbox's servers, module-level helpers). Everything with a
    runtime uses `runtime.clock`.
    """
    global _DEFAULT
    key = (os.environ.get(ENV_NOW, ""), os.environ.get(ENV_ANCHOR, ""))
    if _DEFAULT is None or _DEFAULT[0] != key:
        _DEFAULT = (key, clock_from_environ())
    return _DEFAULT[1]


def seeded_random(seed: int | None = None, environ: Mapping[str, str] | None = None) -> random.Random:
    """A `random.Random` seeded by `seed`, else by `MCCTL_SEED`, else by the OS (a fresh sequence)."""
    if seed is None:
        raw = (os.environ if environ is None else environ).get(ENV_SEED, "").strip()
        if raw:
            try:
                seed = int(raw)
            except ValueError:
                from multicloud_ctl.errors import UsageError

                raise UsageError(f"{ENV_SEED}={raw!r} is not an integer") from None
    return random.Random(seed)
