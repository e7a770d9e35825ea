"""Runs a plan's steps: apply, verify, roll back on failure or interruption. Emits events; prints nothing.

The executor is the *execute* phase of the one run lifecycle (`engine/run.py`), which owns everything around
it: confirmation, locks, the journal, signals and the final status. It is never used for `--dry-run`: the
lifecycle shows the plan and stops, and the provider clients refuse mutating calls while the runtime is a dry
run (a second, independent guard).

Rollbacks of completed steps run in reverse order when a step fails, when verification fails, and when the
run is interrupted; signals that arrive during rollback are held until it has finished. A step that raises
is data in the journal (its error), not a lost stack trace.
"""

from __future__ import annotations

import heapq
import threading
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from multicloud_ctl.engine import events as ev
from multicloud_ctl.engine.actions import ACTIONS, ActionRegistry
from multicloud_ctl.engine.events import RunStatus
from multicloud_ctl.engine.plan import Plan, Step, critical_heights, dependencies
from multicloud_ctl.errors import Interrupted, McctlError, OperationFailed

if TYPE_CHECKING:
    from multicloud_ctl.engine.runtime import Runtime

TIMEOUT_GRACE_S = 10.0  # how long a step over its time limit is given to stop before the rollback starts


@dataclass
class StepResult:
    step: Step
    status: str  # ok | failed | interrupted | stopped
    output: Any = None
    error: str | None = None
    duration_s: float = 0.0
    started_at: float | None = None  # Unix seconds on the runtime's clock when the step started


@dataclass
class RunResult:
    """What the execute phase did: per-step results, verification, rollback, status and error."""

    status: RunStatus
    steps: list[StepResult] = field(default_factory=list)
    verification: list[StepResult] = field(default_factory=list)
    rollback: list[StepResult] = field(default_factory=list)
    error: McctlError | None = None
    # Unix seconds on the runtime's clock when the run was confirmed (or went ahead unasked), set by the run
    # lifecycle: the origin of a recovery time that must not count the operator's time at the prompt
    confirmed_at: float | None = None

    @property
    def ok(self) -> bool:
        return self.status is RunStatus.OK

    def outputs(self) -> dict[str, Any]:
        return {r.step.id: r.output for r in (*self.steps, *self.verification)}


class Interrupts(Protocol):
    """How signals behave around a step (implemented by the lifecycle's signal guard)."""

    def stoppable(self, stop: threading.Event) -> AbstractContextManager[None]:
        """A first signal sets `stop` (the step ends at a safe point); a second one interrupts."""

    def shielded(self) -> AbstractContextManager[None]:
        """Signals are held until the block ends (rollbacks must finish)."""


class _NoInterrupts:
    def stoppable(self, stop: threading.Event) -> AbstractContextManager[None]:
        return nullcontext()

    def shielded(self) -> AbstractContextManager[None]:
        return nullcontext()


class StepContext:
    """What a bulk step's function receives: the runtime, progress counts, a stop flag and the event bus."""

    def __init__(self, runtime: Runtime, step: Step, bus: ev.EventBus, stop: threading.Event) -> None:
        self.runtime = runtime
        self.step = step
        self.bus = bus
        self.stop = stop

    @property
    def stop_requested(self) -> bool:
        return self.stop.is_set()

    def advance(self, amount: float = 1, *, detail: str = "") -> None:
        """Count work done (screen only; the step's returned summary carries the totals)."""
        self.bus.emit(ev.Progress(self.step.id, advance=amount, detail=detail))

    def set_total(self, total: float | None, *, detail: str = "") -> None:
        self.bus.emit(ev.Progress(self.step.id, total=total, detail=detail))

    def record(self, key: str, value: Any) -> None:
        self.bus.emit(ev.Recorded(key, value))

    def measure(self, name: str, value: Any) -> None:
        self.bus.emit(ev.Measured(name, value))

    def notice(self, message: str, level: str = "info") -> None:
        self.bus.emit(ev.Notice(message, level))


