"""Failover preflight: every check runs, every check is shown, and what could not be measured is said.

Checks (`CHECKS`): `target-healthy` (the target pool's origins answer the health conditions), `sync-lag` (the
DynamoDB -> Azure SQL lag is within the RPO), `backup-age` (the last backup is recent enough). Each ends as

- `pass` / `fail`: measured, within or outside its limit (the measured value is shown beside it);
- `unknown`: could not be measured (a store did not answer in time, a module is missing, a target origin took
  the connection but gave no answer under load). Unknown refuses like a failure unless the operator accepts
  that check with `--accept-unknown CHECK` (journaled with the reason it was unknown);
- `skipped`: not run, because the playbook sets no limit for it, or because `--ungraceful` says the side it
  reads is gone (see `SOURCE_NEEDS`). A skipped check never refuses; the plan and the journal say why.

A refused preflight changes nothing; `--force --reason TEXT` overrides failures and unknowns alike, on record.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from concurrent.futures import wait
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import PreflightFailed
from multicloud_ctl.operations.health.daemonpool import DaemonPool

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.failover import Preflight
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.lbstate import LbSnapshot

CHECKS = ("target-healthy", "sync-lag", "backup-age")

# What each check reads on which cloud: with --ungraceful, a check that needs the failed (source) side is
# skipped instead of waiting for a store that will not answer.
SOURCE_NEEDS: dict[str, dict[str, str]] = {
    "sync-lag": {"aws": "DynamoDB stream positions", "azure": "the Azure SQL checkpoints"},
    "backup-age": {"azure": "the backup manifests in Blob Storage"},
}


@dataclass
class PreflightCheck:
    """One check: `ok` True (pass), False (fail), None (unknown); `skipped` says why it did not run."""

    name: str
    ok: bool | None
    detail: str
    value: float | None = None
    measured: str = ""  # the measured value as shown in the table
    skipped: str | None = None
    accepted: bool = False  # unknown, accepted by the operator (--accept-unknown)

    @property
    def result(self) -> str:
        if self.skipped is not None:
            return "skipped"
        return {True: "pass", False: "fail", None: "unknown"}[self.ok]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "result": self.result}


def skipped(name: str, why: str) -> PreflightCheck:
    return PreflightCheck(name, None, why, skipped=why)


def target_origins(runtime: Runtime, snapshot: LbSnapshot | None, target: str) -> list[str]:
    """Addresses of the target pool's origins: the live pool's, else the environment's config."""
    if snapshot is not None and target in snapshot.pools:
        return [o["address"] for o in snapshot.pools[target].origins if o.get("enabled", True)]
    return list(runtime.environment.cloudflare.pools.get(target, []))


def check_target(runtime: Runtime, snapshot: LbSnapshot | None, target: str, spec: Preflight) -> PreflightCheck:
    """Probe every enabled origin of the target pool: fail if one is down or answers wrong, unknown if one
    took the connection but gave no answer within `timeout_seconds` (a loaded origin is not a healthy one)."""
    from multicloud_ctl.operations.health.conditions import parse_condition
    from multicloud_ctl.operations.health.endpoints import judge, origin_url
    from multicloud_ctl.operations.health.model import Status

    origins = target_origins(runtime, snapshot, target)
    if not origins:
        return PreflightCheck("target-healthy", False, f"pool {target!r} has no enabled origin", 0.0, "0 origins")
    conds = [parse_condition(c) for c in spec.health_conditions]
    with DaemonPool(min(len(origins), 16), name="preflight-origin") as pool:
        futures = [
            pool.submit(judge, a, origin_url(a, spec.health_path), conds, [], timeout=spec.timeout_seconds)
            for a in origins
        ]
        results = [f.result() for f in futures]
    good = [r for r in results if r.status is Status.OK]
    silent = [r for r in results if r.status is not Status.OK and r.message.startswith("no answer")]
    bad = [r for r in results if r.status is not Status.OK and r not in silent]
    slowest = max((r.value or 0.0 for r in good), default=0.0)
    measured = f"{len(good)}/{len(results)} healthy" + (f", slowest {slowest:.0f} ms" if good else "")
    if bad:
        return PreflightCheck(
            "target-healthy",
            False,
            "; ".join(f"{r.name}: {r.message}" for r in bad + silent),
            float(len(good)),
            measured,
        )
    if silent:
        return PreflightCheck(
            "target-healthy",
            None,
            f"no answer within {spec.timeout_seconds:g}s from " + ", ".join(r.name for r in silent),
            float(len(good)),
            measured,
        )
    return PreflightCheck(
        "target-healthy",
        True,
        f"{len(results)} origin(s) of {target} answer " + " and ".join(spec.health_conditions),
        float(len(good)),
        measured,
    )


def _lag_and_reason(runtime: Runtime) -> tuple[float | None, str]:
    try:
        from multicloud_ctl.operations.sync import sync_lag_reason
    except ImportError:
        return None, "the sync module is not installed"
    return sync_lag_reason(runtime)


