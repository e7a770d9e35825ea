"""`mcctl sync`: change data capture from DynamoDB Streams to Azure SQL (backfill, run, replay, status, verify)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from multicloud_ctl.cli.state import get_state

if TYPE_CHECKING:
    from multicloud_ctl.cli.state import CliState
    from multicloud_ctl.operations.sync.context import SyncContext

app = typer.Typer(help="Change data capture from DynamoDB to Azure SQL.", no_args_is_help=True, add_completion=False)

PLAYBOOK = typer.Option(None, "--playbook", "-p", help="Sync playbook. (default: sync.yaml in the playbook directory)")
TABLES = typer.Argument(None, help="DynamoDB (or SQL) table names from the playbook. (default: all)")
DRY_RUN = typer.Option(False, "--dry-run", help="Show what would be done; change nothing.")


def _context(state: CliState, playbook: Path | None) -> SyncContext:
    from multicloud_ctl.cli.runner import make_runtime
    from multicloud_ctl.operations.sync.context import open_context

    return open_context(make_runtime(state, dry_run=True), playbook)


@app.command()
def backfill(
    ctx: typer.Context,
    tables: list[str] = TABLES,
    segments: int = typer.Option(None, "--segments", min=1, max=64, help="Parallel Scan segments."),
    playbook: Path = PLAYBOOK,
    dry_run: bool = DRY_RUN,
) -> None:
    """Copy whole tables into SQL by parallel Scan, then hand over to the stream without a gap."""
    from multicloud_ctl.cli.runner import run_operation
    from multicloud_ctl.operations.sync.runs import backfill_operation

    state = get_state(ctx)
    console = state.console
    outcome = run_operation(state, backfill_operation(playbook, tables, segments), dry_run=dry_run)
    if dry_run and outcome.ok:
        plan = outcome.result["tables"]
        console.emit(
            outcome.result,
            columns=["table", "target", "approx items", "segments"],
            rows=[(p["table"], p["target"], p["approx_items"], p["segments"]) for p in plan],
            title="backfill plan (dry run: nothing changed)",
        )
    outcome.raise_for_status()
    if dry_run:
        return
    out = outcome.result["tables"]
    console.emit(
        {"tables": out},
        columns=["table", "rows", "dead letters", "tombstoned", "position"],
        rows=[(o["table"], o["rows"], o["dead_letters"], o["tombstoned"], o["position"] or "-") for o in out],
    )


@app.command()
def run(
    ctx: typer.Context,
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep tailing the streams."),
    max_seconds: float = typer.Option(None, "--max-seconds", min=0.1, help="Stop after this long."),
    batch_size: int = typer.Option(None, "--batch-size", min=1, max=1000, help="Records per batch."),
    shard_concurrency: int = typer.Option(
        None,
        "--shard-concurrency",
        min=1,
        max=256,
        help="Shards read at once (parents still before children). (default: the playbook's, 32)",
    ),
    playbook: Path = PLAYBOOK,
    dry_run: bool = DRY_RUN,
) -> None:
    """Apply the streams' changes to SQL (each batch and its checkpoint in one transaction)."""
    from multicloud_ctl.cli.runner import run_operation
    from multicloud_ctl.operations.sync.runs import run_operation as sync_run_operation
    from multicloud_ctl.operations.sync.status import status_rows

    state = get_state(ctx)
    console = state.console
    op = sync_run_operation(
        playbook, follow=follow, max_seconds=max_seconds, batch_size=batch_size, concurrency=shard_concurrency
    )
    outcome = run_operation(state, op, dry_run=dry_run)
    if dry_run and outcome.ok:
        console.emit(
            outcome.result,
            columns=[
                "table",
                "shard",
                "checkpoint",
                "finished",
                "to apply",
                "seconds behind",
                "checked",
                "dead letters",
            ],
            rows=status_rows(outcome.result["shards"]),
            title="run plan (dry run: nothing applied)",
        )
    outcome.raise_for_status()
    if dry_run:
        return
    r = outcome.result
    console.emit(
        r,
        columns=["records", "written", "dead letters", "batches", "seconds"],
        rows=[(r["records"], r["written"], r["dead_letters"], r["batches"], f"{r['seconds']:.1f}")],
    )


