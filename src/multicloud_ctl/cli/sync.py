"""`mcctl sync`: change data capture from DynamoDB Streams to Azure SQL (backfill, run, replay, status, verify)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from multicloud_ctl.cli.state import get_state

if TYPE_CHECKING:
    from multicloud_ctl.cli.state import CliState
    from multicloud_ctl.operations.sync.context import SyncContext

app = typer.Typer(help="Change data capture from DynamoDB to Azure SQL.", no_args_is_help=True, add_completion=False)

PLAYBOOK = typer.Option(None, "--playbook", "-p", help="Sync playbook. [default: playbooks/sync.yaml]")
TABLES = typer.Argument(None, help="DynamoDB (or SQL) table names from the playbook. [default: all]")
DRY_RUN = typer.Option(False, "--dry-run", help="Show what would be done; change nothing.")
LOCK = "sync"  # backfill, run and replay exclude each other


def _context(state: CliState, playbook: Path | None, dry_run: bool = False) -> SyncContext:
    from multicloud_ctl.cli.runner import make_runtime
    from multicloud_ctl.operations.sync.context import open_context

    return open_context(make_runtime(state, dry_run=dry_run), playbook)


@contextmanager
def _journaled(state: CliState, ctx: SyncContext, verb: str, inputs: dict[str, Any]) -> Iterator[Any]:
    """Local run lock (a killed run must restart at once, so no cloud lease) + journal."""
    from multicloud_ctl.engine.lock import run_lock
    from multicloud_ctl.errors import SafetyRefused

    journal = ctx.runtime.journal(verb, inputs)
    try:
        with run_lock(ctx.runtime, LOCK, lease=False):
            yield journal
    except BaseException as exc:
        journal.finish("refused" if isinstance(exc, SafetyRefused) else "failed", error=str(exc))
        raise


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """SIGTERM/SIGINT end a (following) run after the batch in flight, instead of mid-way."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@app.command()
def backfill(
    ctx: typer.Context,
    tables: list[str] = TABLES,
    segments: int = typer.Option(None, "--segments", min=1, max=64, help="Parallel Scan segments."),
    playbook: Path = PLAYBOOK,
    dry_run: bool = DRY_RUN,
) -> None:
    """Copy whole tables into SQL by parallel Scan, then hand over to the stream without a gap."""
    from multicloud_ctl.operations.sync.backfill import backfill_table, plan_backfill

    state = get_state(ctx)
    console = state.console
    sctx = _context(state, playbook, dry_run)
    n = segments or sctx.spec.segments
    if dry_run:
        plan = plan_backfill(sctx, tables)
        console.emit(
            {"dry_run": True, "tables": plan},
            columns=["table", "target", "approx items", "segments"],
            rows=[(p["table"], p["target"], p["approx_items"], n) for p in plan],
            title="backfill plan (dry run: nothing changed)",
        )
        return
    mappings = sctx.select(tables)
    console.confirm(
        f"Backfill {', '.join(m.source for m in mappings)} into SQL ({sctx.runtime.environment.name})?",
        assume_yes=state.yes,
    )
    out = []
    with _journaled(state, sctx, "sync backfill", {"tables": [m.source for m in mappings], "segments": n}) as j:
        for m in mappings:
            r = backfill_table(sctx, m, n)
            console.info(
                f"{m.source}: {r.rows} rows in {r.scan_seconds:.1f}s ({r.rows_per_second:.0f} rows/s), "
                f"{r.dead_letters} dead letters, stream position {r.position or 'start'}"
            )
            out.append(
                {
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
            )
        j.finish("ok", result=out)
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
    playbook: Path = PLAYBOOK,
    dry_run: bool = DRY_RUN,
) -> None:
    """Apply the streams' changes to SQL (each batch and its checkpoint in one transaction)."""
    from multicloud_ctl.operations.sync.run import preflight, run_sync
    from multicloud_ctl.operations.sync.status import status_rows, sync_status

    state = get_state(ctx)
    console = state.console
    sctx = _context(state, playbook, dry_run)
    if dry_run:
        preflight(sctx, sctx.mappings)
        statuses = sync_status(sctx)
        console.emit(
            {"dry_run": True, "shards": statuses},
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
            rows=status_rows(statuses),
            title="run plan (dry run: nothing applied)",
        )
        return
    inputs = {"follow": follow, "max_seconds": max_seconds, "batch_size": batch_size}
    report: Callable[[Any], None] = lambda r: console.detail(  # noqa: E731
        f"pass {r.passes}: {r.records} records, {r.dead_letters} dead letters"
    )
    with _journaled(state, sctx, "sync run", inputs) as j, _stop_on_signals() as stop:
        r = run_sync(
            sctx, follow=follow, max_seconds=max_seconds, batch_size=batch_size, on_pass=report, stop_event=stop
        )
        result = {
            "records": r.records,
            "written": r.written,
            "dead_letters": r.dead_letters,
            "batches": r.batches,
            "seconds": round(r.seconds, 3),
            "stopped_by_signal": r.stopped,
            "records_per_second": round(r.records_per_second, 1),
            "per_table": r.per_table,
        }
        j.measure("records_per_second", result["records_per_second"])
        j.finish("ok", result=result)
    if r.dead_letters:
        console.warn(
            f"{r.dead_letters} record(s) went to the dead-letter table; see `mcctl sync status`, "
            "fix the cause, then `mcctl sync replay`"
        )
    console.emit(
        result,
        columns=["records", "written", "dead letters", "batches", "seconds"],
        rows=[(r.records, r.written, r.dead_letters, r.batches, f"{r.seconds:.1f}")],
    )


@app.command()
def replay(ctx: typer.Context, tables: list[str] = TABLES, playbook: Path = PLAYBOOK, dry_run: bool = DRY_RUN) -> None:
    """Retry dead-lettered records (still order-safe: older never overwrites newer)."""
    from multicloud_ctl.operations.sync.replay import pending_letters, replay_dead_letters

    state = get_state(ctx)
    console = state.console
    sctx = _context(state, playbook, dry_run)
    if dry_run:
        letters = pending_letters(sctx, tables)
        console.emit(
            {"dry_run": True, "dead_letters": letters},
            columns=["id", "table", "keys", "reason"],
            rows=[(d["id"], d["source_table"], d["keys"], d["reason"]) for d in letters],
        )
        return
    with _journaled(state, sctx, "sync replay", {"tables": tables or []}) as j:
        r = replay_dead_letters(sctx, tables)
        j.finish("ok", result=r.__dict__)
    console.emit(r.__dict__, columns=["tried", "resolved", "failed"], rows=[(r.tried, r.resolved, r.failed)])


@app.command()
def status(ctx: typer.Context, tables: list[str] = TABLES, playbook: Path = PLAYBOOK) -> None:
    """Per table and shard: checkpoint, records and seconds behind (the RPO), dead letters."""
    from multicloud_ctl.operations.sync.status import lag_of, status_rows, sync_status

    state = get_state(ctx)
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
