"""The failover as a run-lifecycle operation: preflight and plan (switch, record, verify), then measure.

    lock "failover" (engine/run.py)
    snapshot  = read_state()                      # read-only: LB order, pools, failback setting
    preflight = run_preflight()                   # refused -> exit 4, nothing changed (unless --force)
    plan      = pools -> load balancer -> capacity -> intended.json, verify = edge serves the target
    confirm -> executor (reverse-order rollback to the snapshot when verification fails) -> journal

RTO = command start to the first verified answer from the target; RPO = the sync lag at cutover.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine.plan import Plan, Step
from multicloud_ctl.operations.failover import actions as _actions  # noqa: F401  (registers the actions)
from multicloud_ctl.operations.failover.lbstate import (
    GEO_FIELDS,
    Failback,
    LbSnapshot,
    map_pool_refs,
    read_intended,
    read_state,
    target_state,
)
from multicloud_ctl.operations.failover.preflight import PreflightCheck, refuse, run_preflight, verdict

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.failover import FailoverSpec, Verify
    from multicloud_ctl.engine.events import PlanView
    from multicloud_ctl.engine.executor import RunResult
    from multicloud_ctl.engine.run import Operation
    from multicloud_ctl.engine.runtime import Runtime


def _pool_params(pool: Any) -> dict[str, Any]:
    return {"pool_id": pool.id, "pool": pool.name, "enabled": pool.enabled, "origins": pool.origins}


def _lb_params(snap: LbSnapshot) -> dict[str, Any]:
    """Every pool-list field of the load balancer, by pool id (what the API takes) and by name (for people)."""
    lists = snap.lists_dict()
    ids = map_pool_refs(lists, snap.pool_id)
    ids["rules"] = [
        {**r, "overrides": map_pool_refs(dict(r["overrides"]), snap.pool_id)} if r.get("overrides") else r
        for r in lists["rules"]
    ]
    return {
        "lb_id": snap.lb_id,
        "default_pools": ids["default_pools"],
        "fallback_pool": ids["fallback_pool"],
        **{f: ids[f] for f in (*GEO_FIELDS, "rules")},
        "pools": list(snap.default_pools),
        "fallback": snap.fallback_pool,
        **{f"{f}_by_name": lists[f] for f in (*GEO_FIELDS, "rules")},
    }


LB_FIELDS = ("default_pools", "fallback_pool", *GEO_FIELDS, "rules")


def _lb_change(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The two PATCH bodies: the core order always, a geo map or the rules only when the switch changes them.

    Everything else on the load balancer (steering, session affinity and its attributes, ttl...) is left as it
    is: a PATCH replaces only the top-level fields it names, and every map here is the full map read moments ago.
    """
    same = [f for f in (*GEO_FIELDS, "rules") if before[f] == after[f]]

    def trim(params: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in params.items() if k.removesuffix("_by_name") not in same}

    return trim(before), trim(after)


