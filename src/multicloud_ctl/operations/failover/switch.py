"""The failover as a run-lifecycle operation: preflight and plan (switch, record, verify), then measure.

    lock "failover" (engine/run.py)
    snapshot  = read_state()                      # read-only: LB order, pools, failback setting
    preflight = run_preflight()                   # every check: pass / fail / unknown / skipped, with its value
    plan      = [cache warm-up] -> pools -> load balancer -> capacity -> [SQL failover group] -> [Service Bus
                Geo-DR alias] -> intended.json (or the playbook's workflow), verify = edge serves the target
    gate      = a failed or unaccepted unknown check refuses (exit 4) after the table and plan are shown
    confirm -> executor (reverse-order rollback to the snapshot when verification fails) -> journal

RTO = from the moment the run is confirmed at the prompt (with --yes: from the command's start) to the first
verified answer from the target, so the operator's time at the prompt is never counted; RPO = the sync lag at
cutover. `--ungraceful` (the source side is gone) skips the checks that read it (preflight.SOURCE_NEEDS) and
the RPO measurement at the end, and says so in the plan and the journal.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine.plan import Plan, Step
from multicloud_ctl.errors import McctlError, OperationFailed, SafetyRefused, UsageError
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
from multicloud_ctl.operations.failover.preflight import (
    PreflightCheck,
    PreflightVerdict,
    refuse,
    run_preflight,
    ungraceful_skips,
    verdict,
)

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


def sql_failover_steps(runtime: Runtime, spec: FailoverSpec) -> list[Step]:
    """The SQL auto-failover group's primary to the playbook's location: one step, or none when that server
    already is primary (read now, read-only). Its rollback makes the previous primary primary again."""
    from multicloud_ctl.providers.azure.sql_failover import ServerRef, SqlFailoverGroups

    target = spec.sql_failover_group
    if target is None:
        return []
    env = runtime.environment
    sql, regions = env.azure.sql, env.azure.regions
    if not sql.geo_replica:
        raise UsageError(
            f"the failover playbook switches the SQL failover group, but azure.sql.geo_replica is off in {env.name}",
            hint="set azure.sql.geo_replica: true and provision the group (azure_sql_failover_group), or remove "
            "sql_failover_group from the playbook",
        )

    def ref(location: str) -> dict[str, str]:
        primary = location == regions.primary
        return {
            "group": env.azure.resource_group if primary else f"{env.azure.resource_group}-{location}",
            "server": sql.server if primary else f"{sql.server}-{location}",
        }

    location = regions.primary if target.primary == "primary" else regions.secondary
    previous = regions.secondary if location == regions.primary else regions.primary
    name = f"{sql.server}-fg"  # operations/provision/kinds/azure_sql_failover_group.py
    role = SqlFailoverGroups(runtime.azure).role(ServerRef(**ref(location)), name)
    if role is None:
        raise OperationFailed(
            f"SQL failover group {name} does not exist on {ref(location)['server']}",
            hint="provision it first (mcctl provision apply: azure_sql_failover_group)",
        )
    if role == "Primary":
        return []
    force = " (forced: data loss allowed)" if target.allow_data_loss else ""
    return [
        Step(
            "sql-failover-group",
            "azure.sql_failover",
            f"make {ref(location)['server']} ({location}) the primary of SQL failover group {name}{force}",
            provider="azure",
            resource=f"sql/{name}",
            params={**ref(location), "name": name, "allow_data_loss": target.allow_data_loss},
            rollback=Step(
                "undo-sql-failover-group",
                "azure.sql_failover",
                f"make {ref(previous)['server']} ({previous}) the primary of {name} again",
                provider="azure",
                params={**ref(previous), "name": name, "allow_data_loss": False},
            ),
        )
    ]


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


def unfinished_failover(runtime: Runtime) -> dict[str, Any] | None:
    """The newest earlier failover run, when it never finished (its process died: `abandoned`): which steps
    it completed. A failover converges the load balancer to its target, so the next run completes it (same
    target) or reverses it (the other one); either way the operator is told first."""
    from multicloud_ctl.engine.journal import list_journals, load_journal

    for summary in list_journals(runtime.state_dir, verb="failover", limit=10):  # newest first
        if summary["id"] == runtime.run_id or summary.get("verb") != "failover":
            continue
        try:
            rec = load_journal(runtime.state_dir, str(summary["id"]))
        except McctlError:
            return None
        if rec.get("status") != "abandoned" or rec.get("dry_run"):
            return None
        done = [s["id"] for s in rec.get("steps") or [] if s.get("status") == "ok"]
        to = (rec.get("inputs") or {}).get("to")
        return {"id": rec["id"], "to": to, "status": "was killed", "done": done, "started": rec.get("started")}
    return None


def build_plan(
    runtime: Runtime,
    spec: FailoverSpec,
    current: LbSnapshot,
    run_id: str,
    failback: Failback | None = None,
    skipped: dict[str, str] | None = None,
) -> Plan:
    """The failover plan: read-only calls only. `failback` (pinned/auto) overrides the playbook's.

    `skipped` (an ungraceful failover) names what was not done because the source side is gone.
    """
    mode: Failback = failback or spec.load_balancer.failback
    target = target_state(current, spec, mode)
    record = Step(
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
    from multicloud_ctl.operations.failover.busdr import geo_dr_steps
    from multicloud_ctl.operations.failover.warmup import warmup_steps

    parts = {
        "cache_warmup": warmup_steps(runtime, spec),
        "load_balancer": transition_steps(current, target),
        "capacity": capacity_steps(runtime, spec),
        "sql_failover_group": sql_failover_steps(runtime, spec),
        "servicebus_geo_dr": geo_dr_steps(runtime, spec, ungraceful=skipped is not None),
        "record_intended": [record],
    }
    # without a workflow: in this order, one after the other (the warm-up before traffic moves)
    steps = workflow_steps(spec, parts) if spec.workflow is not None else [s for part in parts.values() for s in part]
    try:
        return Plan(
            "failover",
            tuple(steps),
            (verify_step(runtime, target, spec.to, spec.verify, "verify-edge"),),
            summary={
                "to": spec.to,
                "from": current.serving_pool(),
                "pools": target.default_pools,
                "failback": mode,
                **({"ungraceful_skipped": skipped} if skipped is not None else {}),
            },
            parallelism=spec.parallelism if spec.workflow is not None else 1,
        )
    except ValueError as exc:  # an approval named like a generated step, for one
        raise UsageError(f"failover workflow: {exc}", hint="rename the workflow step") from None


def workflow_steps(spec: FailoverSpec, parts: dict[str, list[Step]]) -> list[Step]:
    """The playbook's workflow as plan steps: each part's steps in sequence, after what the part waits for.

    A part with nothing to do (no capacity to raise, pools already as wanted) passes its prerequisites on to
    the steps that wait for it. Time limits apply to every step of a part."""
    from dataclasses import replace

    from multicloud_ctl.config.specs.failover import workflow_order
    from multicloud_ctl.engine.approvals import approval_step

    assert spec.workflow is not None
    ends: dict[str, tuple[str, ...]] = {}
    out: list[Step] = []
    for w, waits in workflow_order(spec.workflow):
        after = tuple(dict.fromkeys(x for d in waits for x in ends[d]))
        if w.do == "approval":
            assert w.timeout_seconds is not None
            step = approval_step(w.id, w.message or f"go on with the failover to {spec.to}?", w.timeout_seconds)
            out.append(replace(step, after=after))
            ends[w.id] = (w.id,)
            continue
        previous = after
        for step in parts[w.do]:
            out.append(replace(step, after=previous, timeout_s=w.timeout_seconds))
            previous = (step.id,)
        ends[w.id] = previous
    return out


@dataclass
class FailoverOutcome:
    """What one failover found and did (the CLI's JSON document)."""

    status: str
    journal: str
    plan: Plan | None
    preflight: list[PreflightCheck]
    forced: str | None = None
    rto_s: float | None = None
    rto_from: str | None = None  # confirmation | command start
    rpo_s: float | None = None
    previous: LbSnapshot | None = None
    verdict: PreflightVerdict | None = None
    ungraceful: dict[str, str] | None = None  # skipped check -> why (None: a graceful failover)
    errors: list[str] = field(default_factory=list)
    unfinished: dict[str, Any] | None = None  # the previous failover, when it never finished (killed)
    timeline: list[dict[str, Any]] = field(default_factory=list)  # per step: start and end after the RTO origin

    def to_dict(self) -> dict[str, Any]:
        accepted = self.verdict.accepted if self.verdict is not None else []
        return {
            "status": self.status,
            "journal": self.journal,
            "rto_seconds": self.rto_s,
            "rto_from": self.rto_from,
            "rto_timeline": self.timeline,
            "rpo_seconds": self.rpo_s,
            "forced_reason": self.forced,
            "accepted_unknown": [{"check": c.name, "reason": c.detail} for c in accepted],
            "ungraceful_skipped": self.ungraceful,
            "previous_unfinished": self.unfinished,
            "preflight": [c.to_dict() for c in self.preflight],
            "plan": self.plan.to_dict() if self.plan is not None else None,
        }


def failover_operation(
    spec: FailoverSpec,
    *,
    started: float | None,
    force_reason: str | None = None,
    accept_unknown: Collection[str] = (),
    ungraceful: bool = False,
    inputs: dict[str, Any] | None = None,
    lock: bool = True,
) -> tuple[Operation, FailoverOutcome]:
    """One failover to `spec.to` for the run lifecycle, and the outcome it fills in as it runs.

    `started` is the origin of the RTO when nobody is asked (`--yes`, a drill: the command's start on
    `runtime.clock`); None measures from the moment the operator confirms. `accept_unknown` names the checks
    whose `unknown` does not refuse; `ungraceful` skips what reads the source side. `lock=False` when the caller
    already holds the "failover" lease (a drill).
    """
    from multicloud_ctl.engine import events as ev
    from multicloud_ctl.engine.run import LockSpec, Operation

    out = FailoverOutcome("planned", "", None, [])
    held: list[Runtime] = []
    source = "aws" if spec.to == "azure" else "azure"
    skip = ungraceful_skips(source) if ungraceful else None

    def plan(runtime: Runtime) -> Plan:
        from multicloud_ctl.operations.health.daemonpool import DaemonPool

        held.append(runtime)
        out.journal = runtime.run_id or ""
        with DaemonPool(1, name="lb-state") as pool:
            state = pool.submit(read_state, runtime)
            checks = run_preflight(runtime, state.result, spec.to, spec.preflight, skip=skip)
            current = state.result()  # raises what reading the load balancer raised
        found = verdict(checks, accept_unknown)
        out.preflight, out.previous, out.verdict, out.ungraceful = checks, current, found, skip
        unfinished = unfinished_failover(runtime)
        if unfinished is not None:
            out.unfinished = unfinished
            runtime.emit(ev.Recorded("previous_unfinished", unfinished))
            runtime.emit(
                ev.Notice(
                    f"the previous failover (journal {unfinished['id']}, to {unfinished['to']}) "
                    f"{unfinished['status']} after {len(unfinished['done'])} of its steps "
                    f"({', '.join(unfinished['done']) or 'none'}); the load balancer now serves "
                    f"{current.serving_pool()}: this run "
                    f"{'completes it' if unfinished['to'] == spec.to else 'reverses it'}",
                    level="warning",
                )
            )
        runtime.emit(ev.Recorded("before", current.to_dict()))
        runtime.emit(ev.Recorded("preflight", [c.to_dict() for c in checks]))
        for c in checks:
            if c.skipped is None:
                runtime.emit(ev.Verified(f"preflight {c.name}", c.ok, c.detail))
        if skip is not None:
            runtime.emit(
                ev.Recorded(
                    "ungraceful",
                    {
                        "source": source,
                        "skipped": [{"check": k, "why": w} for k, w in skip.items()],
                        "rpo": "not measured (it reads the source)",
                    },
                )
            )
            runtime.emit(
                ev.Notice(f"ungraceful: {source} is treated as gone; not run: {', '.join(skip)}", level="warning")
            )
        if found.accepted:
            runtime.emit(
                ev.Recorded("accepted_unknown", [{"check": c.name, "reason": c.detail} for c in found.accepted])
            )
        if found.refusing and force_reason:
            out.forced = force_reason
            runtime.emit(
                ev.Recorded("forced", {"reason": force_reason, "overridden": [c.name for c in found.refusing]})
            )
        # the RPO is the sync lag at cutover: the preflight measured it moments ago (measuring again would
        # add seconds to the RTO); when it was not measured, the conclusion tries once more
        lag = next((c for c in checks if c.name == "sync-lag"), None)
        out.rpo_s = lag.value if lag is not None else None
        out.plan = build_plan(runtime, spec, current, out.journal, skipped=skip)
        return out.plan

    def gate(plan: Plan) -> SafetyRefused | None:
        if out.verdict is None or not out.verdict.refusing or force_reason:
            return None
        return refuse(out.verdict, spec.to)

    def conclude(plan: Plan, result: RunResult) -> dict[str, Any]:
        from multicloud_ctl.engine.clock import iso

        runtime = held[-1]
        if out.rpo_s is None and skip is None:
            out.rpo_s = _rpo(runtime)
        served: dict[str, Any] = next((r.output for r in result.verification if r.output), {}) or {}
        origin = started if started is not None else result.confirmed_at
        out.rto_from = "command start" if started is not None else "confirmation"
        if origin is not None:
            runtime.emit(
                ev.Recorded(
                    "rto_origin",
                    {"from": out.rto_from, "at": iso(datetime.fromtimestamp(origin, UTC))},
                )
            )
        if served.get("first_served_at") and origin is not None:
            out.rto_s = round(float(served["first_served_at"]) - origin, 3)
        if origin is not None:  # each step's place in the recovery time: when it started and ended after the origin
            out.timeline = [
                {
                    "step": r.step.id,
                    "status": r.status,
                    "start_s": round(r.started_at - origin, 3),
                    "end_s": round(r.started_at - origin + r.duration_s, 3),
                }
                for r in (*result.steps, *result.verification)
                if r.started_at is not None
            ]
            runtime.emit(ev.Recorded("rto_timeline", out.timeline))
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
        view=lambda p: preflight_view(out.preflight, source if skip is not None else None),
        conclude=conclude,
        gate=gate,
        dry_result=lambda p: {"dry_run": True, **out.to_dict()},
    )
    return op, out


def preflight_view(checks: list[PreflightCheck], gone: str | None = None) -> PlanView:
    """The preflight table shown above the plan: before the confirmation, in a dry run, and on a refusal.

    `gone` is the source side an ungraceful failover treats as gone (it goes into the title)."""
    from multicloud_ctl.engine.events import PlanView

    shown = {"pass": "pass", "fail": "FAIL", "unknown": "UNKNOWN", "skipped": "skipped"}
    rows = tuple(
        (c.name, "unknown (accepted)" if c.accepted else shown[c.result], c.measured or "-", c.detail) for c in checks
    )
    title = f"preflight (ungraceful: {gone} is gone)" if gone else "preflight"
    return PlanView(("check", "result", "value", "detail"), rows, title)


def _rpo(runtime: Runtime) -> float | None:
    """The sync lag at cutover, None when it cannot be measured (or is unbounded)."""
    from multicloud_ctl.errors import McctlError
    from multicloud_ctl.operations.health.checks import sync_lag_figure

    try:
        lag = sync_lag_figure(runtime)
    except McctlError:
        return None
    return lag if isinstance(lag, float) and lag != float("inf") else None