@app.command()
def replay(
    ctx: typer.Context,
    tables: list[str] = TABLES,
    playbook: Path = PLAYBOOK,
    drop_trimmed: bool = typer.Option(
        False,
        "--drop-trimmed",
        help="Delete failed-batch messages whose records the stream no longer holds (after a backfill).",
    ),
    dry_run: bool = DRY_RUN,
) -> None:
    """Retry dead-lettered records and the CDC Lambda's failed batches (order-safe: older never overwrites newer)."""
    from multicloud_ctl.cli.runner import run_operation
    from multicloud_ctl.errors import OperationFailed
    from multicloud_ctl.operations.sync.runs import replay_operation

    state = get_state(ctx)
    console = state.console
    outcome = run_operation(state, replay_operation(playbook, tables, drop_trimmed), dry_run=dry_run)
    if dry_run and outcome.ok:
        letters = outcome.result["dead_letters"]
        console.emit(
            outcome.result,
            columns=["id", "table", "keys", "reason"],
            rows=[(d["id"], d["source_table"], d["keys"], d["reason"]) for d in letters],
            title=f"{outcome.result['failed_batches']} failed batch(es) wait in the CDC failure queue",
        )
    outcome.raise_for_status()
    if dry_run:
        return
    r = outcome.result
    b = r["batches"] or {}
    console.emit(
        r,
        columns=["dead letters tried", "resolved", "failed", "batches", "replayed", "records", "not replayed"],
        rows=[
            (
                r["tried"],
                r["resolved"],
                r["failed"],
                b.get("batches", 0),
                b.get("replayed", 0),
                b.get("records", 0),
                len(b.get("trimmed", [])) - b.get("dropped", 0) + len(b.get("unreadable", [])),
            )
        ],
    )
    kept_trimmed = len(b.get("trimmed", [])) - b.get("dropped", 0)
    if kept_trimmed:
        names = sorted(set(b["trimmed"]))
        raise OperationFailed(
            f"{kept_trimmed} failed batch(es) of {', '.join(names)} are no longer in the stream (past its 24 h): "
            "they cannot be replayed",
            hint=f"run `mcctl sync backfill {' '.join(names)}`, then `mcctl sync replay --drop-trimmed`",
        )
    if b.get("unreadable"):
        raise OperationFailed(
            f"{len(b['unreadable'])} message(s) in the CDC failure queue are not replayable: {b['unreadable'][0]}",
            hint="inspect them in the queue; they were left there",
        )


@app.command()
def status(ctx: typer.Context, tables: list[str] = TABLES, playbook: Path = PLAYBOOK) -> None:
    """Per table and shard: checkpoint, records and seconds behind (the RPO), dead letters.

    In cloud environments, where the CDC Lambda is the engine: per table its stream mapping (state, last result,
    parallelization, on-failure destination), the function's IteratorAge and the failed batches waiting.
    """
    from multicloud_ctl.operations.sync.status import lag_of, status_rows, sync_status

    state = get_state(ctx)
    if not state.environment().is_local:
        _cloud_status(state, playbook, tables)
        return
    statuses = sync_status(_context(state, playbook), tables)
    lag = lag_of(statuses)
    state.console.emit(
        {"lag_seconds": None if lag == float("inf") else lag, "shards": statuses},
        columns=[
            "table",
            "shard",
            "checkpoint",
            "finished",
            "records behind",
            "seconds behind",
            "checked",
            "dead letters",
        ],
        rows=status_rows(statuses),
        title=f"sync lag: {'never backfilled' if lag == float('inf') else f'{lag:.1f}s'}",
    )


def _cloud_status(state: CliState, playbook: Path, tables: list[str]) -> None:
    import math

    from multicloud_ctl.operations.sync.cloud_status import cloud_rows, cloud_status

    status = cloud_status(_context(state, playbook), tables)
    lag = status.lag_seconds
    shown = "unknown" if lag is None else "unbounded" if lag == math.inf else f"{lag:.1f}s"
    state.console.emit(
        status.to_json(),
        columns=["table", "mapping", "state", "last result", "parallelization", "on-failure queue"],
        rows=cloud_rows(status),
        title=f"sync lag: {shown} (CDC Lambda; failed batches waiting: "
        f"{'no queue' if status.failed_batches is None else status.failed_batches})",
    )
    for problem in status.problems:
        state.console.warn(problem)


@app.command()
def verify(
    ctx: typer.Context,
    tables: list[str] = TABLES,
    sample: float = typer.Option(100.0, "--sample", min=0.01, max=100.0, help="Percent of keys to hash."),
    playbook: Path = PLAYBOOK,
) -> None:
    """Compare counts and per-row content hashes of DynamoDB and SQL (exit 3 with the differing keys)."""
    from multicloud_ctl.errors import Degraded
    from multicloud_ctl.operations.sync.verify import verdict_json, verify_sync

    state = get_state(ctx)
    verdicts = verify_sync(_context(state, playbook), tables, sample)
    state.console.emit(
        {"ok": all(v.ok for v in verdicts), "sample_pct": sample, "tables": [verdict_json(v) for v in verdicts]},
        columns=["table", "dynamodb", "sql", "compared", "missing", "extra", "different"],
        rows=[
            (
                v.table,
                v.dynamodb_rows,
                v.sql_rows,
                v.compared,
                len(v.missing_in_sql),
                len(v.extra_in_sql),
                len(v.different),
            )
            for v in verdicts
        ],
    )
    bad = [v for v in verdicts if not v.ok]
    if bad:
        keys = [f"{v.table} {k}" for v in bad for k in (v.missing_in_sql + v.extra_in_sql + v.different)]
        raise Degraded(
            f"SQL differs from DynamoDB in {len(keys)} key(s): {'; '.join(keys[:10])}"
            f"{' ...' if len(keys) > 10 else ''}",
            hint="check `mcctl sync status` (lag, dead letters); `mcctl sync backfill TABLE` repairs",
        )