def check_lag(runtime: Runtime, spec: Preflight) -> PreflightCheck:
    from multicloud_ctl.errors import McctlError

    if spec.rpo_seconds is None:
        return skipped("sync-lag", "not checked: the playbook sets no rpo_seconds")
    try:
        lag, reason = _lag_and_reason(runtime)
    except McctlError as exc:
        return PreflightCheck("sync-lag", None, f"cannot measure: {exc.message}")
    if lag is None:
        return PreflightCheck("sync-lag", None, f"cannot measure: {reason}")
    if lag == float("inf"):
        return PreflightCheck(
            "sync-lag",
            False,
            f"unbounded: {reason} (never backfilled, or in the cloud a stream mapping missing or stopped, or "
            "failed batches waiting for `mcctl sync replay`: see `mcctl sync status`)",
            None,
            "unbounded",
        )
    ok = lag <= spec.rpo_seconds
    return PreflightCheck(
        "sync-lag", ok, f"{'<=' if ok else '>'} RPO {spec.rpo_seconds:g}s ({reason})", lag, f"{lag:.1f}s"
    )


def check_backup(runtime: Runtime, spec: Preflight) -> PreflightCheck:
    from multicloud_ctl.errors import McctlError
    from multicloud_ctl.operations.health.checks import backup_age_figure

    if spec.max_backup_age_seconds is None:
        return skipped("backup-age", "not checked: the playbook sets no max_backup_age_seconds")
    try:
        age = backup_age_figure(runtime, spec.backup_kind)
    except McctlError as exc:
        return PreflightCheck("backup-age", None, f"cannot measure: {exc.message}")
    if isinstance(age, str):
        return PreflightCheck("backup-age", None, f"cannot measure: {age}")
    if age is None:
        return PreflightCheck("backup-age", False, f"no {spec.backup_kind} backup found", None, "none")
    ok = age <= spec.max_backup_age_seconds
    return PreflightCheck(
        "backup-age",
        ok,
        f"last {spec.backup_kind} backup {'within' if ok else 'over'} {spec.max_backup_age_seconds / 3600:g}h",
        age,
        f"{age / 3600:.1f}h",
    )


def ungraceful_skips(source: str) -> dict[str, str]:
    """The checks `--ungraceful` skips when `source` is gone, each with why."""
    return {
        name: f"ungraceful: reads {needs[source]} on {source}, which is gone"
        for name, needs in SOURCE_NEEDS.items()
        if source in needs
    }


def run_preflight(
    runtime: Runtime,
    snapshot: LbSnapshot | Callable[[], LbSnapshot] | None,
    target: str,
    spec: Preflight,
    *,
    skip: dict[str, str] | None = None,
) -> list[PreflightCheck]:
    """Every check in `CHECKS` order (concurrently; each guards its own errors); `skip` names checks not to run.

    `snapshot` may be a callable (a future's result) so the load balancer is read while the figures are
    measured: on a cold process both cost seconds. A check with no answer in time is unknown.
    """
    skip = skip or {}
    makers: dict[str, Callable[[], PreflightCheck]] = {
        "target-healthy": (
            (lambda: check_target(runtime, snapshot() if callable(snapshot) else snapshot, target, spec))
            if spec.target_healthy
            else (lambda: skipped("target-healthy", "not checked: the playbook sets target_healthy: false"))
        ),
        "sync-lag": lambda: check_lag(runtime, spec),
        "backup-age": lambda: check_backup(runtime, spec),
    }
    jobs = [(name, makers[name]) for name in CHECKS if name not in skip]

    def guarded(job: tuple[str, Callable[[], PreflightCheck]]) -> PreflightCheck:
        try:
            return job[1]()
        except Exception as exc:
            return PreflightCheck(job[0], None, f"cannot measure: {type(exc).__name__}: {exc}")

    limit = max(spec.measure_timeout_seconds, spec.timeout_seconds + 0.5)
    pool = DaemonPool(max(len(jobs), 1), name="preflight")
    futures = {name: pool.submit(guarded, (name, make)) for name, make in jobs}
    wait(list(futures.values()), timeout=limit)
    pool.shutdown()
    return [
        skipped(name, skip[name])
        if name in skip
        else futures[name].result()
        if futures[name].done()
        else PreflightCheck(name, None, f"cannot measure: no answer within {limit:g}s")
        for name in CHECKS
    ]


@dataclass
class PreflightVerdict:
    """What the checks mean for the switch, given the unknowns the operator accepted."""

    failed: list[PreflightCheck] = field(default_factory=list)
    unknown: list[PreflightCheck] = field(default_factory=list)  # not accepted: refuse
    accepted: list[PreflightCheck] = field(default_factory=list)

    @property
    def refusing(self) -> list[PreflightCheck]:
        return self.failed + self.unknown


def verdict(checks: list[PreflightCheck], accept_unknown: Collection[str] = ()) -> PreflightVerdict:
    """Sort the checks into failed, unknown (refusing) and accepted unknown; marks the accepted ones."""
    out = PreflightVerdict()
    for c in checks:
        if c.result == "fail":
            out.failed.append(c)
        elif c.result == "unknown" and c.name in accept_unknown:
            c.accepted = True
            out.accepted.append(c)
        elif c.result == "unknown":
            out.unknown.append(c)
    return out


def refuse(found: PreflightVerdict, target: str) -> PreflightFailed:
    reasons = "; ".join(f"{c.name} {c.result}: {c.detail}" for c in found.refusing)
    hint = "nothing was changed; the table above shows every check. Fix the cause"
    if found.unknown:
        names = " ".join(f"--accept-unknown {c.name}" for c in found.unknown)
        hint += f", accept what cannot be measured ({names})"
    return PreflightFailed(
        f"failover to {target} refused by preflight: {reasons}",
        hint=hint + ", or override with --force --reason TEXT",
    )