def describe_lists(snap: LbSnapshot, changed: list[str] | None = None) -> str:
    """`pools azure > aws (fallback aws); region_pools WNAM azure > aws, ...` (only `changed` geo lists)."""
    text = f"pools {' > '.join(snap.default_pools)} (fallback {snap.fallback_pool})"
    geo = [(w, ps) for w, ps in snap.pool_lists() if w != "default_pools" and (changed is None or w in changed)]
    if geo:
        text += "; " + ", ".join(f"{w} {' > '.join(ps)}" for w, ps in geo)
    return text


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
    before, after = _lb_change(_lb_params(current), _lb_params(target))
    if any(before[k] != after[k] for k in LB_FIELDS if k in before):
        old_lists, new_lists = dict(current.pool_lists()), dict(target.pool_lists())
        changed = [w for w in {**old_lists, **new_lists} if old_lists.get(w) != new_lists.get(w)]
        steps.append(
            Step(
                f"{prefix}load-balancer",
                "cloudflare.set_load_balancer",
                describe_lists(target, changed),
                provider="cloudflare",
                resource=f"lb/{target.lb_name}",
                params=after,
                rollback=Step(
                    f"{prefix}undo-load-balancer",
                    "cloudflare.set_load_balancer",
                    f"restore {describe_lists(current, changed)}",
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
    runtime: Runtime, target: LbSnapshot, previous: LbSnapshot, to: str, run_id: str, failback: str
) -> dict[str, Any]:
    """The `intended.json` content (format documented in lbstate's docstring and the README failover section)."""
    homes = [ps[0] for _, ps in target.pool_lists() if ps and ps[0] != to]
    return {
        "version": 1,
        "environment": runtime.environment.name,
        "serving": to,
        "since": runtime.clock().isoformat(timespec="seconds"),
        "journal": run_id,
        "failback": failback,
        "failback_to": homes[0] if failback == "auto" and homes else None,
        "automatic_failback": failback == "auto" and bool(homes),
        "load_balancer": {"id": target.lb_id, "name": target.lb_name, **target.lists_dict()},
        "pools": {n: {"id": p.id, "enabled": p.enabled, "origins": p.origins} for n, p in target.pools.items()},
        "previous": previous.to_dict(),
    }


def build_plan(
    runtime: Runtime, spec: FailoverSpec, current: LbSnapshot, run_id: str, failback: Failback | None = None
) -> Plan:
    """The failover plan: read-only calls only. `failback` (pinned/auto) overrides the playbook's."""
    mode: Failback = failback or spec.load_balancer.failback
    target = target_state(current, spec, mode)
    steps = transition_steps(current, target) + capacity_steps(runtime, spec)
    steps.append(
        Step(
            "record-intended",
            "failover.record_intended",
            "record the intended pool state for drift",
            params={"intended": intended_document(runtime, target, current, spec.to, run_id, mode)},
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
        summary={"to": spec.to, "from": current.serving_pool(), "pools": target.default_pools, "failback": mode},
    )


@dataclass
class FailoverOutcome:
    """What one failover found and did (the CLI's JSON document)."""

    status: str
    journal: str
    plan: Plan | None
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
            "plan": self.plan.to_dict() if self.plan is not None else None,
        }


def failover_operation(
    spec: FailoverSpec,
    *,
    started: float,
    force_reason: str | None = None,
    inputs: dict[str, Any] | None = None,
    lock: bool = True,
) -> tuple[Operation, FailoverOutcome]:
    """One failover to `spec.to` for the run lifecycle, and the outcome it fills in as it runs.

    `started` is the command's start (`runtime.clock.timestamp()`), the origin of the RTO. `lock=False` when the caller
    already holds the "failover" lease (a drill).
    """
    from multicloud_ctl.engine import events as ev
    from multicloud_ctl.engine.run import LockSpec, Operation

    out = FailoverOutcome("planned", "", None, [])
    held: list[Runtime] = []

    def plan(runtime: Runtime) -> Plan:
        from multicloud_ctl.operations.health.daemonpool import DaemonPool

        held.append(runtime)
        out.journal = runtime.run_id or ""
        with DaemonPool(1, name="lb-state") as pool:
            state = pool.submit(read_state, runtime)
            checks = run_preflight(runtime, state.result, spec.to, spec.preflight)
            current = state.result()  # raises what reading the load balancer raised
        out.preflight, out.previous = checks, current
        runtime.emit(ev.Recorded("before", current.to_dict()))
        runtime.emit(ev.Recorded("preflight", [c.to_dict() for c in checks]))
        for c in checks:
            runtime.emit(ev.Verified(f"preflight {c.name}", c.ok, c.detail))
        failed = verdict(checks, spec.preflight)
        if failed and not force_reason:
            raise refuse(failed, spec.to)
        if failed:
            out.forced = force_reason
            runtime.emit(ev.Recorded("forced", {"reason": force_reason, "overridden": [c.name for c in failed]}))
        # the RPO is the sync lag at cutover: the preflight measured it moments ago (measuring again would
        # add seconds to the RTO); when it was not measured, the conclusion tries once more
        lag = next((c for c in checks if c.name == "sync-lag"), None)
        out.rpo_s = lag.value if lag is not None else None
        out.plan = build_plan(runtime, spec, current, out.journal)
        return out.plan

    def conclude(plan: Plan, result: RunResult) -> dict[str, Any]:
        runtime = held[-1]
        if out.rpo_s is None:
            out.rpo_s = _rpo(runtime)
        served: dict[str, Any] = next((r.output for r in result.verification if r.output), {}) or {}
        if served.get("first_served_at"):
            out.rto_s = round(float(served["first_served_at"]) - started, 3)
        runtime.emit(ev.Measured("rpo_seconds", out.rpo_s))
        runtime.emit(ev.Measured("rto_seconds", out.rto_s))
        out.status = "ok"
        return {"serving": spec.to, "rto_seconds": out.rto_s, "rpo_seconds": out.rpo_s}

    op = Operation(
        "failover",
        plan,
        inputs=inputs or {"to": spec.to},
        lock=LockSpec("failover") if lock else None,
        question=lambda p: f"Fail over to {spec.to}?",
        view=lambda p: preflight_view(out.preflight),
        conclude=conclude,
        dry_result=lambda p: {"dry_run": True, **out.to_dict()},
    )
    return op, out


def preflight_view(checks: list[PreflightCheck]) -> PlanView:
    """The preflight table shown above the plan (before the confirmation, and in a dry run)."""
    from multicloud_ctl.engine.events import PlanView

    verdicts = {True: "ok", False: "FAILED", None: "unknown"}
    rows = tuple((c.name, verdicts[c.ok], c.detail) for c in checks)
    return PlanView(("preflight", "result", "detail"), rows)


def _rpo(runtime: Runtime) -> float | None:
    """The sync lag at cutover, None when it cannot be measured (or is unbounded)."""
    from multicloud_ctl.errors import McctlError
    from multicloud_ctl.operations.health.checks import sync_lag_figure

    try:
        lag = sync_lag_figure(runtime)
    except McctlError:
        return None
    return lag if isinstance(lag, float) and lag != float("inf") else None
