"""Shift an alias to a new version the way the strategy says, watching the new version while it bakes.

    all-at-once  alias -> new, then bake
    canary10     10% of the alias's traffic to new (weighted routing), bake, then 100%
    linear10     10%, 20%, ... 90%, baking at each step, then 100%

A breach (more `Errors` on the new version than allowed, too high an error rate, or a named alarm in ALARM)
puts the alias back on the previous version and raises `DeployBreach` (exit 1). The new version is judged
alone through the alias's `{FunctionName, Resource=name:alias, ExecutedVersion}` metrics, so errors of the old
version never abort a rollout.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from multicloud_ctl.engine.clock import iso
from multicloud_ctl.errors import OperationFailed
from multicloud_ctl.providers.aws.cloudwatch_alarms import LambdaMetrics
from multicloud_ctl.providers.aws.lambda_ import LambdaClient

LOOKBACK = timedelta(minutes=5)  # CloudWatch buckets by minute and may lag: look back, scoped to the version


class DeployBreach(OperationFailed):
    """The new version breached the error budget during bake; the alias was put back."""


def weights_for(strategy: str) -> list[float]:
    """The canary weights (share of traffic on the new version) before it takes all of it."""
    if strategy == "canary10":
        return [0.1]
    if strategy == "linear10":
        return [round(0.1 * i, 1) for i in range(1, 10)]
    return []


@dataclass(frozen=True)
class BakePolicy:
    seconds: float
    poll_seconds: float
    max_errors: int
    max_error_rate: float
    alarms: tuple[str, ...] = ()

    @classmethod
    def from_params(cls, p: Mapping[str, Any]) -> BakePolicy:
        return cls(
            float(p.get("bake_seconds", 0)),
            float(p.get("poll_seconds", 1)),
            int(p.get("max_errors", 0)),
            float(p.get("max_error_rate", 1.0)),
            tuple(p.get("alarms", ())),
        )


@dataclass
class Shift:
    """One alias shift in progress; `history` records every weight and health reading (for the journal)."""

    lam: LambdaClient
    metrics: LambdaMetrics
    function: str
    alias: str
    clock: Callable[[], datetime]
    sleep: Callable[[float], None] = time.sleep
    history: list[dict[str, Any]] = field(default_factory=list)

    def watch(self, version: str, policy: BakePolicy, weight: float) -> str | None:
        """Bake `version` at `weight`; the reason of a breach, or None when it stayed healthy."""
        started = self.clock()
        deadline = time.monotonic() + policy.seconds
        while True:
            now = self.clock()
            health = self.metrics.version_health(
                self.function, self.alias, version, started - LOOKBACK, now + timedelta(minutes=1)
            )
            firing = self.metrics.alarms_in_alarm(policy.alarms)
            self.history.append(
                {
                    "at": iso(now),
                    "weight": weight,
                    "errors": health.errors,
                    "invocations": health.invocations,
                    "alarms": firing,
                }
            )
            if health.errors > policy.max_errors:
                return f"{health.errors:g} error(s) on version {version} (allowed {policy.max_errors})"
            if health.invocations and health.error_rate > policy.max_error_rate:
                return f"error rate {health.error_rate:.1%} on version {version} (allowed {policy.max_error_rate:.1%})"
            if firing:
                return f"alarm(s) in ALARM: {', '.join(firing)}"
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sleep(min(policy.poll_seconds, left))

    def _route(self, version: str, weights: Mapping[str, float] | None = None) -> None:
        self.lam.route_alias(self.function, self.alias, version, weights)
        self.history.append({"at": iso(self.clock()), "route": version, "weights": dict(weights or {})})

    def run(self, new: str, previous: str | None, strategy: str, policy: BakePolicy) -> dict[str, Any]:
        """Move the alias to `new`; on a breach put it back on `previous` and raise DeployBreach."""
        if previous is None or previous == new:
            if self.lam.get_alias(self.function, self.alias) is None:
                self.lam.create_alias(self.function, self.alias, new)
            else:
                self._route(new)
            return {"function": self.function, "version": new, "previous": previous, "history": self.history}
        for weight in weights_for(strategy):
            self._route(previous, {new: weight})
            self._check(new, previous, policy, weight)
        self._route(new)
        if strategy == "all-at-once":
            self._check(new, previous, policy, 1.0)
        return {
            "function": self.function,
            "version": new,
            "previous": previous,
            "strategy": strategy,
            "history": self.history,
        }

    def _check(self, new: str, previous: str, policy: BakePolicy, weight: float) -> None:
        reason = self.watch(new, policy, weight)
        if reason is None:
            return
        self._route(previous)
        raise DeployBreach(
            f"{self.function}: rolled back to version {previous}: {reason}",
            hint="see the journal for the bake readings; fix the code and deploy again",
        )
