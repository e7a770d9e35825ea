"""The one path every mutating verb takes: plan, show, confirm, lock, apply, journal, report.

runtime  = Runtime(env, dry_run)           # provider clients guarded when dry_run
plan     = build(runtime)                  # read-only calls only
--dry-run -> DisplayExecutor (runs nothing) and exit 0
confirm on a TTY unless --yes -> run_lock (file lock + DynamoDB lease) -> Executor -> journal
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from multicloud_ctl.cli.state import CliState

if TYPE_CHECKING:
    from multicloud_ctl.engine.executor import RunResult
    from multicloud_ctl.engine.plan import Plan
    from multicloud_ctl.engine.runtime import Runtime


def make_runtime(state: CliState, *, dry_run: bool = False) -> Runtime:
    """A runtime for this invocation's environment (dry-run guarded when asked)."""
    from multicloud_ctl.engine.runtime import Runtime

    return Runtime(environment=state.environment(), dry_run=dry_run)


def show_plan(state: CliState, plan: Plan, *, title: str | None = None) -> None:
    """Print the plan's steps (table) or the plan as JSON."""
    console = state.console
    if console.json_mode:
        return
    rows = [("+" if s.mutating else " ", s.id, s.description) for s in plan.steps]
    if not rows:
        console.info("nothing to do: live state already matches")
        return
    console.table(["", "step", "description"], rows, title=title or f"plan: {plan.verb}")


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
) -> RunResult:
    """Plan, then (unless --dry-run) confirm, lock, apply and journal. Raises the run's error on failure."""
    from multicloud_ctl.engine.executor import DisplayExecutor, Executor
    from multicloud_ctl.engine.lock import run_lock

    console = state.console
    runtime = make_runtime(state, dry_run=dry_run)
    plan = build(runtime)
    show_plan(state, plan)
    journal = runtime.journal(verb, inputs)
    if dry_run:
        result = DisplayExecutor(runtime, journal).run(plan)
        if console.json_mode:
            console.print_json({"dry_run": True, "journal": journal.run_id, **plan.to_dict()})
        else:
            console.info(f"dry run: {len(plan.mutating_steps)} change(s) planned, none made (journal {journal.run_id})")
        return result
    if plan.is_empty:
        journal.set("plan", plan.to_dict())
        journal.finish("ok", result={"steps": 0})
        if console.json_mode:
            console.print_json({"dry_run": False, "journal": journal.run_id, "status": "ok", **plan.to_dict()})
        return _empty_result()
    try:
        console.confirm(
            question or f"Apply {len(plan.mutating_steps)} change(s) to {runtime.environment.name}?",
            assume_yes=state.yes,
            typed=typed_confirmation,
        )
        with run_lock(runtime, lock_name or verb.split()[0], lease=lease):
            result = Executor(
                runtime, journal, on_step=lambda r: console.detail(f"{r.status:>8}  {r.step.id}  {r.error or ''}")
            ).run(plan)
    except BaseException as exc:
        if journal.record["status"] == "running":
            journal.finish("refused" if _is_refusal(exc) else "failed", error=str(exc))
        raise
    if console.json_mode:
        console.print_json(
            {
                "dry_run": False,
                "journal": journal.run_id,
                "status": result.status,
                "steps": [
                    {"id": r.step.id, "status": r.status, "output": r.output, "error": r.error} for r in result.steps
                ],
                "rollback": [{"id": r.step.id, "status": r.status} for r in result.rollback],
            }
        )
    if result.error is not None:
        raise result.error
    console.success(f"{verb}: {len(result.steps)} step(s) applied (journal {journal.run_id})")
    return result


def _is_refusal(exc: BaseException) -> bool:
    from multicloud_ctl.errors import SafetyRefused

    return isinstance(exc, SafetyRefused)


def _empty_result() -> RunResult:
    from multicloud_ctl.engine.executor import RunResult

    return RunResult(status="ok")
