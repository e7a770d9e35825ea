"""Cost anomalies: robust statistics on each service's daily series.

For every (provider, service, currency) series of *effective* (amortized) cost - so a reservation bought on
the 1st is not an anomaly - each of the last `evaluate_days` complete days is compared with the
`lookback_days` before it, adjusted for the work week: weekdays and weekend days each get a factor (their
median over the window divided by the window's median); on the de-seasonalized values, expected = median,
sigma = 1.4826 x MAD, both scaled back by the day's weekday factor; robust z = (actual - expected) / sigma.
A day is flagged when |z| exceeds the playbook's sensitivity AND the deviation is at least
`min_daily_delta` (so pennies never page anyone). The expected range printed is median +/- sensitivity sigma.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from multicloud_ctl.config.specs.cost import AnomalyPolicy
from multicloud_ctl.operations.cost.records import CostRecord
from multicloud_ctl.operations.cost.report import PROVIDER_LABEL

MAD_TO_SIGMA = 1.4826
METHOD = "weekday-adjusted median / MAD over the trailing window, on effective (amortized) daily cost"


@dataclass(frozen=True)
class Anomaly:
    """One flagged day of one service."""

    day: date
    provider: str
    service: str
    currency: str
    actual: float
    expected: float
    low: float
    high: float
    z: float

    @property
    def delta(self) -> float:
        return self.actual - self.expected

    @property
    def direction(self) -> str:
        return "spike" if self.actual > self.expected else "drop"


def _series(records: Sequence[CostRecord], start: date, days: int) -> dict[tuple[str, str, str], list[float]]:
    out: dict[tuple[str, str, str], list[float]] = {}
    for r in records:
        i = (r.start - start).days
        if 0 <= i < days:
            key = (PROVIDER_LABEL.get(r.cloud, r.cloud), r.service, r.currency)
            out.setdefault(key, [0.0] * days)[i] += r.effective
    return out


def _weekday_factors(window: Sequence[float], first: date) -> dict[int, float]:
    """Per weekday, the median of its class (Mon-Fri or Sat-Sun) over the window's median.

    Two classes, not seven: with four weeks of data a per-weekday median would absorb the noise and shrink
    the MAD; the work week / weekend split is the pattern cloud bills actually show.
    """
    overall = statistics.median(window)
    classes: dict[bool, list[float]] = {True: [], False: []}
    for k, v in enumerate(window):
        classes[(first + timedelta(days=k)).weekday() >= 5].append(v)
    factor = {}
    for weekend, values in classes.items():
        level = statistics.median(values) if values else 0.0
        factor[weekend] = level / overall if overall > 0 and level > 0 else 1.0
    return {wd: factor[wd >= 5] for wd in range(7)}


def detect_anomalies(
    records: Sequence[CostRecord], *, start: date, today: date, policy: AnomalyPolicy
) -> list[Anomaly]:
    """Flagged days in the last `policy.evaluate_days` complete days before `today`, biggest first."""
    days = (today - start).days  # complete days only: today is still accruing
    found: list[Anomaly] = []
    for (provider, service, currency), series in _series(records, start, days).items():
        for i in range(max(policy.lookback_days, days - policy.evaluate_days), days):
            window = series[i - policy.lookback_days : i]
            if len(window) < 7:
                continue
            first = start + timedelta(days=i - policy.lookback_days)
            factors = _weekday_factors(window, first)
            normal = [v / factors[(first + timedelta(days=k)).weekday()] for k, v in enumerate(window)]
            median = statistics.median(normal)
            sigma = MAD_TO_SIGMA * statistics.median(abs(v - median) for v in normal)
            sigma = max(sigma, 0.01 * abs(median), 1e-9)
            factor = factors[(start + timedelta(days=i)).weekday()]
            expected, sigma = median * factor, sigma * factor
            actual = series[i]
            z = (actual - expected) / sigma
            if abs(z) > policy.sensitivity and abs(actual - expected) >= policy.min_daily_delta:
                span = policy.sensitivity * sigma
                found.append(
                    Anomaly(
                        start + timedelta(days=i),
                        provider,
                        service,
                        currency,
                        actual,
                        expected,
                        max(0.0, expected - span),
                        expected + span,
                        z,
                    )
                )
    found.sort(key=lambda a: (-abs(a.delta), a.day, a.provider, a.service))
    return found


def needed_days(policy: AnomalyPolicy) -> int:
    """How many days of data the detector needs (lookback + evaluation + today)."""
    return policy.lookback_days + policy.evaluate_days + 1
