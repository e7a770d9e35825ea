"""The mutating sync verbs as run-lifecycle operations: backfill, run (optionally following) and replay.

Each is one `Operation` for `engine/run.py`: the plan is built from read-only calls (DescribeTable, the
shards' checkpoints, the pending dead letters) and the work is a bulk step that reports counts. `sync run`
is stoppable: a signal ends it after the batch in flight (that batch and its checkpoint commit together);
with `--follow` that is its normal end. backfill, run and replay exclude each other through the local lock
"sync" (no cloud lease: a killed run must be restartable at once, and the checkpoints make a rerun safe).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine.plan import Plan, Step
from multicloud_ctl.engine.run import LockSpec, Operation

if TYPE_CHECKING:
    from multicloud_ctl.engine.executor import RunResult, StepContext
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.sync.context import SyncContext

LOCK = LockSpec("sync", lease=False)


def _context(runtime: Runtime, playbook: Path | None) -> SyncContext:
    from multicloud_ctl.operations.sync.context import open_context

    return open_context(runtime, playbook)


class _SyncOperation:
    """Holds the SyncContext between planning and the bulk step (both run inside one lifecycle)."""

    def __init__(self, playbook: Path | None) -> None:
        self.playbook = playbook
        self._ctx: SyncContext | None = None

    def context(self, runtime: Runtime) -> SyncContext:
        if self._ctx is None:
            self._ctx = _context(runtime, self.playbook)
        return self._ctx

    @property
    def ctx(self) -> SyncContext:
        assert self._ctx is not None, "planned first"
        return self._ctx


def backfill_operation(playbook: Path | None, tables: list[str] | None, segments: int | None) -> Operation:
    """`sync backfill`: a parallel Scan per table into SQL, then a hand-over to the stream without a gap."""
    from multicloud_ctl.operations.sync.backfill import backfill_table, plan_backfill

    holder = _SyncOperation(playbook)
    wanted = list(tables or [])

    def plan(runtime: Runtime) -> Plan:
        ctx = holder.context(runtime)
        n = segments or ctx.spec.segments
        rows = plan_backfill(ctx, wanted or None)
        steps = []
        for m in ctx.select(wanted or None):

            def copy(step: StepContext, m: Any = m) -> dict[str, Any]:
                r = backfill_table(holder.ctx, m, n)
                step.notice(
                    f"{m.source}: {r.rows} rows in {r.scan_seconds:.1f}s ({r.rows_per_second:.0f} rows/s), "
                    f"{r.dead_letters} dead letters, stream position {r.position or 'start'}"
                )
                step.measure(f"{m.source}.rows_per_second", round(r.rows_per_second, 1))
                return {
                    "table": r.table,
                    "rows": r.rows,
                    "dead_letters": r.dead_letters,
                    "tombstoned": r.tombstoned,
                    "position": r.position,
                    "shards": r.shards,
                    "scan_seconds": round(r.scan_seconds, 3),
                    "capture_seconds": round(r.capture_seconds, 3),
                    "created_tables": r.created_tables,
                }

            approx = next((r["approx_items"] for r in rows if r["table"] == m.source), None)
            steps.append(
                Step.bulk(
                    f"backfill-{m.source}",
                    f"backfill {m.source} into {m.target} ({n} segments)",
                    copy,
                    total=approx,
                    unit="rows",
                    provider="aws",
                )
            )
        return Plan("sync backfill", tuple(steps), summary={"tables": rows, "segments": n})

    return Operation(
        "sync backfill",
        plan,
        inputs={"tables": wanted, "segments": segments},
        lock=LOCK,
        question=lambda p: (
            f"Backfill {', '.join(t['table'] for t in p.summary['tables'])} into SQL "
            f"({holder.ctx.runtime.environment.name})?"
        ),
        conclude=lambda p, r: {"tables": [s.output for s in r.steps]},
        dry_result=lambda p: {"dry_run": True, "tables": list(p.summary["tables"])},
    )


def run_operation(
    playbook: Path | None,
    *,
    follow: bool,
    max_seconds: float | None,
    batch_size: int | None,
    concurrency: int | None = None,
) -> Operation:
    """`sync run`: apply the streams' changes (each batch and its checkpoint in one transaction)."""
    from multicloud_ctl.operations.sync.run import preflight, run_sync
    from multicloud_ctl.operations.sync.status import sync_status

    holder = _SyncOperation(playbook)

    def plan(runtime: Runtime) -> Plan:
        ctx = holder.context(runtime)
        preflight(ctx, ctx.mappings)

        def apply(step: StepContext) -> dict[str, Any]:
            seen = [0]

            def on_pass(r: Any) -> None:
                step.advance(r.records - seen[0], detail=f"pass {r.passes}: {r.records} records")
                seen[0] = r.records

            r = run_sync(
                holder.ctx,
                follow=follow,
                max_seconds=max_seconds,
                batch_size=batch_size,
                concurrency=concurrency,
                on_pass=on_pass,
                stop_event=step.stop,
            )
            step.measure("records_per_second", round(r.records_per_second, 1))
            if r.dead_letters:
                step.notice(
                    f"{r.dead_letters} record(s) went to the dead-letter table; see `mcctl sync status`, "
                    "fix the cause, then `mcctl sync replay`",
                    "warning",
                )
            return {
                "records": r.records,
                "written": r.written,
                "dead_letters": r.dead_letters,
                "batches": r.batches,
                "seconds": round(r.seconds, 3),
                "stopped_by_signal": r.stopped,
                "records_per_second": round(r.records_per_second, 1),
                "per_table": r.per_table,
            }

        what = "follow the streams" if follow else "apply the streams' changes"
        step = Step.bulk("apply", f"{what} into SQL", apply, unit="records", provider="aws", stoppable=True)
        if follow:
            step = Step.bulk("apply", f"{what} into SQL", apply, unit="records", provider="aws", follow=True)
        return Plan("sync run", (step,), summary={"tables": [m.source for m in ctx.mappings]})

    return Operation(
        "sync run",
        plan,
        inputs={"follow": follow, "max_seconds": max_seconds, "batch_size": batch_size, "concurrency": concurrency},
        lock=LOCK,
        conclude=lambda p, r: r.steps[0].output,
        dry_result=lambda p: {"dry_run": True, "shards": sync_status(holder.ctx)},
    )


