"""Endpoint checks: resolve where to probe (url, environment endpoint, or every origin of a pool) and judge.

A pool named in the playbook expands to one check per origin address from `cloudflare.pools` in the
environment (`http://` on loopback, `https://` elsewhere), so failover preflight and `mcctl health` probe
exactly the origins the load balancer would send traffic to.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from multicloud_ctl.operations.health.conditions import Condition, Observation, parse_condition
from multicloud_ctl.operations.health.model import CheckResult, Status
from multicloud_ctl.operations.health.probe import aprobe, probe

if TYPE_CHECKING:
    from multicloud_ctl.config.environment import Environment
    from multicloud_ctl.config.specs.health import EndpointCheck


@dataclass(frozen=True)
class Check:
    """A runnable check: a name, a timeout, and the function that produces its result.

    `arun`, when a check has it, is the same check as a coroutine: the runner awaits those on one event loop
    instead of giving each a thread (endpoint probes); `run` stays for callers that run one check alone."""

    name: str
    kind: str
    timeout: float
    run: Callable[[], CheckResult]
    arun: Callable[[], Awaitable[CheckResult]] | None = None


def origin_url(address: str, path: str) -> str:
    """`127.0.0.1:7071` + `/health` -> `http://127.0.0.1:7071/health` (https off loopback)."""
    if address.startswith(("http://", "https://")):
        return address.rstrip("/") + path
    host = address.split(":", 1)[0]
    scheme = "http" if host in ("127.0.0.1", "localhost") else "https"
    return f"{scheme}://{address}{path}"


def endpoint_targets(env: Environment, spec: EndpointCheck) -> list[tuple[str, str | None]]:
    """(check name, url or None when this environment has no such endpoint) for one playbook entry."""
    if spec.url:
        extra = spec.path if "path" in spec.model_fields_set else ""
        return [(spec.name, spec.url.rstrip("/") + extra if extra else spec.url)]
    if spec.endpoint:
        base = getattr(env.endpoints(), spec.endpoint)
        return [(spec.name, f"{base.rstrip('/')}{spec.path}" if base else None)]
    if spec.pool not in env.cloudflare.pools:
        from multicloud_ctl.errors import ConfigError

        raise ConfigError(
            f"health check {spec.name!r}: pool {spec.pool!r} is not a pool of the {env.name} environment "
            f"(it has: {', '.join(sorted(env.cloudflare.pools)) or 'none'})",
            hint="fix the check's `pool:` in the health playbook, or add the pool under cloudflare.pools",
        )
    origins = env.cloudflare.pools[spec.pool]
    if not origins:
        return [(spec.name, None)]
    if len(origins) == 1:
        return [(spec.name, origin_url(origins[0], spec.path))]
    return [(f"{spec.name}@{o}", origin_url(o, spec.path)) for o in origins]


def judge(
    name: str,
    url: str,
    conditions: list[Condition],
    warn_conditions: list[Condition],
    *,
    severity: Status = Status.CRITICAL,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
) -> CheckResult:
    """Probe `url` and grade it: a failed condition gives `severity`, a failed warn condition a warning."""
    started = time.monotonic()
    obs, error = probe(url, method=method, headers=headers, timeout=timeout)
    return grade(name, url, obs, error, conditions, warn_conditions, severity, started)


async def ajudge(
    name: str,
    url: str,
    conditions: list[Condition],
    warn_conditions: list[Condition],
    *,
    severity: Status = Status.CRITICAL,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
) -> CheckResult:
    """`judge` on the running event loop (`aprobe`): the same result."""
    started = time.monotonic()
    obs, error = await aprobe(url, method=method, headers=headers, timeout=timeout)
    return grade(name, url, obs, error, conditions, warn_conditions, severity, started)


def grade(
    name: str,
    url: str,
    obs: Observation,
    error: str | None,
    conditions: list[Condition],
    warn_conditions: list[Condition],
    severity: Status,
    started: float,
) -> CheckResult:
    """The result of one probe: a failed condition gives `severity`, a failed warn condition a warning."""
    https = url.startswith("https://")
    failed: list[str] = []
    warned: list[str] = []
    for bucket, conds in ((failed, conditions), (warned, warn_conditions)):
        for cond in conds:
            if cond.needs_tls and not https:
                continue  # certificate conditions only apply to https endpoints
            ok, seen = cond.evaluate(obs)
            if not ok:
                bucket.append(f"{cond.text} ({seen})")
    if failed:
        status, message = severity, "; ".join(failed)
    elif warned:
        status, message = Status.WARNING, "; ".join(warned)
    else:
        status, message = Status.OK, f"HTTP {obs.status} in {obs.response_time_ms:.0f} ms"
    if error:
        message = f"{error}; {message}"
    return CheckResult(
        name=name,
        kind="endpoint",
        status=status,
        message=message,
        value=obs.response_time_ms,
        unit="ms",
        target=url,
        duration_ms=(time.monotonic() - started) * 1000,
        details={"http_status": obs.status},
    )


def endpoint_checks(env: Environment, specs: list[EndpointCheck]) -> list[Check]:
    """The runnable checks for the playbook's endpoints."""
    checks: list[Check] = []
    for spec in specs:
        conds = [parse_condition(c) for c in spec.conditions]
        warns = [parse_condition(c) for c in spec.warn_conditions]
        for name, url in endpoint_targets(env, spec):
            if url is None:
                checks.append(
                    Check(
                        name,
                        "endpoint",
                        spec.timeout_seconds,
                        _skipped(
                            name,
                            f"no {spec.endpoint or 'pool ' + str(spec.pool)} endpoint in this environment",
                        ),
                    )
                )
                continue
            args = (name, url, conds, warns)
            kwargs: dict[str, Any] = {"severity": Status(spec.severity), "method": spec.method}
            kwargs |= {"headers": spec.headers, "timeout": spec.timeout_seconds}
            run, arun = partial(judge, *args, **kwargs), partial(ajudge, *args, **kwargs)
            checks.append(Check(name, "endpoint", spec.timeout_seconds, run, arun))
    return checks


def _skipped(name: str, message: str) -> Callable[[], CheckResult]:
    def run() -> CheckResult:
        return CheckResult(name=name, kind="endpoint", status=Status.SKIPPED, message=message)

    return run
