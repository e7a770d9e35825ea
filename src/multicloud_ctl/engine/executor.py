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

import threading
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from multicloud_ctl.engine import events as ev
from multicloud_ctl.engine.actions import ACTIONS, ActionRegistry
from multicloud_ctl.engine.events import RunStatus
from multicloud_ctl.engine.plan import Plan, Step
from multicloud_ctl.errors import Interrupted, McctlError, OperationFailed

if TYPE_CHECKING:
    from multicloud_ctl.engine.runtime import Runtime


@dataclass
class StepResult:
    step: Step
    status: str  # ok | failed | interrupted | stopped
    output: Any = None
    error: str | None = None
    duration_s: float = 0.0


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

    def _run_step(self, section: str, step: Step) -> StepResult:
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
        stop = threading.Event()
        try:
            if step.mutating and self.runtime.fence is not None:
                self.runtime.fence()  # still the lease holder? (LeaseLost otherwise: fail before mutating)
            if step.call is not None:
                ctx = StepContext(self.runtime, step, self.bus, stop)
                with self.interrupts.stoppable(stop) if step.stoppable else nullcontext():
                    output = step.call(ctx)
            else:
                output = self.registry.get(step.action)(self.runtime, step.params)
        except KeyboardInterrupt:
            self._finished(section, step, "interrupted", started, error="interrupted")
            raise
        except Exception as exc:  # a failure is data in the journal, not a lost stack trace
            res = StepResult(step, "failed", error=str(exc), duration_s=time.monotonic() - started)
            self._finished(section, step, "failed", started, error=f"{type(exc).__name__}: {exc}")
            raise _StepFailed(res, cause=exc) from exc
        status = "stopped" if stop.is_set() and not step.follow else "ok"
        self._finished(section, step, status, started, output=output)
        return StepResult(step, status, output=output, duration_s=time.monotonic() - started)

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


class _StepFailed(Exception):
    def __init__(self, result: StepResult, *, cause: BaseException | None = None, verification: bool = False) -> None:
        super().__init__(result.error)
        self.result = result
        self.cause = cause
        self.verification = verification
