"""Failover preflight: is the target healthy, is the sync lag within the RPO, is the last backup recent?

Read-only. Each check gives `ok` True/False, or None when the figure cannot be measured here (the sync or
backup module is not installed): unknown passes with a note unless the playbook sets `require_known`.
A refused preflight changes nothing; `--force --reason TEXT` overrides it and the reason is journaled.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import wait
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import PreflightFailed
from multicloud_ctl.operations.health.daemonpool import DaemonPool

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.failover import Preflight
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.lbstate import LbSnapshot


@dataclass
class PreflightCheck:
    name: str
    ok: bool | None
    detail: str
    value: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def target_origins(runtime: Runtime, snapshot: LbSnapshot | None, target: str) -> list[str]:
    """Addresses of the target pool's origins: the live pool's, else the environment's config."""
    if snapshot is not None and target in snapshot.pools:
        return [o["address"] for o in snapshot.pools[target].origins if o.get("enabled", True)]
    return list(runtime.environment.cloudflare.pools.get(target, []))


def check_target(runtime: Runtime, snapshot: LbSnapshot | None, target: str, spec: Preflight) -> PreflightCheck:
    from multicloud_ctl.operations.health.conditions import parse_condition
    from multicloud_ctl.operations.health.endpoints import judge, origin_url
    from multicloud_ctl.operations.health.model import Status

    origins = target_origins(runtime, snapshot, target)
    if not origins:
        return PreflightCheck("target-healthy", False, f"pool {target!r} has no enabled origin")
    conds = [parse_condition(c) for c in spec.health_conditions]
    with DaemonPool(min(len(origins), 16), name="preflight-origin") as pool:
        futures = [
            pool.submit(judge, a, origin_url(a, spec.health_path), conds, [], timeout=spec.timeout_seconds)
            for a in origins
        ]
        results = [f.result() for f in futures]
    bad = [r for r in results if r.status is not Status.OK]
    if bad:
        return PreflightCheck("target-healthy", False, "; ".join(f"{r.name}: {r.message}" for r in bad))
    return PreflightCheck(
        "target-healthy",
        True,
        f"{len(results)} origin(s) of {target} answer " + " and ".join(spec.health_conditions),
    )


def _measure(fn: Any, *args: Any) -> float | str | None:
    """A figure, None, or the reason it cannot be measured (module missing, or its call failed)."""
    from multicloud_ctl.errors import McctlError

    try:
        return fn(*args)  # type: ignore[no-any-return]
    except McctlError as exc:
        return f"cannot measure: {exc.message}"


def check_lag(runtime: Runtime, spec: Preflight) -> PreflightCheck:
    from multicloud_ctl.operations.health.checks import sync_lag_figure

    lag = _measure(sync_lag_figure, runtime)
    if isinstance(lag, str) or lag is None:
        return PreflightCheck("sync-lag", None, lag if isinstance(lag, str) else "sync lag unknown")
    if lag == float("inf"):
        return PreflightCheck(
            "sync-lag",
            False if spec.rpo_seconds is not None else None,
            "sync lag unbounded (never backfilled, or in the cloud a stream mapping missing or stopped, or failed "
            "batches waiting for `mcctl sync replay`: see `mcctl sync status`)",
        )
    if spec.rpo_seconds is None:
        return PreflightCheck("sync-lag", True, f"{lag:.1f}s (no RPO limit)", lag)
    ok = lag <= spec.rpo_seconds
    return PreflightCheck("sync-lag", ok, f"{lag:.1f}s {'<=' if ok else '>'} RPO {spec.rpo_seconds:g}s", lag)


def check_backup(runtime: Runtime, spec: Preflight) -> PreflightCheck:
    from multicloud_ctl.operations.health.checks import backup_age_figure

    if spec.max_backup_age_seconds is None:
        return PreflightCheck("backup-age", True, "not checked (no max_backup_age_seconds)")
    age = _measure(backup_age_figure, runtime, spec.backup_kind)
    if isinstance(age, str):
        return PreflightCheck("backup-age", None, age)
    if age is None:
        return PreflightCheck("backup-age", False, f"no {spec.backup_kind} backup found")
    ok = age <= spec.max_backup_age_seconds
    return PreflightCheck(
        "backup-age",
        ok,
        f"last {spec.backup_kind} backup {age / 3600:.1f}h ago "
        f"({'within' if ok else 'over'} {spec.max_backup_age_seconds / 3600:g}h)",
        age,
    )


def run_preflight(
    runtime: Runtime, snapshot: LbSnapshot | Callable[[], LbSnapshot] | None, target: str, spec: Preflight
) -> list[PreflightCheck]:
    """All preflight checks (concurrently; each guards its own errors).

    `snapshot` may be a callable (a future's result) so the load balancer is read while the figures are
    measured: on a cold process both cost seconds, and the RTO clock is running.
    """
    jobs: list[tuple[str, Any]] = [
        ("sync-lag", lambda: check_lag(runtime, spec)),
        ("backup-age", lambda: check_backup(runtime, spec)),
    ]
    if spec.target_healthy:
        jobs.insert(
            0,
            (
                "target-healthy",
                lambda: check_target(runtime, snapshot() if callable(snapshot) else snapshot, target, spec),
            ),
        )

    def guarded(job: tuple[str, Any]) -> PreflightCheck:
        try:
            return job[1]()  # type: ignore[no-any-return]
        except Exception as exc:
            return PreflightCheck(job[0], False, f"{type(exc).__name__}: {exc}")

    pool = DaemonPool(len(jobs), name="preflight")
    futures = [pool.submit(guarded, job) for job in jobs]
    wait(futures, timeout=max(spec.measure_timeout_seconds, spec.timeout_seconds + 0.5))
    pool.shutdown()
    return [
        f.result() if f.done() else PreflightCheck(job[0], None, "cannot measure: no answer in time")
        for f, job in zip(futures, jobs, strict=True)
    ]


def verdict(checks: list[PreflightCheck], spec: Preflight) -> list[PreflightCheck]:
    """The checks that refuse the failover."""
    return [c for c in checks if c.ok is False or (c.ok is None and spec.require_known)]


def refuse(failed: list[PreflightCheck], target: str) -> PreflightFailed:
    reasons = "; ".join(f"{c.name}: {c.detail}" for c in failed)
    return PreflightFailed(
        f"failover to {target} refused by preflight: {reasons}",
        hint="nothing was changed; fix the cause, or override with --force --reason TEXT",
    )
