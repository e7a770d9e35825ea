"""Build the failover plan (switch, record, verify) and run it: preflight, confirm, lock, apply, measure.

    snapshot  = read_state()                      # read-only: LB order, pools, failback setting
    preflight = run_preflight()                   # refused -> exit 4, nothing changed (unless --force)
    plan      = pools -> load balancer -> capacity -> intended.json, verify = edge serves the target
    lock "failover" -> Executor (reverse-order rollback to the snapshot when verification fails) -> journal

RTO = command start to the first verified answer from the target; RPO = the sync lag at cutover.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine.plan import Plan, Step
from multicloud_ctl.operations.failover import actions as _actions  # noqa: F401  (registers the actions)
from multicloud_ctl.operations.failover.lbstate import LbSnapshot, read_intended, read_state, target_state
from multicloud_ctl.operations.failover.preflight import PreflightCheck, refuse, run_preflight, verdict

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.failover import FailoverSpec, Verify
    from multicloud_ctl.engine.journal import Journal
    from multicloud_ctl.engine.runtime import Runtime


def _pool_params(pool: Any) -> dict[str, Any]:
    return {"pool_id": pool.id, "pool": pool.name, "enabled": pool.enabled, "origins": pool.origins}


def _lb_params(snap: LbSnapshot) -> dict[str, Any]:
    return {
        "lb_id": snap.lb_id,
        "default_pools": [snap.pool_id(p) for p in snap.default_pools],
        "fallback_pool": snap.pool_id(snap.fallback_pool),
        "pools": list(snap.default_pools),
        "fallback": snap.fallback_pool,
        "zero_downtime_failover": snap.zero_downtime_failover,
    }


def verify_step(runtime: Runtime, snap: LbSnapshot, pool: str, verify: Verify, step_id: str) -> Step:
    """Poll the edge until `pool` serves."""
    edge = runtime.environment.endpoints().edge or f"https://{snap.lb_name}"
    expect = sorted({str(o.get(k)) for o in snap.pools[pool].origins for k in ("name", "address") if o.get(k)})
    return Step(
        step_id,
        "failover.verify_edge",
        f"the edge answers from pool {pool} ({verify.consecutive} in a row, within {verify.deadline_seconds:g}s)",
        provider="edge",
        mutating=False,
        resource=snap.lb_name,
        params={
            "url": edge.rstrip("/") + verify.path,
            "host": snap.lb_name,
            "header": verify.origin_header,
            "expect": expect,
            "deadline_seconds": verify.deadline_seconds,
            "interval_seconds": verify.interval_seconds,
            "consecutive": verify.consecutive,
            "request_timeout_seconds": verify.request_timeout_seconds,
        },
    )


def transition_steps(current: LbSnapshot, target: LbSnapshot, prefix: str = "") -> list[Step]:
    """Steps that take the pools and the load balancer from `current` to `target`, each with its undo."""
    steps: list[Step] = []
    for name, want in target.pools.items():
        have = current.pools[name]
        if (want.enabled, want.origins) == (have.enabled, have.origins):
            continue
        change = (
            "enable"
            if want.enabled and not have.enabled
            else "disable"
            if have.enabled and not want.enabled
            else "set weights of"
        )
        steps.append(
            Step(
                f"{prefix}pool-{name}",
                "cloudflare.set_pool",
                f"{change} pool {name}",
                provider="cloudflare",
                resource=f"pool/{name}",
                params=_pool_params(want),
                rollback=Step(
                    f"{prefix}undo-pool-{name}",
                    "cloudflare.set_pool",
                    f"restore pool {name}",
                    provider="cloudflare",
                    resource=f"pool/{name}",
                    params=_pool_params(have),
                ),
            )
        )
    before, after = _lb_params(current), _lb_params(target)
    if {k: before[k] for k in ("default_pools", "fallback_pool", "zero_downtime_failover")} != {
        k: after[k] for k in ("default_pools", "fallback_pool", "zero_downtime_failover")
    }:
        extra = (
            f", failback {after['zero_downtime_failover']}"
            if after["zero_downtime_failover"] != before["zero_downtime_failover"]
            else ""
        )
        steps.append(
            Step(
                f"{prefix}load-balancer",
                "cloudflare.set_load_balancer",
                f"pools {' > '.join(target.default_pools)} (fallback {target.fallback_pool}{extra})",
                provider="cloudflare",
                resource=f"lb/{target.lb_name}",
                params=after,
                rollback=Step(
                    f"{prefix}undo-load-balancer",
                    "cloudflare.set_load_balancer",
                    f"restore pools {' > '.join(current.default_pools)}",
                    provider="cloudflare",
                    resource=f"lb/{target.lb_name}",
                    params=before,
                ),
            )
        )
    return steps


def capacity_steps(runtime: Runtime, spec: FailoverSpec) -> list[Step]:
    from multicloud_ctl.operations.failover.actions import current_concurrency

    steps = []
    for fn in spec.enhanced_capacity.lambda_functions:
        before = current_concurrency(runtime, fn.function) if fn.reserved_concurrency is not None else None
        steps.append(
            Step(
                f"capacity-{fn.function}",
                "lambda.set_concurrency",
                f"raise {fn.function} concurrency (reserved {fn.reserved_concurrency}, provisioned "
                f"{fn.provisioned_concurrency})",
                provider="aws",
                resource=f"lambda/{fn.function}",
                params={
                    "function": fn.function,
                    "reserved_concurrency": fn.reserved_concurrency,
                    "provisioned_concurrency": fn.provisioned_concurrency,
                    "qualifier": fn.qualifier,
                },
                rollback=Step(
                    f"undo-capacity-{fn.function}",
                    "lambda.set_concurrency",
                    f"restore {fn.function} concurrency",
                    provider="aws",
                    params={
                        "function": fn.function,
                        "reserved_concurrency": before,
                        "provisioned_concurrency": 0 if fn.provisioned_concurrency else None,
                        "qualifier": fn.qualifier,
                    },
                ),
            )
        )
    return steps


def intended_document(
    runtime: Runtime, target: LbSnapshot, previous: LbSnapshot, to: str, run_id: str
) -> dict[str, Any]:
    """The `intended.json` content (format documented in the failover README section)."""
    return {
        "version": 1,
        "environment": runtime.environment.name,
        "serving": to,
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
        "journal": run_id,
        "automatic_failback": target.zero_downtime_failover != "sticky",
        "load_balancer": {
            "id": target.lb_id,
            "name": target.lb_name,
            "default_pools": target.default_pools,
            "fallback_pool": target.fallback_pool,
            "zero_downtime_failover": target.zero_downtime_failover,
        },
        "pools": {n: {"id": p.id, "enabled": p.enabled, "origins": p.origins} for n, p in target.pools.items()},
        "previous": previous.to_dict(),
    }


def build_plan(runtime: Runtime, spec: FailoverSpec, current: LbSnapshot, run_id: str) -> Plan:
    """The failover plan: read-only calls only."""
    target = target_state(current, spec)
    steps = transition_steps(current, target) + capacity_steps(runtime, spec)
    steps.append(
        Step(
            "record-intended",
            "failover.record_intended",
            "record the intended pool state for drift",
            params={"intended": intended_document(runtime, target, current, spec.to, run_id)},
            rollback=Step(
                "undo-record-intended",
                "failover.record_intended",
                "restore the previous intended state",
                params={"intended": read_intended(runtime.state_dir)},
            ),
        )
    )
    return Plan(
        "failover",
        tuple(steps),
        (verify_step(runtime, target, spec.to, spec.verify, "verify-edge"),),
        summary={"to": spec.to, "from": current.serving_pool(), "pools": target.default_pools},
    )


@dataclass
class FailoverOutcome:
    status: str
    journal: str
    plan: Plan
    preflight: list[PreflightCheck]
    forced: str | None = None
    rto_s: float | None = None
    rpo_s: float | None = None
    previous: LbSnapshot | None = None
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "journal": self.journal,
            "rto_seconds": self.rto_s,
            "rpo_seconds": self.rpo_s,
            "forced_reason": self.forced,
            "preflight": [c.to_dict() for c in self.preflight],
            "plan": self.plan.to_dict(),
        }


def failover(
    runtime: Runtime,
    spec: FailoverSpec,
    *,
    started: float,
    force_reason: str | None = None,
    confirm: Callable[[Plan, list[PreflightCheck]], None] = lambda plan, checks: None,
    journal: Journal | None = None,
    lock: bool = True,
    inputs: dict[str, Any] | None = None,
) -> FailoverOutcome:
    """Run one failover to `spec.to`; `started` is the command's start (time.time()) for the RTO."""
    from multicloud_ctl.engine.executor import DisplayExecutor, Executor
    from multicloud_ctl.engine.lock import run_lock
    from multicloud_ctl.errors import SafetyRefused

    journal = journal or runtime.journal("failover", inputs or {"to": spec.to})
    try:
        from multicloud_ctl.operations.health.daemonpool import DaemonPool

        with DaemonPool(1, name="lb-state") as pool:
            state = pool.submit(read_state, runtime)
            checks = run_preflight(runtime, state.result, spec.to, spec.preflight)
            current = state.result()  # raises what reading the load balancer raised
        journal.set("before", current.to_dict())
        journal.set("preflight", [c.to_dict() for c in checks])
        failed = verdict(checks, spec.preflight)
        if failed and not force_reason:
            raise refuse(failed, spec.to)
        if failed:
            journal.set("forced", {"reason": force_reason, "overridden": [c.name for c in failed]})
        plan = build_plan(runtime, spec, current, journal.run_id)
        outcome = FailoverOutcome(
            "planned", journal.run_id, plan, checks, force_reason if failed else None, previous=current
        )
        if runtime.dry_run:
            DisplayExecutor(runtime, journal).run(plan)
            return outcome
        confirm(plan, checks)
        with run_lock(runtime, "failover") if lock else _nolock():
            # the RPO is the sync lag at cutover: the preflight measured it moments ago (measuring again
            # would add seconds to the RTO); when it was not measured, try once more now
            lag = next((c for c in checks if c.name == "sync-lag"), None)
            outcome.rpo_s = lag.value if lag is not None else _rpo(runtime)
            result = Executor(runtime, journal).run(plan)
    except BaseException as exc:
        if journal.record["status"] == "running":
            journal.finish(
                "refused"
                if isinstance(exc, SafetyRefused)
                else "interrupted"
                if isinstance(exc, KeyboardInterrupt)
                else "failed",
                error=str(exc),
            )
        raise
    journal.measure("rpo_seconds", outcome.rpo_s)
    if result.error is not None:
        outcome.status = result.status
        raise result.error
    served: dict[str, Any] = next((r.output for r in result.verification if r.output), {}) or {}
    if served.get("first_served_at"):
        outcome.rto_s = round(float(served["first_served_at"]) - started, 3)
    journal.measure("rto_seconds", outcome.rto_s)
    outcome.status = "ok"
    journal.set("result", {"serving": spec.to, "rto_seconds": outcome.rto_s, "rpo_seconds": outcome.rpo_s})
    return outcome


def _rpo(runtime: Runtime) -> float | None:
    """The sync lag at cutover, None when it cannot be measured (or is unbounded)."""
    from multicloud_ctl.errors import McctlError
    from multicloud_ctl.operations.health.checks import sync_lag_figure

    try:
        lag = sync_lag_figure(runtime)
    except McctlError:
        return None
    return lag if isinstance(lag, float) and lag != float("inf") else None


class _nolock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


def now() -> float:
    return time.time()
