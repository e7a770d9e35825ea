"""Spec of the Health playbook kind: endpoint checks (Gatus-style conditions) and built-in data-plane checks.

An endpoint names where to probe in one of three ways: `url` (literal), `endpoint` (one of the environment's
effective endpoints: edge, functions_aws, functions_azure, cloudflare, arm, aws) or `pool` (every origin of
that Cloudflare pool in the environment, so the same playbook works in the sandbox and in the cloud).
Conditions are parsed at load time so a typo fails `playbook validate`, not the 3 a.m. run.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from multicloud_ctl.config.specs.base import Spec

Severity = Literal["warning", "critical"]
EndpointName = Literal["edge", "functions_aws", "functions_azure", "cloudflare", "arm", "aws"]


def check_conditions(values: list[str]) -> list[str]:
    from multicloud_ctl.operations.health.conditions import ConditionError, parse_condition

    for text in values:
        try:
            parse_condition(text)
        except ConditionError as exc:
            raise ValueError(str(exc)) from None
    return values


class EndpointCheck(Spec):
    """One HTTP endpoint probed with conditions."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,62}$")
    url: str | None = None
    endpoint: EndpointName | None = None
    pool: str | None = None
    path: str = "/health"
    method: Literal["GET", "HEAD", "POST"] = "GET"
    headers: dict[str, str] = {}
    timeout_seconds: float = Field(default=5.0, gt=0, le=120)
    conditions: list[str] = ["[STATUS] == 200"]
    warn_conditions: list[str] = Field(default=[], description="failing one gives a warning, not critical")
    severity: Severity = "critical"

    _conds = field_validator("conditions", "warn_conditions")(check_conditions)

    @model_validator(mode="after")
    def _one_target(self) -> EndpointCheck:
        given = [x for x in (self.url, self.endpoint, self.pool) if x]
        if len(given) != 1:
            raise ValueError("give exactly one of url, endpoint or pool")
        if self.url and not self.url.startswith(("http://", "https://")):
            raise ValueError("url must start with http:// or https://")
        return self


class Thresholds(Spec):
    """Warn/critical thresholds of a numeric data-plane figure (higher is worse)."""

    warn: float | None = Field(default=None, ge=0)
    critical: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.warn is not None and self.critical is not None and self.warn > self.critical:
            raise ValueError("warn must be <= critical")
        return self


class DataCheck(Spec):
    """A built-in data-plane check (kinds from a closed registry in operations/health/checks.py)."""

    kind: Literal["sync_lag", "backup_age", "dead_letter", "dynamodb", "sql", "cloudflare_pools"]
    name: str | None = None
    thresholds: Thresholds = Thresholds()
    timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    backup: Literal["daily", "weekly"] = Field(default="daily", description="backup_age: which backup")
    queues: list[str] | None = Field(default=None, description="dead_letter: DLQ names [default <queue>-dlq]")
    tables: list[str] | None = Field(default=None, description="dynamodb: tables [default: the env's tables]")
    streams: list[str] | None = Field(default=None, description="dynamodb: tables that must have a stream")

    @property
    def label(self) -> str:
        return self.name or self.kind.replace("_", "-")


class WatchSpec(Spec):
    """Watch mode: how many consecutive results flip a check's reported state (no flapping)."""

    failure_threshold: int = Field(default=3, ge=1, le=100)
    success_threshold: int = Field(default=2, ge=1, le=100)


class HealthSpec(Spec):
    """What `mcctl health` checks."""

    endpoints: list[EndpointCheck] = []
    checks: list[DataCheck] = []
    watch: WatchSpec = WatchSpec()
    max_workers: int | None = Field(
        default=None,
        ge=1,
        le=4096,
        description="checks run at once: endpoint probes on the event loop and the other checks on threads, "
        "each at most this many [default: every check; threads up to 2,048]",
    )
    round_deadline_seconds: float | None = Field(
        default=None,
        gt=0,
        le=3600,
        description="a round ends by then, checks still running are reported timed out "
        "[default: the slowest check's timeout; in watch mode the interval]",
    )

    @model_validator(mode="after")
    def _unique(self) -> HealthSpec:
        names = [e.name for e in self.endpoints] + [c.label for c in self.checks]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate check names: {', '.join(dupes)}")
        return self
