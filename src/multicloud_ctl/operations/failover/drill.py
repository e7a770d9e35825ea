"""A failover drill as one run-lifecycle operation whose steps are its phases.

    lock "failover" -> plan: snapshot LB, steady state (the edge serves the source; else refused)
      -> traffic on -> [inject an outage of the source] -> failover (a nested run: preflight, switch, verify;
      RTO, RPO) -> observe -> [recover: restart the source, wait until it answers] -> fail back (a nested run)
      -> steady state again -> traffic off -> [orders check] -> report against the objectives (missed:
      degraded, exit 3)

With `traffic.orders` (sandbox only) a shopper is signed up and a product stocked first (orders-setup), orders
are placed through the edge alongside the GET traffic, and after the fail-back every acknowledged order must be
found in SQL (orders-check, `operations/failover/orders.py`); more lost than `objectives.max_orders_lost` misses
the drill's objectives.

The phases that change something carry their undo as the step's rollback (start the injected side again,
restore the load balancer to the snapshot, stop the traffic): the executor runs them in reverse order when a
phase fails AND on Ctrl-C / SIGTERM, and the lifecycle holds further signals until they have finished. The
nested failover and fail-back runs write their own journals (`failover status` lists them with their RTO).
"""

from __future__ import annotations

import contextlib
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine.plan import Plan, Step
from multicloud_ctl.errors import Degraded, OperationFailed, PreflightFailed
from multicloud_ctl.operations.failover.lbstate import LbSnapshot, read_intended, read_state
from multicloud_ctl.operations.failover.orders import orders_verdict, require_sandbox
from multicloud_ctl.operations.failover.switch import failover_operation, transition_steps, verify_step
from multicloud_ctl.operations.failover.traffic import OrderStream, TrafficGenerator
from multicloud_ctl.operations.failover.verify import verify_serving

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from multicloud_ctl.config.specs.failover import DrillSpec, FailoverSpec
    from multicloud_ctl.engine.executor import RunResult, StepContext
    from multicloud_ctl.engine.run import Operation
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.inject import Brownout, Netem, NftDrop, NsPartition, Outage
    from multicloud_ctl.operations.failover.orders import Shopper


@dataclass
class DrillReport:
    to: str
    source: str
    journal: str
    status: str = "running"  # passed | failed (objectives missed)
    injected: str | None = None
    detection_s: float | None = None  # inject -> the edge's monitors call the source unhealthy (None: never)
    rto_s: float | None = None
    rpo_s: float | None = None
    traffic: dict[str, Any] = field(default_factory=dict)
    orders: dict[str, Any] = field(default_factory=dict)  # sent/acknowledged/... then found/lost (orders-check)
    objectives: dict[str, Any] = field(default_factory=dict)
    verdicts: dict[str, bool | None] = field(default_factory=dict)
    phases: list[dict[str, Any]] = field(default_factory=list)
    rollbacks: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def error_rate(self) -> float | None:
        rate = self.traffic.get("error_rate")
        return None if rate is None else float(rate)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "to": self.to,
            "from": self.source,
            "journal": self.journal,
            "injected": self.injected,
            "detection_seconds": self.detection_s,
            "rto_seconds": self.rto_s,
            "rpo_seconds": self.rpo_s,
            "error_rate": self.error_rate,
            "traffic": self.traffic,
            "orders": self.orders,
            "objectives": self.objectives,
            "verdicts": self.verdicts,
            "phases": self.phases,
            "rollbacks": self.rollbacks,
            "error": self.error,
        }


def restore(
    runtime: Runtime,
    snapshot: LbSnapshot,
    intended: dict[str, Any] | None,
    *,
    verify: Step | None,
    inputs: dict[str, Any],
) -> None:
    """Put the load balancer back as `snapshot` says (and intended.json as it was), verified when asked.

    A nested run (own journal, no lock: the drill holds the "failover" lease, no confirmation: the drill was
    confirmed). Interrupted -> KeyboardInterrupt, so the drill's own rollbacks run.
    """
    from multicloud_ctl.engine.run import Operation, run

    def plan(rt: Runtime) -> Plan:
        current = read_state(rt, with_health=False)
        steps = transition_steps(current, snapshot, prefix="failback-")
        steps.append(
            Step(
                "failback-record-intended",
                "failover.record_intended",
                "restore intended state",
                params={"intended": intended},
            )
        )
        return Plan("failover", tuple(steps), (verify,) if verify else ())

    _nested(run(runtime, Operation("failover", plan, inputs=inputs)))


