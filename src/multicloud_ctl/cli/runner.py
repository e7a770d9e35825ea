"""The CLI's side of the one run lifecycle: a runtime wired to the console, a confirmer, and the plain-plan verbs.

    runtime  = make_runtime(state, dry_run)    # provider clients guarded when dry_run; events -> the console
    outcome  = run_operation(state, Operation(verb, build, lock=LockSpec(...)), dry_run=...)
    print the outcome; outcome.raise_for_status()  # the error carries the exit code

Everything between (lock, plan, dry-run display, confirmation, execution, rollback, signals, journal, final
status) happens once, in `engine/run.py`. `run_mutating` is that path for the verbs whose whole output is the
plan and the step results (provision, deploy, alerts, secrets).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from multicloud_ctl.cli.state import CliState

if TYPE_CHECKING:
    from multicloud_ctl.engine.plan import Plan
    from multicloud_ctl.engine.run import Confirmer, Operation, Outcome
    from multicloud_ctl.engine.runtime import Runtime


def make_runtime(state: CliState, *, dry_run: bool = False) -> Runtime:
    """A runtime for this invocation's environment (dry-run guarded when asked); its events draw on the console."""
    from multicloud_ctl.engine.runtime import Runtime

    runtime = Runtime(environment=state.environment(), dry_run=dry_run, clock=state.clock)
    runtime.events.subscribe(state.console.renderer())
    if state.console.stdin_is_tty:
        runtime.approver = terminal_approver(state)
    return runtime


def terminal_approver(state: CliState) -> Callable[[str, str], bool | None]:
    """Approval steps answered at the operator's terminal (issue 17): `y` approves, `n` rejects, anything else
    asks again; reading never blocks, so `mcctl failover approve STEP` from another terminal works meanwhile."""
    import select

    asked: set[str] = set()

    def poll(step: str, message: str) -> bool | None:
        if step not in asked:
            asked.add(step)
            state.console.warn(f"approve {step!r}? {message} [y/n] (or `mcctl failover approve {step}` elsewhere)")
        try:
            ready, _, _ = select.select([sys.stdin], [], [], 0)
        except (OSError, ValueError):  # stdin closed or not selectable: the file is the only way then
            return None
        if not ready:
            return None
        answer = sys.stdin.readline().strip().lower()
        if answer in ("y", "yes"):
            return True
        if answer in ("n", "no"):
            return False
        state.console.warn(f"approve {step!r}? answer y or n")
        return None

    return poll


def confirmer(state: CliState, *, yes: bool = False) -> Confirmer:
    """Ask on the console (a TTY), refuse off a TTY, pass with `--yes` (global or the verb's own)."""

    def ask(question: str, *, typed: str | None = None) -> None:
        state.console.confirm(question, assume_yes=state.yes or yes, typed=typed)

    return ask


def run_operation(
    state: CliState, op: Operation, *, dry_run: bool = False, yes: bool = False, runtime: Runtime | None = None
) -> Outcome:
    """Run `op` through the lifecycle with this invocation's console; the caller prints and raises."""
    from multicloud_ctl.engine.run import run

    return run(runtime or make_runtime(state, dry_run=dry_run), op, confirm=confirmer(state, yes=yes))


def run_mutating(
    state: CliState,
    verb: str,
    build: Callable[[Runtime], Plan],
    *,
    dry_run: bool,
    inputs: dict[str, Any] | None = None,
    lock_name: str | None = None,
    lease: bool = True,
    question: str | None = None,
    typed_confirmation: str | None = None,
) -> Outcome:
    """A plan-and-apply verb: run it, print the steps (or the dry-run plan), raise the run's error."""
    from multicloud_ctl.engine.run import LockSpec, Operation

    op = Operation(
        verb,
        build,
        inputs=inputs or {},
        lock=LockSpec(lock_name or verb.split()[0], lease=lease),
        question=question,
        typed=typed_confirmation,
    )
    return run_plan_verb(state, op, dry_run=dry_run)


def run_plan_verb(state: CliState, op: Operation, *, dry_run: bool) -> Outcome:
    """Run a plan-and-apply operation, print the steps (or the dry-run plan), raise the run's error."""
    outcome = run_operation(state, op, dry_run=dry_run)
    print_plan_outcome(state, outcome)
    outcome.raise_for_status()
    if not dry_run and outcome.execution is not None:
        steps = len(outcome.execution.steps)
        state.console.success(f"{op.verb}: {steps} step(s) applied (journal {outcome.run_id})")
    return outcome


def print_plan_outcome(state: CliState, outcome: Outcome) -> None:
    """JSON mode: one document for the run; otherwise the dry-run summary line (the plan table is already out)."""
    console = state.console
    plan = outcome.plan
    if outcome.dry_run:
        if plan is None:
            return
        if console.json_mode:
            console.print_json({"dry_run": True, "journal": outcome.run_id, **plan.to_dict()})
        else:
            console.info(f"dry run: {len(plan.mutating_steps)} change(s) planned, none made (journal {outcome.run_id})")
        return
    if not console.json_mode or plan is None:
        return
    execution = outcome.execution
    if execution is None:
        if outcome.ok:
            console.print_json({"dry_run": False, "journal": outcome.run_id, "status": "ok", **plan.to_dict()})
        return
    console.print_json(
        {
            "dry_run": False,
            "journal": outcome.run_id,
            "status": outcome.status.value,
            "steps": [
                {"id": r.step.id, "status": r.status, "output": r.output, "error": r.error} for r in execution.steps
            ],
            "rollback": [{"id": r.step.id, "status": r.status} for r in execution.rollback],
        }
    )
