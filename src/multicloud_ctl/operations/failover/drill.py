"""A failover drill: steady state, inject, fail over, verify, recover, fail back, steady state again.

    lock "failover" -> snapshot LB -> steady state (edge serves the source) -> traffic generator on
      -> [inject outage of the source] -> failover (preflight, switch, verify; RTO, RPO)
      -> restart the injected side, wait until it answers -> fail back to the snapshot, verify
      -> steady state again -> traffic off -> report against the objectives

Rollbacks (start the injected side again, restore the load balancer to the snapshot) run in `finally`, so
they happen when a phase fails AND on Ctrl-C / SIGTERM; a second Ctrl-C does not stop them.
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine.plan import Plan, Step
from multicloud_ctl.errors import OperationFailed, PreflightFailed
from multicloud_ctl.operations.failover.lbstate import LbSnapshot, read_intended, read_state
from multicloud_ctl.operations.failover.switch import failover, transition_steps, verify_step
from multicloud_ctl.operations.failover.traffic import TrafficGenerator
from multicloud_ctl.operations.failover.verify import verify_serving

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.failover import DrillSpec, FailoverSpec
    from multicloud_ctl.engine.journal import Journal
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.inject import Outage


@dataclass
class DrillReport:
    to: str
    source: str
    journal: str
    status: str = "running"  # passed | failed | error | interrupted
    injected: str | None = None
    rto_s: float | None = None
    rpo_s: float | None = None
    traffic: dict[str, Any] = field(default_factory=dict)
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
            "rto_seconds": self.rto_s,
            "rpo_seconds": self.rpo_s,
            "error_rate": self.error_rate,
            "traffic": self.traffic,
            "objectives": self.objectives,
            "verdicts": self.verdicts,
            "phases": self.phases,
            "rollbacks": self.rollbacks,
            "error": self.error,
        }


@contextmanager
def sigint_ignored() -> Iterator[None]:
    """Let rollbacks finish even if the operator presses Ctrl-C again."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def restore(
    runtime: Runtime,
    snapshot: LbSnapshot,
    intended: dict[str, Any] | None,
    *,
    verify: Step | None,
    inputs: dict[str, Any],
) -> None:
    """Put the load balancer back as `snapshot` says (and intended.json as it was), verified when asked."""
    from multicloud_ctl.engine.executor import Executor

    current = read_state(runtime, with_health=False)
    steps = transition_steps(current, snapshot, prefix="failback-")
    steps.append(
        Step(
            "failback-record-intended",
            "failover.record_intended",
            "restore intended state",
            params={"intended": intended},
        )
    )
    result = Executor(runtime, runtime.journal("failover", inputs)).run(
        Plan("failover", tuple(steps), (verify,) if verify else ())
    )
    if result.error is not None:
        raise result.error


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


def run_drill(
    runtime: Runtime,
    spec: DrillSpec,
    fo_spec: FailoverSpec,
    *,
    outage: Outage | None,
    on_phase: Callable[[str], None] = lambda _: None,
    inputs: dict[str, Any] | None = None,
    force_reason: str | None = None,
) -> DrillReport:
    """Run one drill; rollbacks always run. Returns the report (status passed/failed) or raises."""
    from multicloud_ctl.engine.lock import run_lock

    journal = runtime.journal("failover drill", inputs or {"to": spec.to})
    report = DrillReport(fo_spec.to, "?", journal.run_id, objectives=spec.objectives.model_dump())
    try:
        with run_lock(runtime, "failover"):
            _drill(runtime, spec, fo_spec, outage, on_phase, journal, report, force_reason)
    except BaseException as exc:
        from multicloud_ctl.errors import SafetyRefused

        report.status = (
            "interrupted"
            if isinstance(exc, KeyboardInterrupt)
            else "refused"
            if isinstance(exc, SafetyRefused)
            else "error"
        )
        report.error = str(exc) or type(exc).__name__
        journal.set("report", report.to_dict())
        journal.finish(report.status, error=report.error)
        raise
    journal.set("report", report.to_dict())
    journal.finish(report.status, result={"rto_seconds": report.rto_s, "error_rate": report.error_rate})
    return report


def _phase(journal: Journal, report: DrillReport, on_phase: Callable[[str], None], name: str, text: str) -> Any:
    on_phase(f"{name}: {text}")
    entry = journal.begin("steps", name, text)
    report.phases.append({"phase": name, "at": time.time()})
    return entry