def _nested(outcome: Any) -> Any:
    from multicloud_ctl.engine.events import RunStatus

    if outcome.status is RunStatus.INTERRUPTED:
        raise KeyboardInterrupt
    outcome.raise_for_status()
    return outcome


def _wait_answers(runtime: Runtime, snapshot: LbSnapshot, pool: str, timeout: float) -> None:
    from multicloud_ctl.config.specs.failover import Preflight
    from multicloud_ctl.operations.failover.preflight import check_target

    deadline = time.monotonic() + timeout
    while True:
        check = check_target(runtime, snapshot, pool, Preflight(timeout_seconds=1))
        if check.ok:
            return
        if time.monotonic() > deadline:
            raise OperationFailed(f"pool {pool} did not recover within {timeout:g}s: {check.detail}")
        time.sleep(0.1)


def _detect(runtime: Runtime, pool: str, timeout: float) -> float | None:
    """Seconds until the edge's monitors report `pool` unhealthy after a fault (None: not within `timeout`;
    a brownout or a delay shorter than the monitor's timeout may never be detected, and that is the finding)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            snap = read_state(runtime)
        except OperationFailed:
            snap = None
        if snap is not None and pool in snap.pools and snap.pools[pool].healthy is False:
            return round(time.monotonic() - started, 3)
        time.sleep(0.1)
    return None


def failover_is_ungraceful(mode: str, fault: object) -> bool:
    """The drill's failover mode: `auto` is ungraceful when the fault cuts this machine off from the source
    cloud, data stores included (an isolated partition of it, or of it from the edge): an operator with AWS dark
    fails over with `--ungraceful` instead of waiting `measure_timeout_seconds` for a sync lag nobody can read
    (5.5 s of a 5.6 s RTO in an isolated partition drill). Brownouts, latency, loss, a stopped functions host and
    a partition of the clouds from each other leave the source's stores readable: graceful."""
    return mode == "ungraceful" or (mode == "auto" and bool(getattr(fault, "cuts_operator", False)))


