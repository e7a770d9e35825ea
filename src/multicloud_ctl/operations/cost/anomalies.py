"""Cost anomalies: robust statistics on each service's daily series.

For every (provider, service, currency) series of *effective* (amortized) cost - so a reservation bought on
the 1st is not an anomaly - each of the last `evaluate_days` complete days is compared with the
`lookback_days` before it: expected = median, sigma = 1.4826 x MAD, robust z = (actual - median) / sigma.
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
METHOD = "median / MAD over the trailing window, on effective (amortized) daily cost"


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
            median = statistics.median(window)
            sigma = MAD_TO_SIGMA * statistics.median(abs(v - median) for v in window)
            sigma = max(sigma, 0.01 * abs(median), 1e-9)
            actual = series[i]
            z = (actual - median) / sigma
            if abs(z) > policy.sensitivity and abs(actual - median) >= policy.min_daily_delta:
                span = policy.sensitivity * sigma
                found.append(
                    Anomaly(
                        start + timedelta(days=i),
                        provider,
                        service,
                        currency,
                        actual,
                        median,
                        max(0.0, median - span),
                        median + span,
                        z,
                    )
                )
    found.sort(key=lambda a: (-abs(a.delta), a.day, a.provider, a.service))
    return found


def needed_days(policy: AnomalyPolicy) -> int:
    """How many days of data the detector needs (lookback + evaluation + today)."""
    return policy.lookback_days + policy.evaluate_days + 1
