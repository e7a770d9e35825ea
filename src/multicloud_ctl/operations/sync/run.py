"""`mcctl sync run`: tail every table's stream, shards concurrently (parents before children), applying batches.

Up to `shard_concurrency` shards are read at once, across tables; a child starts as soon as its parent is
finished, in the same pass. Each batch and its shard checkpoint commit in one SQL transaction, so a crash
(even SIGKILL) either keeps both or neither: the restarted run resumes after the last committed record.
Replayed records lose the `_seq` guard, so nothing is applied twice in effect, and nothing is skipped.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import OperationFailed, PreflightFailed, Throttled
from multicloud_ctl.functions.cdc.apply import apply_records, normalize_record
from multicloud_ctl.operations.collector import collections_rarer
from multicloud_ctl.operations.prefetch import prefetched
from multicloud_ctl.operations.sync.checkpoint import (
    Checkpoint,
    load_checkpoints,
    retention_guard,
    write_checkpoint,
)
from multicloud_ctl.operations.sync.context import check_source
from multicloud_ctl.operations.sync.sqlschema import check_tables
from multicloud_ctl.operations.sync.stream import Patience, ShardReader, ordered_shards, patiently, ready
from multicloud_ctl.providers.aws.dynamodb_streams import StreamTrimmed

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
    patience = Patience(seconds=ctx.spec.throttle_patience_seconds)
    arns = {m.source: patiently(partial(check_source, ctx, m), patience).stream_arn for m in mappings}
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
            stream = patiently(partial(ctx.streams.describe_stream, m.source, arns[m.source]), patience)
            present = {sh.shard_id for sh in stream.shards}
            lost = sorted(cp.shard_id for cp in cps.values() if not cp.finished and cp.shard_id not in present)
            if lost:
                raise PreflightFailed(
                    f"{m.source}: shard(s) {', '.join(lost)} left the stream before they were read to the end "
                    "(trimmed, or the stream was re-created): changes may be missing",
                    hint=f"run `mcctl sync backfill {m.source}` again, then `mcctl sync run`",
                )
    return arns


IDLE_FLUSH_SECONDS = 60.0


@dataclass
class Stop:
    """When a run should stop: at its deadline, or when asked (SIGTERM/SIGINT), after the current batch."""

    deadline: float = float("inf")
    event: threading.Event = field(default_factory=threading.Event)
    abort: threading.Event = field(default_factory=threading.Event)  # another shard failed: stop the others

    def __call__(self) -> bool:
        return self.event.is_set() or self.abort.is_set() or time.monotonic() >= self.deadline

    def wait(self, seconds: float) -> None:
        self.event.wait(seconds)


@dataclass
class RunState:
    """What a run keeps between passes: one reader per shard (its iterator survives empty pages)."""

    ctx: SyncContext
    batch: int
    stop: Stop
    result: RunResult
    concurrency: int
    follow: bool = False
    idle_flushed: float = float("-inf")  # when idle shards' `checked_at` last went to SQL (monotonic)
    readers: dict[tuple[str, str], ShardReader] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def patience(self) -> Patience:
        return Patience(seconds=self.ctx.spec.throttle_patience_seconds, stopped=self.stop, sleep=self.stop.wait)

    def reader(self, arn: str, shard: ShardInfo, cp: Checkpoint) -> ShardReader:
        key = (arn, shard.shard_id)
        if key not in self.readers:
            start = cp.sequence.lstrip("0") or "0" if cp.sequence else None
            self.readers[key] = ShardReader(self.ctx.streams, arn, shard.shard_id, start, self.patience())
        return self.readers[key]

    def count(self, source: str, received: int, written: int, dead: int) -> None:
        with self.lock:
            r = self.result
            r.records += received
            r.written += written
            r.dead_letters += dead
            r.batches += int(bool(received))
            r.per_table[source] = r.per_table.get(source, 0) + received


def _trimmed(m: TableMapping, shard: ShardInfo, cp: Checkpoint, hours: float) -> OperationFailed:
    where = f"after {cp.sequence.lstrip('0') or '0'}" if cp.sequence else "from its start"
    return OperationFailed(
        f"{m.source} shard {shard.shard_id}: records {where} were trimmed from the stream (older than its "
        f"{hours:g} h retention) before they were applied: run `mcctl sync backfill {m.source}` again, "
        "then `mcctl sync run`"
    )


def _apply_shard(
    state: RunState, m: TableMapping, arn: str, shard: ShardInfo, cp: Checkpoint | None
) -> tuple[Checkpoint, bool]:
    """Read one shard up to its end (or caught up) and apply it batch by batch, each with its checkpoint.

    An empty page changes only `checked_at`, in memory: the second value says so, and the pass writes those
    checkpoints for all its idle shards in one transaction.
    """
    ctx, stop = state.ctx, state.stop
    cp = cp or Checkpoint(m.source, shard.shard_id, shard.parent_shard_id, None, False, None, ctx.now(), 0)
    reader = state.reader(arn, shard, cp)
    dirty = False
    try:
        # following, one empty page ends an open shard's turn: its iterator is kept and the next pass goes on
        idle_pages = 1 if state.follow else ctx.spec.idle_pages
        for page in prefetched(reader.pages(state.batch, idle_pages, shard.closed)):
            records = [normalize_record(r) for r in page.records]
            cp.checked_at = ctx.now()
            finished = page.next_iterator is None
            dirty = not (records or finished)
            if not dirty:
                if records:
                    cp.sequence, cp.record_time = records[-1].seq, records[-1].created
                    cp.records += len(records)
                cp.finished = finished
                with ctx.engine.begin() as conn:
                    applied = apply_records(conn, ctx.tables, m, records, shard_id=shard.shard_id, now=cp.checked_at)
                    write_checkpoint(conn, ctx.tables, cp)
                state.count(m.source, applied.received, applied.written, applied.dead)
            if stop():
                _rewind(reader, cp)  # a page read ahead is dropped: read it again next time
                break
    except StreamTrimmed as exc:
        _rewind(reader, cp)
        raise _trimmed(m, shard, cp, ctx.spec.retention_hours) from exc
    except Throttled:
        _rewind(reader, cp)
        if stop():  # asked to stop while backing off: a clean stop, not a failure
            return cp, dirty
        raise
    except BaseException:
        _rewind(reader, cp)
        raise
    return cp, dirty


def _rewind(reader: ShardReader, cp: Checkpoint) -> None:
    reader.restart_at(cp.sequence.lstrip("0") or "0" if cp.sequence else None)
    reader.finished = cp.finished


def run_pass(state: RunState, mappings: list[TableMapping], arns: dict[str, str]) -> None:
    """One pass: every ready shard of every table read up to its current end, `concurrency` shards at once.

    A shard is started once its parent is finished, so children split from a parent read in this pass are
    read in this pass too. The first error stops the other shards after their batch in flight, then raises.
    """
    ctx, stop = state.ctx, state.stop
    pending: dict[tuple[str, str], tuple[TableMapping, ShardInfo]] = {}
    lineage: dict[str, dict[str, ShardInfo]] = {}
    cps: dict[str, dict[str, Checkpoint]] = {}
    patience = state.patience()
    for m in mappings:
        stream = patiently(partial(ctx.streams.describe_stream, m.source, arns[m.source]), patience)
        lineage[m.source] = {s.shard_id: s for s in stream.shards}
        with ctx.engine.connect() as conn:
            cps[m.source] = load_checkpoints(conn, ctx.tables, m.source)
        for shard in ordered_shards(stream.shards):
            cp = cps[m.source].get(shard.shard_id)
            if cp is None or not cp.finished:
                pending[(m.source, shard.shard_id)] = (m, shard)
    idle: dict[tuple[str, str], Checkpoint] = {}
    running: dict[Future[tuple[Checkpoint, bool]], tuple[str, str]] = {}
    error: BaseException | None = None
    with ThreadPoolExecutor(max_workers=state.concurrency, thread_name_prefix="sync-shard") as pool:

        def start_ready() -> None:
            started = set(running.values())
            for key, (m, shard) in list(pending.items()):
                if len(running) >= state.concurrency or stop():
                    return
                if key in started or not ready(shard, lineage[m.source], cps[m.source]):
                    continue
                del pending[key]
                cp = cps[m.source].get(shard.shard_id)
                running[pool.submit(_apply_shard, state, m, arns[m.source], shard, cp)] = key

        start_ready()
        while running:
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for fut in done:
                source, shard_id = running.pop(fut)
                try:
                    cp, dirty = fut.result()
                except BaseException as exc:  # stop the others after their batch, raise once all stopped
                    error = error or exc
                    stop.abort.set()
                    continue
                cps[source][shard_id] = cp
                if dirty:
                    idle[(source, shard_id)] = cp
            if error is None:
                start_ready()
    if error is not None:
        raise error
    # `checked_at` of idle shards only guards the retention (hours): following, write it once a minute
    if idle and (not state.follow or time.monotonic() - state.idle_flushed >= IDLE_FLUSH_SECONDS):
        with ctx.engine.begin() as conn:  # one transaction for all of them
            for cp in idle.values():
                write_checkpoint(conn, ctx.tables, cp)
        state.idle_flushed = time.monotonic()


def run_sync(
    ctx: SyncContext,
    *,
    follow: bool = False,
    max_seconds: float | None = None,
    batch_size: int | None = None,
    names: list[str] | None = None,
    on_pass: Callable[[RunResult], Any] | None = None,
    stop_event: threading.Event | None = None,
    concurrency: int | None = None,
) -> RunResult:
    """Catch up every table once (or keep following with `follow`) within `max_seconds`.

    Setting `stop_event` ends the run after the batch in flight (its checkpoint committed with it).
    `concurrency` (default: the playbook's `shard_concurrency`) bounds the shards read at once.
    """
    with collections_rarer():  # pages in flight: see operations/collector.py
        return _run(ctx, follow, max_seconds, batch_size, names, on_pass, stop_event, concurrency)


def _run(
    ctx: SyncContext,
    follow: bool,
    max_seconds: float | None,
    batch_size: int | None,
    names: list[str] | None,
    on_pass: Callable[[RunResult], Any] | None,
    stop_event: threading.Event | None,
    concurrency: int | None,
) -> RunResult:
    mappings = ctx.select(names)
    arns = preflight(ctx, mappings)
    batch = batch_size or ctx.spec.batch_size
    t0 = time.monotonic()
    stop = Stop(t0 + max_seconds if max_seconds else float("inf"), stop_event or threading.Event())
    result = RunResult()
    state = RunState(ctx, batch, stop, result, concurrency or ctx.spec.shard_concurrency, follow)
    while True:
        before = result.records
        run_pass(state, mappings, arns)
        result.passes += 1
        result.seconds = time.monotonic() - t0
        if on_pass:
            on_pass(result)
        if not follow or stop():
            result.stopped = stop.event.is_set()
            return result
        if result.records == before:
            stop.wait(min(ctx.spec.poll_seconds, max(0.0, stop.deadline - time.monotonic())))