class _Drill:
    """The state the drill's phases share within one run."""

    def __init__(
        self,
        spec: DrillSpec,
        fo_spec: FailoverSpec,
        outage: Outage | Brownout | Netem | NftDrop | NsPartition | None,
        force_reason: str | None,
    ):
        self.spec, self.fo_spec, self.outage, self.force_reason = spec, fo_spec, outage, force_reason
        self.report = DrillReport(fo_spec.to, "?", "", objectives=spec.objectives.model_dump())
        self.runtime: Runtime | None = None
        self.snapshot: LbSnapshot | None = None
        self.intended: dict[str, Any] | None = None
        self.steady: Step | None = None
        self.traffic: TrafficGenerator | None = None
        self.orders: OrderStream | None = None
        self.shopper: Shopper | None = None
        self._engine: Engine | None = None
        self.injected = self.switched = self.failed_back = False

    @property
    def rt(self) -> Runtime:
        assert self.runtime is not None
        return self.runtime

    def phase(self, name: str, text: str) -> None:
        from multicloud_ctl.engine.events import Notice

        self.rt.emit(Notice(f"{name}: {text}"))
        self.report.phases.append({"phase": name, "at": self.rt.clock.timestamp()})

    # ---- plan (read-only, plus the steady-state check) -----------------------------------------------
    def plan(self, runtime: Runtime) -> Plan:
        self.runtime = runtime
        self.report.journal = runtime.run_id or ""
        snapshot = self.snapshot = read_state(runtime)
        self.intended = read_intended(runtime.state_dir)
        from multicloud_ctl.engine.events import Recorded

        runtime.emit(Recorded("before", snapshot.to_dict()))
        source = self.report.source = snapshot.serving_pool() or "?"
        to = self.fo_spec.to
        if source == to:
            order = snapshot.default_pools
            ahead = order[: order.index(to)] if to in order else []
            down = [p for p in ahead if p in snapshot.pools and snapshot.pools[p].healthy is False]
            if down:  # the steady state is not met: the pool the drill would fail away from is already down
                raise PreflightFailed(
                    f"pool {to} already serves: {', '.join(down)} ahead of it is unhealthy, nothing to drill",
                    hint=f"wait until `mcctl failover status` shows {down[0]} serving, then drill",
                )
            other = next((p for p in order if p != to), None)
            raise PreflightFailed(
                f"pool {to} already serves: nothing to drill",
                hint=f"drill the other direction: --to {other}" if other else "add a second pool to drill",
            )
        self.steady = verify_step(runtime, snapshot, source, self.fo_spec.verify, "steady-state")
        _warm_up(runtime, self.fo_spec.preflight.backup_kind)
        try:
            self.steady_state("steady-state-before")
        except OperationFailed as exc:
            raise PreflightFailed(f"steady state not met before the drill: {exc}") from None
        pools = " > ".join(snapshot.default_pools)
        orders = self.spec.traffic.orders
        steps = []
        if orders is not None:
            require_sandbox(runtime)
            steps.append(
                Step.bulk("orders-setup", "sign a shopper up, stock a product in both stores", self.orders_setup)
            )
        steps += [
            Step.bulk(
                "traffic-on",
                f"traffic on, {self.spec.steady_state_seconds:g}s steady",
                self.traffic_on,
                mutating=False,
                rollback=Step.bulk("stopped traffic", "stop the traffic", self.traffic_off, mutating=False),
            )
        ]
        if self.outage is not None:
            steps.append(
                Step.bulk(
                    "inject",
                    f"fault on {source}: {self.outage.describe()}",
                    self.inject,
                    rollback=Step.bulk(f"restarted {source}", f"start {source} again", self.undo_inject),
                )
            )
        steps.append(
            Step.bulk(
                "failover",
                f"fail over to {to}",
                self.failover,
                rollback=Step.bulk(f"failed back to {source}", f"restore pools {pools}", self.undo_failover),
            )
        )
        steps.append(Step.bulk("observe", f"observe {to} serving", self.observe, mutating=False))
        if self.outage is not None:
            steps.append(Step.bulk("recover", f"start {source} again", self.recover))
        steps.append(Step.bulk("failback", f"restore pools {pools}", self.failback))
        steps.append(Step.bulk("steady-state-after", f"the edge serves from {source}", self.after, mutating=False))
        steps.append(Step.bulk("traffic-off", "stop the traffic", self.traffic_off, mutating=False))
        if orders is not None:
            how = "run the sync once" if orders.sync == "run" else f"wait up to {orders.sync_timeout_seconds:g}s"
            steps.append(
                Step.bulk("orders-check", f"every acknowledged order in SQL ({how})", self.orders_check, mutating=False)
            )
        return Plan("failover drill", tuple(steps), summary={"from": source, "to": to, "pools": pools})

    def steady_state(self, name: str) -> dict[str, Any]:
        assert self.steady is not None
        self.phase(name, f"the edge serves from {self.report.source}")
        p = dict(self.steady.params)
        return verify_serving(
            url=p["url"],
            host=p["host"],
            header=p["header"],
            expect=set(p["expect"]),
            deadline_s=self.spec.recovery_timeout_seconds,
            interval_s=0.05,
            consecutive=3,
            timeout_s=p["request_timeout_seconds"],
            now=self.rt.clock.timestamp,
        )

    # ---- phases -------------------------------------------------------------------------------------
    def traffic_on(self, ctx: StepContext) -> dict[str, Any]:
        assert self.steady is not None
        edge = dict(self.steady.params)
        t = self.spec.traffic
        self.traffic = TrafficGenerator(
            edge["url"].rsplit("/", 1)[0] + t.path,
            host=edge["host"],
            rate=t.rate_per_second,
            workers=t.workers,
            timeout=t.timeout_seconds,
            now=self.rt.clock.timestamp,  # samples, phases and the RTO share one timeline
        ).start()
        if t.orders is not None and self.shopper is not None:
            self.orders = OrderStream(
                edge["url"].rsplit("/", 1)[0] + t.orders.path,
                token=self.shopper.token,
                product_id=self.shopper.product_id,
                email=self.shopper.email,
                key_prefix=f"drill-{uuid.uuid4().hex[:12]}",
                host=edge["host"],
                rate=t.orders.rate_per_second,
                workers=t.orders.workers,
                timeout=t.orders.timeout_seconds,
                retries=t.orders.retries,
                now=self.rt.clock.timestamp,
            ).start()
        time.sleep(self.spec.steady_state_seconds)
        return {"rate_per_second": t.rate_per_second}

    def traffic_off(self, ctx: StepContext) -> dict[str, Any]:
        if self.traffic is not None:
            self.report.traffic = self.traffic.stop()
            self.traffic = None
        if self.orders is not None:
            self.report.orders = self.orders.stop()
        return {**self.report.traffic, **({"orders": self.report.orders} if self.report.orders else {})}

    def sql_engine(self) -> Engine:
        if self._engine is None:
            from multicloud_ctl.operations.sync.context import open_context

            self._engine = open_context(self.rt).engine
        return self._engine

    def orders_setup(self, ctx: StepContext) -> dict[str, Any]:
        """The shopper and a stocked product; the product must be in SQL too (the other side orders it there)."""
        from multicloud_ctl.functions.adapters.sql_schema import inventory, products
        from multicloud_ctl.operations.failover.orders import bring_to_sql, find_ids, prepare_shopper

        spec = self.spec.traffic.orders
        assert spec is not None and self.steady is not None
        edge = dict(self.steady.params)
        self.shopper = prepare_shopper(self.rt, spec, edge=edge["url"].rsplit("/", 1)[0], host=edge["host"])
        pid = self.shopper.product_id
        engine = self.sql_engine()
        found, sync = bring_to_sql(self.rt, products, "product_id", [pid], spec, engine=engine)
        if not found or not find_ids(engine, inventory, "product_id", [pid]):
            raise OperationFailed(
                f"the drill's product {pid} is not in SQL's products and inventory after the sync "
                f"({sync.get('error') or sync['mode']}): the other side could not take its orders",
                hint="backfill the sync first (`mcctl sync backfill`), or name a product both sides hold "
                "(traffic.orders.product_id)",
            )
        return {"shopper": self.shopper.email, "product_id": pid, "sync": sync}

    def orders_check(self, ctx: StepContext) -> dict[str, Any]:
        from multicloud_ctl.engine.events import Notice, Recorded
        from multicloud_ctl.operations.failover.orders import check_orders

        spec = self.spec.traffic.orders
        if spec is None or self.orders is None:
            return {"skipped": "no order stream ran"}
        self.phase("orders-check", "every acknowledged order in SQL")
        found = check_orders(
            self.rt, self.orders.acknowledged_ids(), spec, engine=self.sql_engine(), key_prefix=self.orders.key_prefix
        )
        self.report.orders.update(found.to_dict())
        ctx.measure("orders_lost", found.lost)
        if found.lost:
            self.rt.emit(Recorded("orders-lost", {"ids": found.lost_ids}))
            self.rt.emit(
                Notice(
                    f"{found.lost} of {found.acknowledged} acknowledged orders are not in SQL after the fail-back",
                    "warning",
                )
            )
        return found.to_dict()

    def inject(self, ctx: StepContext) -> dict[str, Any]:
        assert self.outage is not None
        self.phase("inject", f"fault on {self.report.source}: {self.outage.describe()}")
        self.injected = True
        try:
            self.outage.stop()
        except BaseException:
            self.undo_inject(ctx)  # a half-done stop is undone here: a failed step has no rollback of its own
            raise
        self.report.injected = self.outage.describe()
        self.report.detection_s = _detect(self.rt, self.report.source, min(self.spec.recovery_timeout_seconds, 10))
        ctx.measure("detection_seconds", self.report.detection_s)
        return {"injected": self.report.injected, "detection_seconds": self.report.detection_s}

    def undo_inject(self, ctx: StepContext) -> str:
        if not (self.injected and self.outage is not None):
            return "already running"
        try:
            self.outage.start()
        except Exception as exc:
            self.report.rollbacks.append(f"restart of {self.report.source} FAILED: {exc}")
            raise
        self.injected = False
        self.report.rollbacks.append(f"restarted {self.report.source}")
        return "restarted"

    def failover(self, ctx: StepContext) -> dict[str, Any]:
        from multicloud_ctl.engine.run import run

        ungraceful = failover_is_ungraceful(self.spec.failover_mode, self.outage)
        how = " (ungraceful: the checks that read the source are skipped)" if ungraceful else ""
        self.phase("failover", f"fail over to {self.fo_spec.to}{how}")
        self.switched = True
        op, out = failover_operation(
            self.fo_spec,
            started=self.rt.clock.timestamp(),
            lock=False,
            ungraceful=ungraceful,
            force_reason=self.force_reason,
            inputs={"to": self.fo_spec.to, "drill": self.report.journal},
        )
        _nested(run(self.rt, op))
        self.report.rto_s, self.report.rpo_s = out.rto_s, out.rpo_s
        ctx.measure("rto_seconds", out.rto_s)
        ctx.measure("rpo_seconds", out.rpo_s)
        return {"journal": out.journal, "rto_seconds": out.rto_s}

    def undo_failover(self, ctx: StepContext) -> str:
        if not self.switched or self.failed_back:
            return "nothing to undo"
        assert self.snapshot is not None
        source = self.report.source
        try:
            restore(
                self.rt,
                self.snapshot,
                self.intended,
                verify=None,
                inputs={"to": source, "drill": self.report.journal, "rollback": True},
            )
        except (Exception, KeyboardInterrupt) as exc:
            self.report.rollbacks.append(f"fail-back FAILED: {exc}")
            raise
        self.failed_back = True
        self.report.rollbacks.append(f"failed back to {source}")
        return "failed back"

    def observe(self, ctx: StepContext) -> None:
        time.sleep(self.spec.steady_state_seconds)

    def recover(self, ctx: StepContext) -> None:
        assert self.outage is not None and self.snapshot is not None
        self.phase("recover", f"start {self.report.source} again")
        self.outage.start()
        self.injected = False
        _wait_answers(self.rt, self.snapshot, self.report.source, self.spec.recovery_timeout_seconds)

    def failback(self, ctx: StepContext) -> None:
        assert self.snapshot is not None
        self.phase("failback", f"restore pools {' > '.join(self.snapshot.default_pools)}")
        restore(
            self.rt,
            self.snapshot,
            self.intended,
            verify=self.steady,
            inputs={"to": self.report.source, "drill": self.report.journal, "failback": True},
        )
        self.failed_back = True

    def after(self, ctx: StepContext) -> dict[str, Any]:
        return self.steady_state("steady-state-after")

    # ---- the verdict --------------------------------------------------------------------------------
    def conclude(self, plan: Plan, result: RunResult) -> dict[str, Any]:
        from multicloud_ctl.engine.events import Recorded

        _judge(self.spec, self.report)
        self.rt.emit(Recorded("report", self.report.to_dict()))
        return self.report.to_dict()

    def judge(self, result: dict[str, Any]) -> Degraded | None:
        if result["status"] == "passed":
            return None
        return Degraded(
            f"drill missed its objectives (journal {self.report.journal})",
            hint="see the table above; the load balancer was failed back",
        )


