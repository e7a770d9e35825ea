"""`mcctl sync run`: tail every table's stream, shard by shard (parents first), applying batches.

Each batch and its shard checkpoint commit in one SQL transaction, so a crash (even SIGKILL) either keeps
both or neither: the restarted run resumes after the last committed record. Replayed records lose the `_seq`
guard, so nothing is applied twice in effect, and nothing is skipped.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import PreflightFailed
from multicloud_ctl.functions.cdc.apply import apply_records, normalize_record
from multicloud_ctl.operations.sync.checkpoint import (
    Checkpoint,
    load_checkpoints,
    retention_guard,
    write_checkpoint,
)
from multicloud_ctl.operations.sync.context import check_source
from multicloud_ctl.operations.sync.sqlschema import check_tables
from multicloud_ctl.operations.sync.stream import ordered_shards, pages, prefetched, ready

if TYPE_CHECKING:
    from collections.abc import Callable

    from multicloud_ctl.functions.cdc.schema import TableMapping
    from multicloud_ctl.operations.sync.context import SyncContext
    from multicloud_ctl.providers.aws.dynamodb_streams import ShardInfo


@dataclass
class RunResult:
    records: int = 0
    written: int = 0
    dead_letters: int = 0
    batches: int = 0
    passes: int = 0
    seconds: float = 0.0
    stopped: bool = False
    per_table: dict[str, int] = field(default_factory=dict)

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


def preflight(ctx: SyncContext, mappings: list[TableMapping]) -> dict[str, str]:
    """Check sources, SQL schema, backfill state and retention before applying anything; stream ARN per table."""
    arns = {m.source: check_source(ctx, m).stream_arn for m in mappings}
    check_tables(ctx, mappings)
    now = ctx.now()
    with ctx.engine.connect() as conn:
        for m in mappings:
            cps = load_checkpoints(conn, ctx.tables, m.source)
            if not cps:
                raise PreflightFailed(
                    f"{m.source} has never been backfilled: no stream checkpoint in SQL",
                    hint=f"run `mcctl sync backfill {m.source}` first",
                )
            retention_guard(cps, m.source, now, ctx.spec.retention_hours)
            present = {sh.shard_id for sh in ctx.streams.describe_stream(m.source, arns[m.source]).shards}
            lost = sorted(cp.shard_id for cp in cps.values() if not cp.finished and cp.shard_id not in present)
            if lost:
                raise PreflightFailed(
                    f"{m.source}: shard(s) {', '.join(lost)} left the stream before they were read to the end "
                    "(trimmed, or the stream was re-created): changes may be missing",
                    hint=f"run `mcctl sync backfill {m.source}` again, then `mcctl sync run`",
                )
    return arns


@dataclass
class Stop:
    """When a run should stop: at its deadline, or when asked (SIGTERM/SIGINT), after the current batch."""

    deadline: float = float("inf")
    event: threading.Event = field(default_factory=threading.Event)

    def __call__(self) -> bool:
        return self.event.is_set() or time.monotonic() >= self.deadline


def _apply_shard(
    ctx: SyncContext,
    m: TableMapping,
    arn: str,
    shard: ShardInfo,
    cp: Checkpoint | None,
    batch: int,
    stop: Stop,
    result: RunResult,
) -> Checkpoint:
    cp = cp or Checkpoint(m.source, shard.shard_id, shard.parent_shard_id, None, False, None, ctx.now(), 0)
    start = cp.sequence.lstrip("0") or "0" if cp.sequence else None
    iterator = ctx.streams.shard_iterator(arn, shard.shard_id, start)
    for page in prefetched(pages(ctx.streams, iterator, batch)):
        records = [normalize_record(r) for r in page.records]
        cp.checked_at = ctx.now()
        if records:
            cp.sequence, cp.record_time = records[-1].seq, records[-1].created
            cp.records += len(records)
        cp.finished = page.next_iterator is None
        with ctx.engine.begin() as conn:
            applied = apply_records(conn, ctx.tables, m, records, shard_id=shard.shard_id, now=cp.checked_at)
            write_checkpoint(conn, ctx.tables, cp)
        result.records += applied.received
        result.written += applied.written
        result.dead_letters += applied.dead
        result.batches += int(bool(records))
        result.per_table[m.source] = result.per_table.get(m.source, 0) + applied.received
        if stop():
            break
    return cp


def run_pass(
    ctx: SyncContext, mappings: list[TableMapping], arns: dict[str, str], batch: int, stop: Stop, result: RunResult
) -> None:
    """One pass: every ready shard of every table read up to its current end."""
    for m in mappings:
        stream = ctx.streams.describe_stream(m.source, arns[m.source])
        by_id = {s.shard_id: s for s in stream.shards}
        with ctx.engine.connect() as conn:
            cps = load_checkpoints(conn, ctx.tables, m.source)
        for shard in ordered_shards(stream.shards):
            cp = cps.get(shard.shard_id)
            if (cp is not None and cp.finished) or not ready(shard, by_id, cps):
                continue
            cps[shard.shard_id] = _apply_shard(ctx, m, arns[m.source], shard, cp, batch, stop, result)
            if stop():
                return


def run_sync(
    ctx: SyncContext,
    *,
    follow: bool = False,
    max_seconds: float | None = None,
    batch_size: int | None = None,
    names: list[str] | None = None,
    on_pass: Callable[[RunResult], Any] | None = None,
    stop_event: threading.Event | None = None,
) -> RunResult:
    """Catch up every table once (or keep following with `follow`) within `max_seconds`.

    Setting `stop_event` ends the run after the batch in flight (its checkpoint committed with it).
    """
    mappings = ctx.select(names)
    arns = preflight(ctx, mappings)
    batch = batch_size or ctx.spec.batch_size
    t0 = time.monotonic()
    stop = Stop(t0 + max_seconds if max_seconds else float("inf"), stop_event or threading.Event())
    result = RunResult()
    while True:
        before = result.records
        run_pass(ctx, mappings, arns, batch, stop, result)
        result.passes += 1
        result.seconds = time.monotonic() - t0
        if on_pass:
            on_pass(result)
        if not follow or stop():
            result.stopped = stop.event.is_set()
            return result
        if result.records == before:
            stop.event.wait(min(ctx.spec.poll_seconds, max(0.0, stop.deadline - time.monotonic())))
