"""Runs a plan: apply (with verification and rollback) or display-only for `--dry-run`.

The dry-run rule lives here, once: the display-only executor runs no step at all, and the provider clients
refuse mutating calls while `runtime.dry_run` is set (a second, independent guard). Rollbacks of completed
steps run in reverse order when a step fails, when verification fails, and on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine.actions import ACTIONS, ActionRegistry
from multicloud_ctl.engine.plan import Plan, Step
from multicloud_ctl.errors import McctlError, OperationFailed

if TYPE_CHECKING:
    from multicloud_ctl.engine.journal import Journal
    from multicloud_ctl.engine.runtime import Runtime


@dataclass
class StepResult:
    step: Step
    status: str  # ok | failed | planned | skipped | rolled_back
    output: Any = None
    error: str | None = None
    duration_s: float = 0.0


@dataclass
class RunResult:
    """What happened: per-step results, verification, rollback, final status."""

    status: str  # ok | planned | failed | rolled_back | interrupted
    steps: list[StepResult] = field(default_factory=list)
    verification: list[StepResult] = field(default_factory=list)
    rollback: list[StepResult] = field(default_factory=list)
    error: McctlError | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "planned")

    def outputs(self) -> dict[str, Any]:
        return {r.step.id: r.output for r in self.steps}


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C for the duration, so rollbacks run when cron or systemd stops us."""
    try:
        previous = signal.getsignal(signal.SIGTERM)
    except ValueError:  # not the main thread
        yield
        return

    def _raise(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, _raise)
    except ValueError:
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@dataclass
class Executor:
    """Applies a plan step by step, journaling each one."""

    runtime: Runtime
    journal: Journal
    registry: ActionRegistry = field(default_factory=lambda: ACTIONS)
    on_step: Callable[[StepResult], None] | None = None

    def run(self, plan: Plan) -> RunResult:
        self.journal.set("plan", plan.to_dict())
        result = RunResult(status="running")
        done: list[Step] = []
        try:
            with sigterm_as_interrupt():
                for step in plan.steps:
                    try:
                        res = self._run_step("steps", step)
                    except _StepFailed as failed:
                        result.steps.append(failed.result)
                        raise
                    result.steps.append(res)
                    done.append(step)
                for check in plan.verify:
                    try:
                        res = self._run_step("verification", check)
                    except _StepFailed as failed:
                        result.verification.append(failed.result)
                        failed.verification = True
                        raise
                    result.verification.append(res)
        except _StepFailed as failed:
            result.rollback = self._rollback(done)
            what = "verification" if failed.verification else "step"
            message = f"{what} {failed.result.step.id!r} failed: {failed.result.error}"
            rolled = " (rolled back)" if result.rollback else ""
            result.status = "rolled_back" if result.rollback else "failed"
            cause = failed.cause
            if failed.verification or not isinstance(cause, McctlError):
                result.error = OperationFailed(message + rolled)
            else:
                result.error = cause
                if rolled:
                    cause.hint = "; ".join(h for h in (cause.hint, "completed steps were rolled back") if h)
            self.journal.finish(result.status, error=message + rolled)
            return result
        except KeyboardInterrupt:
            result.rollback = self._rollback(done)
            result.status = "interrupted"
            result.error = OperationFailed("interrupted" + (" (rolled back)" if result.rollback else ""))
            self.journal.finish("interrupted", error="interrupted by signal")
            raise
        result.status = "ok"
        self.journal.finish("ok", result={"steps": len(result.steps)})
        return result

    def _run_step(self, section: str, step: Step) -> StepResult:
        entry = self.journal.begin(
            section,
            step.id,
            step.description,
            action=step.action,
            provider=step.provider,
            resource=step.resource,
            mutating=step.mutating,
        )
        started = time.monotonic()
        try:
            handler = self.registry.get(step.action)
            output = handler(self.runtime, step.params)
        except KeyboardInterrupt:
            self.journal.end(entry, "interrupted", error="interrupted")
            raise
        except Exception as exc:  # a failure is data in the journal, not a lost stack trace
            res = StepResult(step, "failed", error=str(exc), duration_s=time.monotonic() - started)
            self.journal.end(entry, "failed", error=f"{type(exc).__name__}: {exc}")
            if self.on_step:
                self.on_step(res)
            raise _StepFailed(res, cause=exc) from exc
        res = StepResult(step, "ok", output=output, duration_s=time.monotonic() - started)
        self.journal.end(entry, "ok", output=output)
        if self.on_step:
            self.on_step(res)
        return res

    def _rollback(self, done: list[Step]) -> list[StepResult]:
        results = []
        for step in reversed(done):
            if step.rollback is None:
                continue
            try:
                results.append(self._run_step("rollback", step.rollback))
            except _StepFailed as failed:  # keep rolling back the rest
                results.append(failed.result)
            except KeyboardInterrupt:
                continue  # a second Ctrl-C does not stop the remaining rollbacks
        return results


class _StepFailed(Exception):
    def __init__(self, result: StepResult, *, cause: BaseException | None = None, verification: bool = False) -> None:
        super().__init__(result.error)
        self.result = result
        self.cause = cause
        self.verification = verification


@dataclass
class DisplayExecutor:
    """The `--dry-run` executor: records the plan, runs nothing."""

    runtime: Runtime
    journal: Journal

    def run(self, plan: Plan) -> RunResult:
        self.journal.set("plan", plan.to_dict())
        result = RunResult(status="planned", steps=[StepResult(s, "planned") for s in plan.steps])
        for res in result.steps:
            entry = self.journal.begin(
                "steps", res.step.id, res.step.description, action=res.step.action, mutating=res.step.mutating
            )
            self.journal.end(entry, "planned")
        self.journal.finish("planned", result={"steps": len(plan.steps)})
        return result


def executor_for(runtime: Runtime, journal: Journal, registry: ActionRegistry | None = None) -> Any:
    """The display-only executor under dry run, the applying one otherwise."""
    if runtime.dry_run:
        return DisplayExecutor(runtime, journal)
    return Executor(runtime, journal, registry or ACTIONS)