def drill_operation(
    spec: DrillSpec,
    fo_spec: FailoverSpec,
    *,
    outage: Outage | Brownout | Netem | NftDrop | NsPartition | None,
    inputs: dict[str, Any] | None = None,
    force_reason: str | None = None,
) -> tuple[Operation, DrillReport]:
    """One drill for the run lifecycle (lease "failover"), and the report it fills in as it runs."""
    from multicloud_ctl.engine.run import LockSpec, Operation

    drill = _Drill(spec, fo_spec, outage, force_reason)
    op = Operation(
        "failover drill",
        drill.plan,
        inputs=inputs or {"to": fo_spec.to},
        lock=LockSpec("failover"),
        question=lambda p: (
            f"Run a failover drill on {drill.rt.environment.name} (to {fo_spec.to} and back"
            f"{', stopping ' + p.summary['from'] if outage else ''})?"
        ),
        conclude=drill.conclude,
        judge=drill.judge,
    )
    return op, drill.report


def _warm_up(runtime: Runtime, backup_kind: str) -> None:
    """Load (in the background, never waited for) what the failover preflight will measure.

    The first sync-lag and backup-age measurements of a process import their SDKs and open connections:
    seconds that would otherwise land inside the measured RTO.
    """
    import threading

    from multicloud_ctl.operations.health.checks import backup_age_figure, sync_lag_figure

    def run() -> None:
        for fn, args in ((sync_lag_figure, (runtime,)), (backup_age_figure, (runtime, backup_kind))):
            with contextlib.suppress(Exception):  # only warming up: the preflight reports the real outcome
                fn(*args)

    threading.Thread(target=run, name="drill-warm-up", daemon=True).start()


def _judge(spec: DrillSpec, report: DrillReport) -> None:
    obj = spec.objectives
    report.verdicts = {
        "rto": report.rto_s is not None and report.rto_s <= obj.rto_seconds,
        "rpo": None if report.rpo_s is None or obj.rpo_seconds is None else report.rpo_s <= obj.rpo_seconds,
        "error_rate": (report.error_rate or 0.0) <= obj.max_error_rate,
    }
    if spec.traffic.orders is not None:
        report.verdicts["orders_lost"] = orders_verdict(report.orders, obj.max_orders_lost)
    report.status = "passed" if all(v is not False for v in report.verdicts.values()) else "failed"
