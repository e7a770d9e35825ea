"""`mcctl sync status` and `sync_lag_seconds`: how far SQL is behind DynamoDB, per table and shard.

Seconds behind is the RPO figure: the age of the oldest stream record not yet applied (0 when caught up).
Counting records behind reads the stream from the checkpoint (read-only), capped at `limit` records. The lag
alone (`sync_lag`: preflight, readiness, health, drills) needs only the oldest unapplied record of each shard, so
it reads a page of one record per shard; both ask the tables in parallel (one thread per table, at most 8).

That is the sandbox, where `mcctl sync run` is the engine. In cloud environments the CDC Lambda is, and the
figure comes from its event source mappings and IteratorAge instead (`cloud_status`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, inspect, select

from multicloud_ctl.functions.cdc.apply import normalize_record
from multicloud_ctl.operations.sync.checkpoint import load_checkpoints
from multicloud_ctl.operations.sync.context import check_source, open_context
from multicloud_ctl.operations.sync.stream import ShardReader, ordered_shards

if TYPE_CHECKING:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.functions.cdc.schema import TableMapping
    from multicloud_ctl.operations.sync.context import SyncContext


@dataclass
class ShardStatus:
    table: str
    shard_id: str
    checkpoint: str | None
    finished: bool
    records_behind: int
    behind_capped: bool
    seconds_behind: float | None  # None: never backfilled
    checked_at: datetime | None
    dead_letters: int


def dead_letter_counts(ctx: SyncContext) -> dict[str, int]:
    t = ctx.tables.dead_letters
    assert t is not None
    if t.name not in inspect(ctx.engine).get_table_names():
        return {}
    with ctx.engine.connect() as conn:
        rows = conn.execute(
            select(t.c.source_table, func.count()).where(t.c.resolved_at.is_(None)).group_by(t.c.source_table)
        ).all()
    return {str(r[0]): int(r[1]) for r in rows}


def sync_status(
    ctx: SyncContext, names: list[str] | None = None, limit: int = 10_000, *, count: bool = True
) -> list[ShardStatus]:
    """One line per table and shard (read-only); the tables are asked in parallel.

    `count=False` is for the lag alone (`sync_lag`): each shard's reading stops at the oldest unapplied record,
    whose age is the figure, so `records_behind` is only 0 or 1 there (1: "at least one").
    """
    from concurrent.futures import ThreadPoolExecutor

    now = ctx.now()
    dead = dead_letter_counts(ctx)
    have_cp = (
        ctx.tables.checkpoints is not None and ctx.tables.checkpoints.name in inspect(ctx.engine).get_table_names()
    )
    mappings = ctx.select(names)
    _ = ctx.streams  # built once here, shared by the threads (a cached property is not built thread-safely)
    if len(mappings) <= 1:
        per_table = [_table_status(ctx, m, now, dead, have_cp, limit, count) for m in mappings]
    else:
        with ThreadPoolExecutor(max_workers=min(8, len(mappings)), thread_name_prefix="sync-status") as pool:
            per_table = list(pool.map(lambda m: _table_status(ctx, m, now, dead, have_cp, limit, count), mappings))
    return [s for rows in per_table for s in rows]


def _table_status(
    ctx: SyncContext,
    m: TableMapping,
    now: datetime,
    dead: dict[str, int],
    have_cp: bool,
    limit: int,
    count: bool,
) -> list[ShardStatus]:
    info = check_source(ctx, m)
    stream = ctx.streams.describe_stream(m.source, info.stream_arn)
    cps = {}
    if have_cp:
        with ctx.engine.connect() as conn:
            cps = load_checkpoints(conn, ctx.tables, m.source)
    out: list[ShardStatus] = []
    for shard in ordered_shards(stream.shards):
        cp = cps.get(shard.shard_id)
        if not cps:
            out.append(ShardStatus(m.source, shard.shard_id, None, False, 0, False, None, None, dead.get(m.source, 0)))
            continue
        if cp is not None and cp.finished:
            out.append(
                ShardStatus(
                    m.source,
                    shard.shard_id,
                    cp.sequence.lstrip("0") if cp.sequence else None,
                    True,
                    0,
                    False,
                    0.0,
                    cp.checked_at,
                    dead.get(m.source, 0),
                )
            )
            continue
        start = (cp.sequence.lstrip("0") or "0") if cp and cp.sequence else None
        behind, oldest = 0, None
        reader = ShardReader(ctx.streams, info.stream_arn, shard.shard_id, start)
        # counting reads up to `limit` records; the lag needs the first one only (a page of one record)
        for page in reader.pages(1000 if count else 1, ctx.spec.idle_pages, shard.closed):
            if page.records and oldest is None:
                oldest = normalize_record(page.records[0]).created
            behind += len(page.records)
            if behind >= limit or (not count and oldest is not None):
                break
        seconds = max(0.0, (now - oldest).total_seconds()) if oldest else 0.0
        out.append(
            ShardStatus(
                m.source,
                shard.shard_id,
                cp.sequence.lstrip("0") if cp and cp.sequence else None,
                False,
                behind,
                behind >= limit,
                seconds,
                cp.checked_at if cp else None,
                dead.get(m.source, 0),
            )
        )
    return out


def lag_of(statuses: list[ShardStatus]) -> float:
    """The largest seconds-behind over all shards; infinity if a table was never backfilled."""
    worst = 0.0
    for s in statuses:
        if s.seconds_behind is None:
            return math.inf
        worst = max(worst, s.seconds_behind)
    return worst


@dataclass(frozen=True)
class Lag:
    """The sync's RPO right now and what it rests on."""

    seconds: float | None  # math.inf: unbounded; None: unknown
    reason: str


def sync_lag(runtime: Runtime, playbook: Path | None = None) -> Lag:
    """The RPO from the checkpoints (sandbox) or from the CDC Lambda's mappings and metrics (cloud); read-only."""
    ctx = open_context(runtime, playbook)
    if not runtime.environment.is_local:
        from multicloud_ctl.operations.sync.cloud_status import cloud_status

        cloud = cloud_status(ctx)
        reason = "; ".join(cloud.problems) or "CDC Lambda IteratorAge"
        return Lag(cloud.lag_seconds, reason)
    lag = lag_of(sync_status(ctx, count=False))
    return Lag(lag, "never backfilled: sync lag unbounded" if lag == math.inf else "checkpoints")


def sync_lag_seconds(runtime: Runtime, playbook: Path | None = None) -> float | None:
    """The sync's RPO right now: seconds since the oldest unapplied change (inf: unbounded, None: unknown).

    For the health and failover preflight checks; read-only.
    """
    return sync_lag(runtime, playbook).seconds


def status_rows(statuses: list[ShardStatus]) -> list[list[Any]]:
    def ts(v: datetime | None) -> str:
        return v.astimezone(UTC).isoformat(timespec="seconds") if v else ""

    return [
        [
            s.table,
            s.shard_id,
            s.checkpoint or "-",
            "yes" if s.finished else "no",
            f"{s.records_behind}{'+' if s.behind_capped else ''}",
            "never backfilled" if s.seconds_behind is None else f"{s.seconds_behind:.1f}",
            ts(s.checked_at),
            s.dead_letters,
        ]
        for s in statuses
    ]