@dataclass
class Executor:
    """Applies a plan step by step, emitting a StepStarted / StepFinished pair per step."""

    runtime: Runtime
    bus: ev.EventBus
    registry: ActionRegistry = field(default_factory=lambda: ACTIONS)
    interrupts: Interrupts = field(default_factory=_NoInterrupts)

    def run(self, plan: Plan) -> RunResult:
        result = RunResult(status=RunStatus.OK)
        done: list[Step] = []
        try:
            if plan.is_workflow:
                self._run_workflow(plan, result, done)
            else:
                for step in plan.steps:
                    res = self._run_step("steps", step)
                    result.steps.append(res)
                    if res.status == "stopped":
                        raise KeyboardInterrupt
                    done.append(step)
            for check in plan.verify:
                try:
                    res = self._run_step("verification", check)
                except _StepFailed as failed:
                    failed.verification = True
                    raise
                result.verification.append(res)
        except _StepFailed as failed:
            (result.verification if failed.verification else result.steps).append(failed.result)
            result.rollback = self._rollback(done)
            what = "verification" if failed.verification else "step"
            message = f"{what} {failed.result.step.id!r} failed: {failed.result.error}"
            rolled = " (rolled back)" if result.rollback else ""
            result.status = RunStatus.ROLLED_BACK if result.rollback else RunStatus.FAILED
            cause = failed.cause
            if failed.verification or not isinstance(cause, McctlError):
                result.error = OperationFailed(message + rolled)
            else:
                result.error = cause
                if rolled:
                    cause.hint = "; ".join(h for h in (cause.hint, "completed steps were rolled back") if h)
            return result
        except KeyboardInterrupt:
            result.rollback = self._rollback(done)
            result.status = RunStatus.INTERRUPTED
            rolled = f"; {len(result.rollback)} rollback step(s) ran" if result.rollback else ""
            result.error = Interrupted(
                f"interrupted after {len(done)} of {len(plan.steps)} step(s){rolled}",
                hint="`mcctl journal show last` lists what completed",
            )
        return result

    def _run_workflow(self, plan: Plan, result: RunResult, done: list[Step]) -> None:
        """Run the steps as their prerequisites finish, at most `plan.parallelism` at once.

        Of the steps whose prerequisites have finished, the one heading the longest chain of expected time
        (the steps' `weight`, see `critical_heights`) starts first, then plan order. A failure (or a step over
        its time limit) starts nothing new; the steps already running finish, and then everything that
        completed is rolled back in reverse order of completion. A first signal does the same (stoppable steps
        stop at their next safe point); the run ends interrupted.
        """
        from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

        graph = dependencies(plan.steps)
        heights = critical_heights(graph, {s.id: s.weight for s in plan.steps})
        # Kahn's algorithm: each step counts its unfinished prerequisites (all of them steps of this plan: the
        # plan refuses others) and can start at zero; those wait in a heap (`startable`) by height, then plan
        # order. Rescanning every waiting step on every wake-up cost ~90 ms of the scheduling thread, holding
        # the GIL, in the sandbox's 210-step apply (py-spy).
        unfinished = {s.id: len(set(graph[s.id])) for s in plan.steps}
        dependents: dict[str, list[int]] = {}
        for index, s in enumerate(plan.steps):
            for prerequisite in set(graph[s.id]):
                dependents.setdefault(prerequisite, []).append(index)
        startable = [(-heights[s.id], i) for i, s in enumerate(plan.steps) if unfinished[s.id] == 0]
        heapq.heapify(startable)
        not_started = len(plan.steps)
        running: dict[Future[StepResult], Step] = {}
        failure: _StepFailed | None = None
        stop = threading.Event()
        interrupted = False
        pool = ThreadPoolExecutor(max_workers=plan.parallelism, thread_name_prefix="mcctl-step")
        try:
            with self.interrupts.stoppable(stop):
                while True:
                    if failure is None and not stop.is_set():
                        while startable and len(running) < plan.parallelism:
                            step = plan.steps[heapq.heappop(startable)[1]]
                            not_started -= 1
                            running[pool.submit(self._run_step, "steps", step, stop)] = step
                    if not running:
                        break
                    try:
                        ready, _ = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
                    except KeyboardInterrupt:  # a second signal: nothing new starts; the running steps finish
                        interrupted = True
                        stop.set()
                        continue
                    for future in ready:
                        step = running.pop(future)
                        try:
                            res = future.result()
                        except _StepFailed as failed:
                            result.steps.append(failed.result)
                            if failed.timed_out:
                                done.append(step)  # it may have acted before its time ran out: undo it too
                            failure = failure or failed
                            continue
                        except KeyboardInterrupt:
                            interrupted = True
                            stop.set()
                            continue
                        result.steps.append(res)
                        if res.status == "stopped":
                            interrupted = True
                            continue
                        done.append(step)
                        for index in dependents.get(step.id, ()):
                            after = plan.steps[index]
                            unfinished[after.id] -= 1
                            if unfinished[after.id] == 0:
                                heapq.heappush(startable, (-heights[after.id], index))
        finally:
            pool.shutdown(wait=True)
        if failure is not None:
            raise failure
        if interrupted or stop.is_set() or not_started:
            raise KeyboardInterrupt

    def _run_step(self, section: str, step: Step, stop: threading.Event | None = None) -> StepResult:
        self.bus.emit(
            ev.StepStarted(
                section,
                step.id,
                step.description,
                action=step.action,
                provider=step.provider,
                resource=step.resource,
                mutating=step.mutating,
                total=step.total,
                unit=step.unit,
            )
        )
        started = time.monotonic()
        started_at = self.runtime.clock.timestamp()
        in_workflow = stop is not None
        stop = stop if stop is not None else threading.Event()
        try:
            if step.mutating and self.runtime.fence is not None:
                self.runtime.fence()  # still the lease holder? (LeaseLost otherwise: fail before mutating)
            if step.timeout_s is not None:
                output = self._within(step, stop)
            elif step.call is not None:
                ctx = StepContext(self.runtime, step, self.bus, stop)
                guard = self.interrupts.stoppable(stop) if step.stoppable and not in_workflow else nullcontext()
                with guard:
                    output = step.call(ctx)
            else:
                output = self.registry.get(step.action)(self.runtime, step.params)
        except KeyboardInterrupt:
            self._finished(section, step, "interrupted", started, error="interrupted")
            raise
        except Exception as exc:  # a failure is data in the journal, not a lost stack trace
            res = StepResult(
                step, "failed", error=str(exc), duration_s=time.monotonic() - started, started_at=started_at
            )
            self._finished(section, step, "failed", started, error=f"{type(exc).__name__}: {exc}")
            raise _StepFailed(res, cause=exc, timed_out=isinstance(exc, StepTimedOut)) from exc
        status = "stopped" if stop.is_set() and step.stoppable and not step.follow else "ok"
        self._finished(section, step, status, started, output=output)
        return StepResult(step, status, output=output, duration_s=time.monotonic() - started, started_at=started_at)

    def _within(self, step: Step, stop: threading.Event) -> Any:
        """Run `step` on its own thread and wait at most `step.timeout_s` for it (StepTimedOut after that).

        A thread cannot be killed: a step over its time is asked to stop (stoppable steps check the flag) and
        given a short grace to return; what it did is undone by the rollback either way.
        """
        assert step.timeout_s is not None
        box: dict[str, Any] = {}

        def target() -> None:
            try:
                if step.call is not None:
                    box["output"] = step.call(StepContext(self.runtime, step, self.bus, stop))
                else:
                    box["output"] = self.registry.get(step.action)(self.runtime, step.params)
            except BaseException as exc:  # handed to the waiting thread
                box["error"] = exc

        worker = threading.Thread(target=target, name=f"mcctl-step-{step.id}", daemon=True)
        worker.start()
        worker.join(step.timeout_s)
        if worker.is_alive():
            stop.set()
            worker.join(min(TIMEOUT_GRACE_S, step.timeout_s))
            still = "; still running when the rollback started" if worker.is_alive() else ""
            raise StepTimedOut(f"step {step.id!r} did not finish within {step.timeout_s:g} s{still}")
        if "error" in box:
            raise box["error"]
        return box.get("output")

    def _finished(
        self, section: str, step: Step, status: str, started: float, *, output: Any = None, error: str | None = None
    ) -> None:
        self.bus.emit(ev.StepFinished(section, step.id, status, time.monotonic() - started, output, error))

    def _rollback(self, done: list[Step]) -> list[StepResult]:
        results = []
        with self.interrupts.shielded():
            for step in reversed(done):
                if step.rollback is None:
                    continue
                try:
                    results.append(self._run_step("rollback", step.rollback))
                except _StepFailed as failed:  # keep rolling back the rest
                    results.append(failed.result)
                except KeyboardInterrupt:  # only without a shield (a test harness): still finish the rest
                    continue
        return results


class StepTimedOut(OperationFailed):
    """A workflow step ran past its `timeout_s`."""


class _StepFailed(Exception):
    def __init__(
        self,
        result: StepResult,
        *,
        cause: BaseException | None = None,
        verification: bool = False,
        timed_out: bool = False,
    ) -> None:
        super().__init__(result.error)
        self.result = result
        self.cause = cause
        self.verification = verification
        self.timed_out = timed_out
