"""The reporting period: `--last 30d` or `--since DATE --until DATE`, in UTC calendar days.

A period is `[start, end)` in whole UTC days (the form both cost APIs take). `--until` is inclusive on the
command line (what people mean by "until the 15th") and becomes the exclusive end here. Today counts as a
day of data (it is partial until midnight UTC). Bad input is one `UsageError` line: unparseable dates,
a reversed range, a range that ends in the future, or more than the APIs' history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from multicloud_ctl.errors import UsageError

MAX_DAYS = 400  # Cost Explorer keeps ~13 months of daily data, Cost Management up to a year per query


@dataclass(frozen=True)
class Period:
    """Whole UTC days `[start, end)`."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]

    def __str__(self) -> str:
        last = self.end - timedelta(days=1)
        return f"{self.start.isoformat()} .. {last.isoformat()} ({self.days} days, UTC)"


def _parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a date", hint="use YYYY-MM-DD (UTC), e.g. 2026-01-31") from None


def parse_last(text: str) -> int:
    """Days in a `--last` value: 30d, 4w, 3mo (30-day months); any duration of whole days (durations.py)."""
    from multicloud_ctl.durations import parse_duration

    delta = parse_duration(text, "--last")
    if delta.seconds or delta.microseconds:
        raise UsageError(
            f"--last {text!r} is not a whole number of days (cost is reported per UTC day; `m` is minutes)",
            hint="e.g. --last 30d, 4w or 3mo (30-day months)",
        )
    return delta.days


def resolve_period(
    *,
    last: str | None = None,
    since: str | None = None,
    until: str | None = None,
    today: date,
    default_days: int = 30,
) -> Period:
    """The period asked for on the command line, validated against `today` (UTC)."""
    if last and (since or until):
        raise UsageError("--last cannot be combined with --since/--until", hint="give one or the other")
    if last:
        days = parse_last(last)
        period = Period(today - timedelta(days=days - 1), today + timedelta(days=1))
    elif since or until:
        start = _parse_date(since, "--since") if since else None
        stop = _parse_date(until, "--until") if until else today
        if start is None:
            start = stop - timedelta(days=default_days - 1)
        if start > today:
            raise UsageError(
                f"the range starts in the future: {start} is after today ({today}, UTC)",
                hint="cost data exists only up to today; `mcctl cost forecast` covers the rest of the month",
            )
        if stop < start:
            raise UsageError(
                f"the range is reversed: --since {start} is after --until {stop}", hint="swap the two dates"
            )
        if stop > today:
            raise UsageError(
                f"the range ends in the future: --until {stop} is after today ({today}, UTC)",
                hint=f"use --until {today} or leave --until out",
            )
        period = Period(start, stop + timedelta(days=1))
    else:
        period = Period(today - timedelta(days=default_days - 1), today + timedelta(days=1))
    if period.days > MAX_DAYS:
        raise UsageError(
            f"the range covers {period.days} days; at most {MAX_DAYS} are available",
            hint="narrow it with --since/--until",
        )
    return period


def month_bounds(day: date) -> tuple[date, date]:
    """First day of `day`'s month and first day of the next month."""
    first = day.replace(day=1)
    return first, date(first.year + (first.month == 12), first.month % 12 + 1, 1)