def _drill(
    runtime: Runtime,
    spec: DrillSpec,
    fo_spec: FailoverSpec,
    outage: Outage | None,
    on_phase: Callable[[str], None],
    journal: Journal,
    report: DrillReport,
    force_reason: str | None = None,
) -> None:
    snapshot = read_state(runtime)
    intended = read_intended(runtime.state_dir)
    journal.set("before", snapshot.to_dict())
    source = snapshot.serving_pool() or "?"
    report.source = source
    if source == fo_spec.to:
        raise PreflightFailed(
            f"pool {fo_spec.to} already serves: nothing to drill",
            hint=f"drill the other direction: --to {source}",
        )
    steady = verify_step(runtime, snapshot, source, fo_spec.verify, "steady-state")

    def steady_state(name: str) -> None:
        entry = _phase(journal, report, on_phase, name, f"the edge serves from {source}")
        p = dict(steady.params)
        out = verify_serving(
            url=p["url"],
            host=p["host"],
            header=p["header"],
            expect=set(p["expect"]),
            deadline_s=spec.recovery_timeout_seconds,
            interval_s=0.05,
            consecutive=3,
            timeout_s=p["request_timeout_seconds"],
        )
        journal.end(entry, "ok", output=out)

    _warm_up(runtime, fo_spec.preflight.backup_kind)
    try:
        steady_state("steady-state-before")
    except OperationFailed as exc:
        raise PreflightFailed(f"steady state not met before the drill: {exc}") from None
    edge = dict(steady.params)
    traffic = TrafficGenerator(
        edge["url"].rsplit("/", 1)[0] + spec.traffic.path,
        host=edge["host"],
        rate=spec.traffic.rate_per_second,
        workers=spec.traffic.workers,
        timeout=spec.traffic.timeout_seconds,
    ).start()
    injected = switched = failed_back = False
    try:
        time.sleep(spec.steady_state_seconds)
        if outage is not None:
            entry = _phase(journal, report, on_phase, "inject", f"outage of {source}: {outage.describe()}")
            injected = True
            outage.stop()
            report.injected = outage.describe()
            journal.end(entry, "ok")
        entry = _phase(journal, report, on_phase, "failover", f"fail over to {fo_spec.to}")
        switched = True
        outcome = failover(
            runtime,
            fo_spec,
            started=time.time(),
            lock=False,
            force_reason=force_reason,
            inputs={"to": fo_spec.to, "drill": journal.run_id},
        )
        report.rto_s, report.rpo_s = outcome.rto_s, outcome.rpo_s
        journal.end(entry, "ok", output={"journal": outcome.journal, "rto_seconds": outcome.rto_s})
        journal.measure("rto_seconds", report.rto_s)
        journal.measure("rpo_seconds", report.rpo_s)
        time.sleep(spec.steady_state_seconds)
        if injected and outage is not None:
            entry = _phase(journal, report, on_phase, "recover", f"start {source} again")
            outage.start()
            injected = False
            _wait_answers(runtime, snapshot, source, spec.recovery_timeout_seconds)
            journal.end(entry, "ok")
        entry = _phase(journal, report, on_phase, "failback", f"restore pools {' > '.join(snapshot.default_pools)}")
        restore(
            runtime,
            snapshot,
            intended,
            verify=steady,
            inputs={"to": source, "drill": journal.run_id, "failback": True},
        )
        failed_back = True
        journal.end(entry, "ok")
        steady_state("steady-state-after")
    finally:
        with sigint_ignored():
            if injected and outage is not None:
                try:
                    outage.start()
                    report.rollbacks.append(f"restarted {source}")
                except Exception as exc:  # keep rolling back the rest
                    report.rollbacks.append(f"restart of {source} FAILED: {exc}")
            if switched and not failed_back:
                try:
                    restore(
                        runtime,
                        snapshot,
                        intended,
                        verify=None,
                        inputs={"to": source, "drill": journal.run_id, "rollback": True},
                    )
                    report.rollbacks.append(f"failed back to {source}")
                except Exception as exc:
                    report.rollbacks.append(f"fail-back FAILED: {exc}")
            report.traffic = traffic.stop()
            if report.rollbacks:
                journal.set(
                    "rollback",
                    [{"id": r, "status": "ok" if "FAILED" not in r else "failed"} for r in report.rollbacks],
                )
    _judge(spec, report)


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
    report.status = "passed" if all(v is not False for v in report.verdicts.values()) else "failed"
