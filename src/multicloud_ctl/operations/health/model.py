"""Results of health checks: the status scale, one check's result, and a whole report.

Statuses rank ok < unknown < warning < critical; `skipped` (a check that cannot run here, such as the
sync lag before the sync module is installed) never changes the overall status. Nagios codes: ok 0,
warning 1, critical 2, unknown 3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    OK = "ok"
    WARNING = "warning"
    CRITICAL = "critical"
    UNKNOWN = "unknown"
    SKIPPED = "skipped"

    @property
    def rank(self) -> int:
        return {"skipped": -1, "ok": 0, "unknown": 1, "warning": 2, "critical": 3}[self.value]

    @property
    def nagios(self) -> int:
        return {"ok": 0, "skipped": 0, "warning": 1, "critical": 2, "unknown": 3}[self.value]

    @property
    def failing(self) -> bool:
        return self in (Status.WARNING, Status.CRITICAL, Status.UNKNOWN)


def worst(statuses: list[Status]) -> Status:
    """The overall status of several checks (skipped ones ignored; none at all is ok)."""
    ranked = [s for s in statuses if s is not Status.SKIPPED]
    return max(ranked, key=lambda s: s.rank) if ranked else Status.OK


@dataclass
class CheckResult:
    """One check's verdict, with its figure for perfdata when it has one."""

    name: str
    kind: str
    status: Status
    message: str
    value: float | None = None
    unit: str = ""
    warn: float | None = None
    critical: float | None = None
    target: str = ""
    duration_ms: float = 0.0
    raw_status: Status | None = None  # watch mode: what this round saw before debouncing
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "status": self.status.value,
            "message": self.message,
            "value": self.value,
            "unit": self.unit,
            "warn": self.warn,
            "critical": self.critical,
            "target": self.target,
            "duration_ms": round(self.duration_ms, 1),
        }
        if self.raw_status is not None:
            out["raw_status"] = self.raw_status.value
        if self.details:
            out["details"] = self.details
        return out


def grade(value: float | None, warn: float | None, critical: float | None) -> Status:
    """Higher is worse: above `critical` is critical, above `warn` a warning."""
    if value is None:
        return Status.UNKNOWN
    if critical is not None and value > critical:
        return Status.CRITICAL
    if warn is not None and value > warn:
        return Status.WARNING
    return Status.OK


@dataclass
class HealthReport:
    """Every check of one round, the overall status, and how long the round took."""

    results: list[CheckResult]
    started: str
    elapsed_ms: float

    @property
    def status(self) -> Status:
        return worst([r.status for r in self.results])

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.results:
            out[r.status.value] = out.get(r.status.value, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "started": self.started,
            "elapsed_ms": round(self.elapsed_ms, 1),
            "counts": self.counts(),
            "checks": [r.to_dict() for r in self.results],
        }
