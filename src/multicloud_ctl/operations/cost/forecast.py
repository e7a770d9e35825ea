"""Our own cost forecast from a daily series, used when the cloud's forecast API is not available.

Method (stated in every output that uses it): *seasonal median*. Each future day is forecast as the median
of the last four observed days with the same weekday (cost follows the work week). The uncertainty comes
from the residuals of that same rule over the history: sigma = 1.4826 x MAD(residuals); a single day's 80 %
band is +/- 1.2816 sigma and a sum over k days widens with sqrt(k) (residuals treated as independent).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

METHOD = (
    "seasonal median (each future day = median of the last 4 same-weekday days; "
    "80% band from the MAD of that rule's residuals)"
)
Z80 = 1.2816
MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class Forecast:
    """A forecast total over some future days, with its 80 % band."""

    total: float
    low: float
    high: float
    days: int
    method: str = METHOD


def _same_weekday(history: Sequence[float], start: date, day: date, n: int = 4) -> list[float]:
    """The last `n` history values that fall on `day`'s weekday (history[i] is start + i days)."""
    out: list[float] = []
    i = len(history) - 1
    while i >= 0 and len(out) < n:
        if (start + timedelta(days=i)).weekday() == day.weekday():
            out.append(history[i])
            i -= 7
        else:
            i -= 1
    return out


def residual_sigma(history: Sequence[float], start: date) -> float:
    """Robust spread of the seasonal-median rule's one-step errors over the history."""
    residuals = []
    for i in range(14, len(history)):
        prior = _same_weekday(history[:i], start, start + timedelta(days=i))
        if len(prior) >= 2:
            residuals.append(history[i] - statistics.median(prior))
    if len(residuals) < 3:
        return 0.0
    center = statistics.median(residuals)
    return MAD_TO_SIGMA * statistics.median(abs(r - center) for r in residuals)


def forecast_days(history: Sequence[float], start: date, future: Sequence[date]) -> Forecast:
    """Forecast the sum over `future` days from `history` (history[i] is the cost on start + i days)."""
    if not future:
        return Forecast(0.0, 0.0, 0.0, 0)
    if not history:
        return Forecast(0.0, 0.0, 0.0, len(future))
    fallback = statistics.median(history[-28:])
    total = 0.0
    for day in future:
        same = _same_weekday(history, start, day)
        total += statistics.median(same) if same else fallback
    spread = Z80 * residual_sigma(history, start) * math.sqrt(len(future))
    return Forecast(total, max(0.0, total - spread), total + spread, len(future))


def month_end(today: date) -> date:
    """The last day of `today`'s month."""
    nxt = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def remaining_days(today: date) -> list[date]:
    """The days after today up to the end of the month."""
    last = month_end(today)
    return [today + timedelta(days=i) for i in range(1, (last - today).days + 1)]
