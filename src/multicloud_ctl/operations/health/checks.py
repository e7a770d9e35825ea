"""Built-in data-plane checks, a closed registry of kinds: sync lag, backup age, dead letters, tables and
streams, SQL connectivity, Cloudflare pool health.

Each kind is `fn(runtime, spec) -> CheckResult`. The sync and backup figures come from their own verbs'
modules (`operations.sync.sync_lag_seconds`, `operations.backup.last_backup_age_seconds`), imported lazily:
when a module is not installed the check is `skipped` ("check unavailable"), never a crash.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from multicloud_ctl.humanize import ago, duration
from multicloud_ctl.operations.health.endpoints import Check
from multicloud_ctl.operations.health.model import CheckResult, Status, grade, worst

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.health import DataCheck
    from multicloud_ctl.engine.runtime import Runtime

Kind = Callable[["Runtime", "DataCheck"], CheckResult]


def _figure(spec: DataCheck, value: float | None, unit: str, message: str) -> CheckResult:
    t = spec.thresholds
    return CheckResult(
        spec.label,
        spec.kind,
        grade(value, t.warn, t.critical),
        message,
        value=value,
        unit=unit,
        warn=t.warn,
        critical=t.critical,
    )


def sync_lag_figure(runtime: Runtime) -> float | str | None:
    """Seconds of sync lag, None when unknown, or the reason the check is unavailable."""
    try:
        from multicloud_ctl.operations.sync import sync_lag_seconds  # type: ignore[attr-defined]
    except ImportError:
        return "check unavailable: the sync module is not installed"
    value = sync_lag_seconds(runtime)
    return None if value is None else float(value)


def backup_age_figure(runtime: Runtime, kind: str) -> float | str | None:
    """Seconds since the last backup of `kind`, None when there is none, or why the check is unavailable."""
    try:
        from multicloud_ctl.operations.backup import last_backup_age_seconds  # type: ignore[attr-defined]
    except ImportError:
        return "check unavailable: the backup module is not installed"
    value = last_backup_age_seconds(runtime, kind)
    return None if value is None else float(value)


def check_sync_lag(runtime: Runtime, spec: DataCheck) -> CheckResult:
    try:
        from multicloud_ctl.operations.sync import sync_lag_reason  # type: ignore[attr-defined]
    except ImportError:
        return CheckResult(spec.label, spec.kind, Status.SKIPPED, "check unavailable: the sync module is not installed")
    lag, reason = sync_lag_reason(runtime)
    if lag is None:
        return CheckResult(spec.label, spec.kind, Status.UNKNOWN, f"sync lag unknown ({reason})")
    if lag == float("inf"):
        return CheckResult(spec.label, spec.kind, Status.CRITICAL, f"sync lag unbounded: {reason}")
    return _figure(spec, lag, "s", f"sync lag {duration(lag)}")


def check_backup_age(runtime: Runtime, spec: DataCheck) -> CheckResult:
    age = backup_age_figure(runtime, spec.backup)
    if isinstance(age, str):
        return CheckResult(spec.label, spec.kind, Status.SKIPPED, age)
    if age is None:
        return CheckResult(spec.label, spec.kind, Status.CRITICAL, f"no {spec.backup} backup found")
    return _figure(spec, age, "s", f"last {spec.backup} backup {ago(age)}")


def check_dead_letter(runtime: Runtime, spec: DataCheck) -> CheckResult:
    from multicloud_ctl.providers.aws.sqs import SqsQueues

    aws = runtime.environment.aws
    names = spec.queues or [*(f"{q}-dlq" for q in aws.queues.model_dump().values()), aws.cdc_failure_queue]
    sqs = SqsQueues(runtime.aws)
    depths: dict[str, int] = {}
    missing: list[str] = []
    for name in names:
        depth = sqs.depth(name)
        if depth is None:
            missing.append(name)
            continue
        depths[name] = depth.messages
    total = float(sum(depths.values()))
    deepest = ", ".join(f"{n}={d}" for n, d in sorted(depths.items()) if d) or "all empty"
    result = _figure(spec, total, "", f"{int(total)} dead letter(s) ({deepest})")
    result.details = {"depths": depths, "missing": missing}
    if missing:
        result.status = worst([result.status, Status.WARNING])
        result.message += f"; missing queue(s): {', '.join(missing)}"
    return result


def check_dynamodb(runtime: Runtime, spec: DataCheck) -> CheckResult:
    from multicloud_ctl.providers.aws.dynamodb_status import DynamoStatus

    t = runtime.environment.aws.tables
    tables = spec.tables or [t.products, t.users, t.inventory, t.orders]
    streams = set(spec.streams if spec.streams is not None else [])
    ddb = DynamoStatus(runtime.aws)
    problems: list[tuple[Status, str]] = []
    states: dict[str, Any] = {}
    for name in tables:
        table = ddb.table(name)
        if table is None:
            problems.append((Status.CRITICAL, f"{name} missing"))
            states[name] = "MISSING"
            continue
        states[name] = table.status
        if not table.active:
            problems.append((Status.WARNING, f"{name} {table.status}"))
        if name in streams:
            if not table.stream_arn:
                problems.append((Status.CRITICAL, f"{name} has no stream"))
                continue
            stream_status = ddb.stream_status(table.stream_arn)
            states[f"{name}:stream"] = stream_status
            if stream_status != "ENABLED":
                problems.append((Status.CRITICAL, f"{name} stream {stream_status}"))
    status = worst([p[0] for p in problems]) if problems else Status.OK
    message = "; ".join(p[1] for p in problems) or f"{len(tables)} table(s) ACTIVE" + (
        f", {len(streams)} stream(s) ENABLED" if streams else ""
    )
    return CheckResult(spec.label, spec.kind, status, message, details=states)


def check_sql(runtime: Runtime, spec: DataCheck) -> CheckResult:
    from sqlalchemy import create_engine, text

    from multicloud_ctl.config.secrets import is_reference

    raw = runtime.environment.azure.sql.url
    url = runtime.secrets.resolve(raw) if is_reference(raw) else raw
    started = time.monotonic()
    engine = create_engine(url, connect_args={"timeout": spec.timeout_seconds} if url.startswith("sqlite") else {})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1")).scalar_one()
    except Exception as exc:
        return CheckResult(spec.label, spec.kind, Status.CRITICAL, f"SELECT 1 failed: {type(exc).__name__}")
    finally:
        engine.dispose()
    ms = (time.monotonic() - started) * 1000
    res = _figure(spec, ms, "ms", f"SELECT 1 in {ms:.0f} ms ({engine.dialect.name})")
    return res


def check_cloudflare_pools(runtime: Runtime, spec: DataCheck) -> CheckResult:
    from multicloud_ctl.operations.failover.lbstate import read_pool_health

    health = read_pool_health(runtime)
    problems = [
        (
            Status.CRITICAL if not h["enabled"] or not h["healthy"] else Status.OK,
            f"{name} {'disabled' if not h['enabled'] else 'unhealthy' if not h['healthy'] else 'healthy'}",
        )
        for name, h in health.items()
    ]
    bad = [p for p in problems if p[0] is not Status.OK]
    message = ", ".join(p[1] for p in problems) or "no pools"
    status = Status.WARNING if bad and len(bad) < len(problems) else Status.CRITICAL if bad else Status.OK
    return CheckResult(spec.label, spec.kind, status, message, details=health)


KINDS: dict[str, Kind] = {
    "sync_lag": check_sync_lag,
    "backup_age": check_backup_age,
    "dead_letter": check_dead_letter,
    "dynamodb": check_dynamodb,
    "sql": check_sql,
    "cloudflare_pools": check_cloudflare_pools,
}


def data_checks(runtime: Runtime, specs: list[DataCheck]) -> list[Check]:
    """The runnable checks for the playbook's data-plane entries."""
    out = []
    for spec in specs:
        fn = KINDS[spec.kind]
        out.append(Check(spec.label, spec.kind, spec.timeout_seconds, _bind(fn, runtime, spec)))
    return out


def _bind(fn: Kind, runtime: Runtime, spec: DataCheck) -> Callable[[], CheckResult]:
    def run() -> CheckResult:
        return fn(runtime, spec)

    return run
