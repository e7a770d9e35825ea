"""Shard checkpoints: read them, write them inside the batch's transaction, and guard stream retention.

A checkpoint is (source table, shard) -> last applied sequence number, whether the shard is finished (closed
and fully read), the source time of the last applied record and `checked_at`, the last time the reader saw
the shard's tail. If `checked_at` is older than the stream retention, records after the checkpoint may have
been trimmed unseen: the run is refused and the operator is told to backfill again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from multicloud_ctl.errors import PreflightFailed
from multicloud_ctl.functions.cdc.sinks import upsert_rows

if TYPE_CHECKING:
    from multicloud_ctl.functions.cdc.schema import SyncTables


@dataclass
class Checkpoint:
    source_table: str
    shard_id: str
    parent_shard_id: str | None
    sequence: str | None  # padded; None = from the shard's start
    finished: bool
    record_time: datetime | None
    checked_at: datetime
    records: int = 0


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def load_checkpoints(conn: Connection, tables: SyncTables, source: str) -> dict[str, Checkpoint]:
    """Every checkpoint of one source table, by shard id."""
    t = tables.checkpoints
    assert t is not None
    out = {}
    for row in conn.execute(select(t).where(t.c.source_table == source)).mappings():
        cp = Checkpoint(**dict(row))  # type: ignore[arg-type]
        cp.record_time, cp.checked_at = _utc(cp.record_time), _utc(cp.checked_at)  # type: ignore[assignment]
        cp.finished = bool(cp.finished)
        out[cp.shard_id] = cp
    return out


def write_checkpoint(conn: Connection, tables: SyncTables, cp: Checkpoint) -> None:
    """Upsert one checkpoint (call inside the same transaction as the batch it covers)."""
    assert tables.checkpoints is not None
    row: dict[str, Any] = dict(cp.__dict__)
    upsert_rows(conn, tables.checkpoints, ["source_table", "shard_id"], [row], guard=None)


def retention_guard(cps: dict[str, Checkpoint], source: str, now: datetime, hours: float) -> None:
    """Refuse a table whose unfinished checkpoints were last confirmed longer ago than the retention."""
    limit = timedelta(hours=hours)
    for cp in cps.values():
        if cp.finished:
            continue
        age = now - cp.checked_at
        if age > limit:
            raise PreflightFailed(
                f"checkpoint of {source} shard {cp.shard_id} was last confirmed {cp.checked_at.isoformat()} "
                f"({age.total_seconds() / 3600:.1f} h ago), older than the stream retention ({hours:g} h): "
                "changes may have been trimmed unseen",
                hint=f"run `mcctl sync backfill {source}` again, then `mcctl sync run`",
            )
