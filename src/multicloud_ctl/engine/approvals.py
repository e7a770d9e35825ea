"""Manual approval steps: a workflow waits until someone approves (or rejects) it from another terminal.

    <state_dir>/approvals/<run id>/<step id>.json     {"status": "pending" | "approved" | "rejected", ...}

The waiting step writes the file as `pending` (what it waits for, since when, until when) and polls it; `mcctl
<verb> approve STEP` (or `--reject`; the command is a parameter of the step) rewrites it atomically with who
decided and when. When the run's stdin is a terminal, the operator can also answer there (`y`/`n`: the runtime's
`approver`, set by cli/runner and polled without blocking beside the file); that answer is written the same way.
The step returns the decision (journaled with the run), fails on a rejection, and fails when nobody decided
within its time, so the executor rolls back what the workflow did before it. Only a pending
approval of a run that is still waiting can be decided; a decision names its run, so an old file cannot approve
a later run.
"""

from __future__ import annotations

import getpass
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import NotFound, OperationFailed, UsageError

if TYPE_CHECKING:
    from multicloud_ctl.engine.executor import StepContext
    from multicloud_ctl.engine.plan import Step

POLL_S = 0.2


class ApprovalRefused(OperationFailed):
    """The approval was rejected, or nobody decided in time."""


def _directory(state_dir: Path) -> Path:
    return Path(state_dir) / "approvals"


def _write(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(doc, indent=2))
    os.replace(tmp, path)


@dataclass(frozen=True)
class Pending:
    run_id: str
    step: str
    message: str
    requested_at: float
    deadline: float
    path: Path

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.run_id,
            "step": self.step,
            "message": self.message,
            "requested_at": self.requested_at,
            "deadline": self.deadline,
        }


def pending(state_dir: Path) -> list[Pending]:
    """Every approval some run is waiting for now, oldest first."""
    out = []
    for path in sorted(_directory(state_dir).glob("*/*.json")):
        try:
            doc = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if doc.get("status") == "pending":
            out.append(
                Pending(
                    str(doc.get("run")),
                    str(doc.get("step")),
                    str(doc.get("message", "")),
                    float(doc.get("requested_at", 0)),
                    float(doc.get("deadline", 0)),
                    path,
                )
            )
    return sorted(out, key=lambda p: p.requested_at)


def decide(state_dir: Path, step: str, *, run_id: str | None, approve: bool, by: str | None, now: float) -> Pending:
    """Approve or reject the pending approval `step` (of `run_id`, or the only run waiting for that step)."""
    waiting = [p for p in pending(state_dir) if p.step == step and (run_id is None or p.run_id == run_id)]
    if not waiting:
        others = ", ".join(sorted({f"{p.step} (run {p.run_id})" for p in pending(state_dir)})) or "none"
        raise NotFound(f"no run is waiting for approval {step!r}", hint=f"waiting now: {others}")
    if len(waiting) > 1:
        runs = ", ".join(p.run_id for p in waiting)
        raise UsageError(f"several runs wait for approval {step!r}: {runs}", hint="name one with --run RUN_ID")
    found = waiting[0]
    doc = {
        **found.to_dict(),
        "status": "approved" if approve else "rejected",
        "decided_by": by or getpass.getuser(),
        "decided_at": now,
    }
    _write(found.path, doc)
    return found


def approval_step(
    step_id: str,
    message: str,
    timeout_s: float,
    *,
    after: tuple[str, ...] | None = None,
    command: str = "mcctl failover approve",
) -> Step:
    """A workflow step that waits for `mcctl ... approve STEP` (fails when rejected or after `timeout_s`)."""
    from multicloud_ctl.engine.plan import Step

    def call(ctx: StepContext) -> dict[str, Any]:
        return wait_for(ctx, step_id, message, timeout_s, command)

    return Step.bulk(
        step_id,
        f"wait for approval: {message} ({command} {step_id}; at most {timeout_s:g} s)",
        call,
        mutating=False,
        stoppable=True,
        after=after,
        params={"message": message, "timeout_s": timeout_s},
    )


def wait_for(
    ctx: StepContext, step_id: str, message: str, timeout_s: float, command: str = "mcctl failover approve"
) -> dict[str, Any]:
    runtime = ctx.runtime
    run_id = runtime.run_id or "unjournaled"
    path = _directory(runtime.state_dir) / run_id / f"{step_id}.json"
    requested = runtime.clock.timestamp()
    doc = {
        "run": run_id,
        "step": step_id,
        "message": message,
        "status": "pending",
        "requested_at": requested,
        "deadline": requested + timeout_s,
    }
    _write(path, doc)
    ctx.notice(f"waiting for approval {step_id!r}: {message} (run `{command} {step_id}`)", "warning")
    start = time.monotonic()
    try:
        while True:
            try:
                now_doc = json.loads(path.read_text())
            except (OSError, ValueError):
                now_doc = doc
            status = now_doc.get("status")
            answer = runtime.approver(step_id, message) if runtime.approver and status == "pending" else None
            if answer is not None:  # answered at the operator's terminal: recorded like `approve`, then read back
                by = f"{getpass.getuser()} (at the terminal)"
                decide(runtime.state_dir, step_id, run_id=run_id, approve=answer, by=by, now=runtime.clock.timestamp())
                continue
            waited = round(time.monotonic() - start, 3)
            if status == "approved":
                return {"approved_by": now_doc.get("decided_by"), "waited_s": waited}
            if status == "rejected":
                raise ApprovalRefused(
                    f"approval {step_id!r} was rejected by {now_doc.get('decided_by')}",
                    hint="the steps before it were rolled back",
                )
            if waited >= timeout_s or ctx.stop_requested:
                why = "the run was stopped" if ctx.stop_requested else f"nobody approved it within {timeout_s:g} s"
                _write(path, {**doc, "status": "expired", "reason": why})
                raise ApprovalRefused(
                    f"approval {step_id!r} not given: {why}", hint="the steps before it were rolled back"
                )
            time.sleep(POLL_S)
    finally:
        if path.exists():
            try:
                final = json.loads(path.read_text())
            except (OSError, ValueError):
                final = {}
            if final.get("status") == "pending":
                _write(path, {**doc, "status": "expired", "reason": "the run ended"})
