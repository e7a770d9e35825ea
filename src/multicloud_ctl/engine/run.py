"""The one run lifecycle: every verb that changes anything, or writes a journal, runs through `run()`.

    journal opened ─► lock (local file lock + environment lease; never under --dry-run)
      ─► plan (read-only calls; PlanReady is what a dry run shows and what the operator confirms)
      ─► gate (the operation's safety verdict on the plan it showed: refused here, dry run or not)
      ─► --dry-run: stop here, status ok ─► nothing to do: stop here, status ok
      ─► confirm (TTY prompt, --yes, refused off a TTY) ─► execute (executor: steps, verify, rollback)
      ─► conclude (the operation's summary; Degraded -> degraded) ─► locks released ─► journal closed

A verb describes its work as an `Operation` (a plan builder plus a few declarations) and never writes its own
confirmation, locking, journaling, signal handling or dry-run branch. The final status is one of `RunStatus`
(ok, failed, interrupted, rolled_back, refused, degraded) and is always written: every exit from `run()`,
including refusals, Ctrl-C and SIGTERM, closes the journal with a status (`journal list` never shows a live
`running` for a run that has ended).

Signals: SIGINT and SIGTERM raise `KeyboardInterrupt` in the main thread, so the executor rolls back what
completed; inside a `stoppable` bulk step the first signal asks the step to stop at its next safe point and a
second one interrupts; during rollback they are held. Events go to `runtime.events` (the console renders
them); during a run that bus forwards to the screen and feeds the journal.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import TYPE_CHECKING, Any, Protocol

from multicloud_ctl.engine import events as ev
from multicloud_ctl.engine.events import RunStatus
from multicloud_ctl.engine.executor import Executor, RunResult
from multicloud_ctl.engine.journal import Journal, journal_dir
from multicloud_ctl.engine.plan import Plan
from multicloud_ctl.errors import Degraded, Interrupted, LockHeld, McctlError, SafetyRefused

if TYPE_CHECKING:
    from multicloud_ctl.engine.actions import ActionRegistry
    from multicloud_ctl.engine.runtime import Runtime


@dataclass(frozen=True)
class LockSpec:
    """Which lock a run takes: the local file lock `name`, and the environment lease of that name if `lease`.

    `reclaim(runtime)` may free a lease left by a dead run on this machine; it returns the dead owner (then
    the lock is tried once more, on the record) or None. By default (`reclaim=None`) a lease whose owner is a
    process of this host that no longer exists is reclaimed (`engine/reclaim.py`), for every verb.
    """

    name: str
    lease: bool = True
    reclaim: Callable[[Runtime], str | None] | None = None


class Confirmer(Protocol):
    def __call__(self, question: str, *, typed: str | None = None) -> None:
        """Return if the operator agrees; raise ConfirmationDeclined otherwise."""


def assume_yes(question: str, *, typed: str | None = None) -> None:
    """The confirmer of unattended callers that have already been authorised (`--yes`, a scheduled function)."""


@dataclass
class Operation:
    """What a verb hands to the lifecycle.

    - `plan(runtime)` builds the plan with read-only calls (the runtime is guarded under `--dry-run`).
    - `question(plan)` is what the operator confirms (default: "Apply N change(s) to ENV?"); `typed` asks them
      to type a word instead (destroy). Every operation is confirmed: catch-up work too (`sync run`, `sync
      replay`, `cost seed`), so unattended callers say `--yes` as for any other change (issue 21 item 7).
    - `view(plan)` is an optional table shown above the plan's steps (failover's preflight results).
    - `conclude(plan, result)` turns a successful execution into the run's result (JSON-able, journaled);
      `judge(result)` may then return an error: `Degraded` ends the run `degraded` (exit 3), any other
      `failed`. The result is journaled either way.
    - `dry_result(plan)` is the result of a dry run (default: the plan's summary).
    - `gate(plan)` may return a `SafetyRefused` after the plan and its view are shown and journaled (so the
      operator sees every reason at once): the run is refused there, in a dry run too, before any question.
    """

    verb: str
    plan: Callable[[Runtime], Plan]
    inputs: dict[str, Any] = field(default_factory=dict)
    lock: LockSpec | None = None
    question: Callable[[Plan], str] | str | None = None
    typed: str | None = None
    view: Callable[[Plan], ev.PlanView | None] | None = None
    conclude: Callable[[Plan, RunResult], Any] | None = None
    judge: Callable[[Any], McctlError | None] | None = None
    dry_result: Callable[[Plan], Any] | None = None
    gate: Callable[[Plan], SafetyRefused | None] | None = None
    registry: ActionRegistry | None = None


@dataclass
class Outcome:
    """How a run ended: its status, journal id, plan, execution and result."""

    status: RunStatus
    run_id: str
    dry_run: bool
    plan: Plan | None = None
    execution: RunResult | None = None
    result: Any = None
    error: McctlError | None = None

    @property
    def ok(self) -> bool:
        return self.status is RunStatus.OK

    def raise_for_status(self) -> None:
        """Raise the run's error (its exit code is the verb's), if it has one."""
        if self.error is not None:
            raise self.error


def run(runtime: Runtime, op: Operation, *, confirm: Confirmer = assume_yes) -> Outcome:
    """Run `op` through the whole lifecycle; never raises for an expected failure (see `Outcome.error`).

    Unexpected exceptions (bugs) are journaled as `failed` and re-raised.
    """
    journal = Journal.create(
        journal_dir(runtime.state_dir), op.verb, clock=runtime.clock, redactor=runtime.secrets.redactor
    )
    outer, outer_id = runtime.events, runtime.run_id
    bus = ev.EventBus(runtime.screen)  # a nested run reports to the screen, never into its parent's journal
    bus.subscribe(journal, critical=True)
    runtime.events, runtime.run_id = bus, journal.run_id
    outcome = Outcome(RunStatus.FAILED, journal.run_id, runtime.dry_run)
    started = time.monotonic()
    guard = SignalGuard.current() or SignalGuard()
    try:
        with guard.installed():
            bus.emit(ev.RunStarted(journal.run_id, op.verb, runtime.environment.name, runtime.dry_run, op.inputs))
            try:
                _lifecycle(runtime, op, confirm, bus, guard, outcome)
            except KeyboardInterrupt:
                outcome.status = RunStatus.INTERRUPTED
                before = outcome.execution is None
                outcome.error = Interrupted(
                    "interrupted before any change was made" if before else "interrupted after the steps completed",
                    hint="`mcctl journal show last` has the record",
                )
            except SafetyRefused as exc:
                outcome.status, outcome.error = RunStatus.REFUSED, exc
            except Degraded as exc:
                outcome.status, outcome.error = RunStatus.DEGRADED, exc
            except McctlError as exc:
                outcome.status, outcome.error = RunStatus.FAILED, exc
            except BaseException as exc:
                _finish(bus, outcome, started, error=f"internal error: {type(exc).__name__}: {exc}")
                raise
            _finish(bus, outcome, started)
    finally:
        runtime.events, runtime.run_id = outer, outer_id
        journal.close()
    return outcome


def _lifecycle(
    runtime: Runtime, op: Operation, confirm: Confirmer, bus: ev.EventBus, guard: SignalGuard, outcome: Outcome
) -> None:
    held = ExitStack()
    try:
        if op.lock is not None and not runtime.dry_run:
            bus.emit(ev.PhaseStarted("lock", f"lock {op.lock.name}"))
            _take_lock(runtime, op.lock, held, bus)
        bus.emit(ev.PhaseStarted("plan", f"plan {op.verb}"))
        plan = op.plan(runtime)
        outcome.plan = plan
        bus.emit(ev.PlanReady(plan, op.view(plan) if op.view else None))
        refusal = op.gate(plan) if op.gate else None
        if refusal is not None:
            raise refusal
        if runtime.dry_run:
            outcome.status = RunStatus.OK
            outcome.result = op.dry_result(plan) if op.dry_result else dict(plan.summary)
            return
        if plan.is_empty:
            outcome.status = RunStatus.OK
            outcome.result = _conclude(op, plan, RunResult(RunStatus.OK))
            return
        bus.emit(ev.PhaseStarted("confirm"))
        confirm(_question(runtime, op, plan), typed=op.typed)
        confirmed_at = runtime.clock.timestamp()  # the operator's time at the prompt ends here
        bus.emit(ev.PhaseStarted("execute", f"{len(plan.steps)} step(s)"))
        execution = Executor(runtime, bus, op.registry or _default_registry(), interrupts=guard).run(plan)
        execution.confirmed_at = confirmed_at
        outcome.execution = execution
        outcome.status, outcome.error = execution.status, execution.error
        if execution.ok:
            outcome.result = _conclude(op, plan, execution)
            verdict = op.judge(outcome.result) if op.judge else None
            if verdict is not None:
                outcome.error = verdict
                outcome.status = RunStatus.DEGRADED if isinstance(verdict, Degraded) else RunStatus.FAILED
    finally:
        with guard.shielded():  # a second Ctrl-C must not leave the lease behind
            held.close()


def _conclude(op: Operation, plan: Plan, execution: RunResult) -> Any:
    if op.conclude is None:
        return {"steps": len(execution.steps)}
    return op.conclude(plan, execution)


def _question(runtime: Runtime, op: Operation, plan: Plan) -> str:
    if callable(op.question):
        return op.question(plan)
    return op.question or f"Apply {len(plan.mutating_steps)} change(s) to {runtime.environment.name}?"


def _take_lock(runtime: Runtime, spec: LockSpec, held: ExitStack, bus: ev.EventBus) -> None:
    from multicloud_ctl.engine.lock import run_lock

    try:
        held.enter_context(run_lock(runtime, spec.name, lease=spec.lease))
    except LockHeld:
        # A run killed on this machine leaves its lease behind: reclaim it once, on the record.
        from multicloud_ctl.engine.reclaim import reclaim_dead_lease

        reclaim = spec.reclaim or (lambda rt: reclaim_dead_lease(rt, spec.name))
        dead = reclaim(runtime) if spec.lease else None
        if not dead:
            raise
        bus.emit(ev.Recorded("reclaimed_lease", {"name": spec.name, "dead_owner": dead}))
        held.enter_context(run_lock(runtime, spec.name, lease=spec.lease))


def _finish(bus: ev.EventBus, outcome: Outcome, started: float, *, error: str | None = None) -> None:
    message = error or (str(outcome.error) if outcome.error is not None else None)
    bus.emit(ev.RunFinished(outcome.run_id, outcome.status.value, time.monotonic() - started, outcome.result, message))


def _default_registry() -> ActionRegistry:
    from multicloud_ctl.engine.actions import ACTIONS

    return ACTIONS


class SignalGuard:
    """SIGINT and SIGTERM for the duration of a run (main thread only; elsewhere signals are not ours).

    Signal handlers are process-wide, so there is one guard per process at a time: a run nested in another
    (a drill's failover) shares its parent's guard, and a signal held during the parent's rollback stays held.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)
    _active: list[SignalGuard] = []  # the guards installed in this process, innermost last

    def __init__(self) -> None:
        self.received: list[int] = []
        self._stop: threading.Event | None = None
        self._shield = 0
        self._depth = 0

    @classmethod
    def current(cls) -> SignalGuard | None:
        return cls._active[-1] if cls._active else None

    @contextmanager
    def installed(self) -> Iterator[None]:
        if self._depth or threading.current_thread() is not threading.main_thread():
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        previous = {sig: signal.getsignal(sig) for sig in self.SIGNALS}
        for sig in self.SIGNALS:
            signal.signal(sig, self._handle)
        self._depth += 1
        SignalGuard._active.append(self)
        try:
            yield
        finally:
            SignalGuard._active.remove(self)
            self._depth -= 1
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)
        if self._shield:
            return
        if self._stop is not None and not self._stop.is_set():
            self._stop.set()
            return
        raise KeyboardInterrupt

    @contextmanager
    def stoppable(self, stop: threading.Event) -> Iterator[None]:
        previous, self._stop = self._stop, stop
        try:
            yield
        finally:
            self._stop = previous

    @contextmanager
    def shielded(self) -> Iterator[None]:
        self._shield += 1
        try:
            yield
        finally:
            self._shield -= 1