def replay_operation(playbook: Path | None, tables: list[str] | None, drop_trimmed: bool = False) -> Operation:
    """`sync replay`: retry dead letters through the same guarded upsert (older never overwrites newer), then
    drain the CDC Lambda's failure queue (`failed_batches`): each failed batch read back from the stream."""
    from multicloud_ctl.operations.sync.replay import pending_letters, replay_dead_letters

    holder = _SyncOperation(playbook)
    wanted = list(tables or [])

    def plan(runtime: Runtime) -> Plan:
        from multicloud_ctl.providers.aws.sqs import SqsQueues

        ctx = holder.context(runtime)
        letters = pending_letters(ctx, wanted or None)
        steps = []
        if letters:
            steps.append(
                Step.bulk(
                    "replay",
                    f"replay {len(letters)} dead letter(s)",
                    lambda s: asdict(replay_dead_letters(holder.ctx, wanted or None)),
                    total=len(letters),
                    unit="letters",
                )
            )
        queue = runtime.environment.aws.cdc_failure_queue
        depth = SqsQueues(runtime.aws).depth(queue)
        if depth is not None and depth.messages:
            steps.append(
                Step.bulk(
                    "replay-batches",
                    f"replay the CDC Lambda's {depth.messages} failed batch(es) from {queue}, reading the stream",
                    lambda s: _replay_batches(holder.ctx, depth.url, wanted or None, drop_trimmed),
                    total=depth.messages,
                    unit="batches",
                )
            )
        return Plan(
            "sync replay",
            tuple(steps),
            summary={"dead_letters": letters, "failed_batches": depth.messages if depth else 0},
        )

    def conclude(plan: Plan, result: RunResult) -> Any:
        out: dict[str, Any] = {"tried": 0, "resolved": 0, "failed": 0, "batches": None}
        for done in result.steps:
            if done.step.id == "replay":
                out.update(done.output)
            elif done.step.id == "replay-batches":
                out["batches"] = done.output
        return out

    return Operation(
        "sync replay",
        plan,
        inputs={"tables": wanted},
        lock=LOCK,
        conclude=conclude,
        dry_result=lambda p: {
            "dry_run": True,
            "dead_letters": list(p.summary["dead_letters"]),
            "failed_batches": p.summary["failed_batches"],
        },
    )


def _replay_batches(ctx: SyncContext, url: str, names: list[str] | None, drop_trimmed: bool) -> dict[str, Any]:
    from multicloud_ctl.operations.sync.failed_batches import replay_failed_batches
    from multicloud_ctl.providers.aws.sqs import SqsMessages

    return asdict(replay_failed_batches(ctx, SqsMessages(ctx.runtime.aws, url), names, drop_trimmed=drop_trimmed))
