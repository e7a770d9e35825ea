"""The audit's vocabulary: a check registry, findings and the report.

Each check is a function `check(ctx) -> list[Finding]` registered under a stable id with `@check(...)`; it
reads live settings with read-only calls only. A check that cannot see its resource (not provisioned) says
so with `ctx.skip(reason)` instead of inventing a finding. Checks never raise for a bad setting: a bad
setting is a finding; a provider error becomes an `error` result (the audit is then incomplete, exit 1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from multicloud_ctl.engine.runtime import Runtime

Severity = Literal["high", "medium", "low"]


@dataclass(frozen=True)
class Finding:
    """One bad setting on one resource, with the fix."""

    check: str
    severity: Severity
    resource: str
    message: str
    hint: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CheckContext:
    """What a check gets: the runtime (read-only use), extra scan roots, and a place to note skips."""

    runtime: Runtime
    check_id: str = ""
    scan_paths: tuple[Path, ...] = ()
    skipped: list[str] = field(default_factory=list)
    inspected: int = 0

    def finding(self, severity: Severity, resource: str, message: str, hint: str = "") -> Finding:
        return Finding(self.check_id, severity, resource, message, hint)

    def saw(self, count: int = 1) -> None:
        """Count resources actually inspected (a check that inspected none is `skipped`, not `pass`)."""
        self.inspected += count

    def skip(self, reason: str) -> None:
        self.skipped.append(reason)

    @property
    def now(self) -> datetime:
        return self.runtime.clock()


CheckFn = Callable[[CheckContext], list[Finding]]


@dataclass(frozen=True)
class Check:
    id: str
    cloud: str
    title: str
    fn: CheckFn


CHECKS: dict[str, Check] = {}


def check(check_id: str, cloud: str, title: str) -> Callable[[CheckFn], CheckFn]:
    """Register an audit check (ids are stable: CI filters on them)."""

    def register(fn: CheckFn) -> CheckFn:
        existing = CHECKS.get(check_id)
        if existing is not None and existing.fn is not fn:
            raise ValueError(f"audit check {check_id!r} registered twice")
        CHECKS[check_id] = Check(check_id, cloud, title, fn)
        return fn

    return register


@dataclass
class CheckResult:
    id: str
    cloud: str
    title: str
    status: str  # pass | fail | skipped | error
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "cloud": self.cloud,
            "title": self.title,
            "status": self.status,
            "findings": [f.to_dict() for f in self.findings],
            "notes": self.notes,
            "error": self.error,
        }


@dataclass
class AuditReport:
    environment: str
    generated_at: str
    results: list[CheckResult]

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings]

    @property
    def errors(self) -> list[CheckResult]:
        return [r for r in self.results if r.status == "error"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "generated_at": self.generated_at,
            "summary": {
                "checks": len(self.results),
                "failed": sum(r.status == "fail" for r in self.results),
                "errors": len(self.errors),
                "skipped": sum(r.status == "skipped" for r in self.results),
                "findings": len(self.findings),
            },
            "results": [r.to_dict() for r in self.results],
        }
