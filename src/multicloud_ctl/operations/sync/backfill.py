"""`mcctl sync backfill`: copy whole tables by parallel Scan segments, handing over to the stream without a gap.

Hand-over: before the scan starts, each open shard is read (not applied) to its tail; its checkpoint is set
there, and `sync run` replays only what comes after. A scanned value is at least as new as every record up
to those tails, so scanned rows replace what SQL holds for their keys (whatever its `_seq`), labelled with
the lowest tail P; records after the tails are newer than P and win over the scanned rows in order, so the
replay ends at DynamoDB's state: nothing is lost, and a replay is harmless. Keys in SQL that the scan did
not see were deleted before it: they are deleted (tombstone `_seq` P) the same way.

Memory stays flat as the table grows: scanned key digests go to a spill file (`spill.SpillFile`), and the
sweep walks the SQL keys a page at a time (keyset pagination), asking the spill file which it has seen.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, and_, bindparam, delete, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from multicloud_ctl.functions.cdc.apply import StreamRecord, row_for, write_dead_letters
from multicloud_ctl.functions.cdc.schema import DELETED, SEQ, SOURCE_TIME
from multicloud_ctl.functions.cdc.typemap import UnappliableRecord, content_hash, pad_seq
from multicloud_ctl.functions.cdc.writer import key_hash, write_rows
from multicloud_ctl.operations.prefetch import prefetched
from multicloud_ctl.operations.sync.checkpoint import Checkpoint, load_checkpoints, write_checkpoint
from multicloud_ctl.operations.sync.context import check_source
from multicloud_ctl.operations.sync.spill import SpillFile
from multicloud_ctl.operations.sync.sqlschema import check_tables, create_tables
from multicloud_ctl.operations.sync.stream import Patience, Tail, find_tail

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

    from multicloud_ctl.functions.cdc.schema import TableMapping
    from multicloud_ctl.operations.sync.context import SyncContext
    from multicloud_ctl.providers.aws.dynamodb_streams import ShardInfo

SCAN_PAGE = 1000
SWEEP_PAGE = 1000
SEEN = "scanned_keys"  # the spill file's set of scanned key digests


@dataclass
class BackfillResult:
    table: str
    rows: int = 0
    dead_letters: int = 0
    tombstoned: int = 0
    position: str | None = None
    shards: int = 0
    capture_seconds: float = 0.0
    scan_seconds: float = 0.0
    created_tables: list[str] = field(default_factory=list)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.scan_seconds if self.scan_seconds else 0.0


def plan_backfill(ctx: SyncContext, names: list[str] | None) -> list[dict[str, Any]]:
    """What a backfill would do (read-only: DescribeTable only), for `--dry-run`."""
    out = []
    for m in ctx.select(names):
        info = check_source(ctx, m)
        out.append(
            {
                "table": m.source,
                "target": m.target,
                "approx_items": info.item_count,
                "segments": ctx.spec.segments,
                "stream": info.stream_arn,
            }
        )
    return out


def capture_position(ctx: SyncContext, mapping: TableMapping, arn: str) -> tuple[list[Checkpoint], str | None]:
    """Checkpoints at each shard's current tail (read before the scan) and the label for scanned rows."""
    now = ctx.now()
    with ctx.engine.connect() as conn:
        old = load_checkpoints(conn, ctx.tables, mapping.source)
    stream = ctx.streams.describe_stream(mapping.source, arn)
    cps: list[Checkpoint] = []
    open_tails: list[str] = []
    patience = Patience(seconds=ctx.spec.throttle_patience_seconds)

    def tail_of(shard: ShardInfo) -> Tail:
        prior = old.get(shard.shard_id)
        start = None if prior is None or prior.sequence is None else prior.sequence.lstrip("0") or "0"
        return find_tail(ctx.streams, arn, shard, start, idle_pages=ctx.spec.idle_pages, patience=patience)

    with ThreadPoolExecutor(max_workers=ctx.spec.shard_concurrency, thread_name_prefix="sync-tail") as pool:
        tails = list(pool.map(tail_of, stream.shards))  # every shard's tail at once, in shard order
    for shard, tail in zip(stream.shards, tails, strict=True):
        seq = pad_seq(tail.sequence) if tail.sequence else None
        cps.append(Checkpoint(mapping.source, shard.shard_id, shard.parent_shard_id, seq, tail.finished, None, now, 0))
        if not tail.finished:
            open_tails.append(seq or "0" * 40)
    label = min(open_tails) if open_tails else max((c.sequence or "0" * 40 for c in cps), default="0" * 40)
    return cps, label


def _scan_segment(
    ctx: SyncContext, mapping: TableMapping, segment: int, total: int, label: str, when: datetime, seen: SpillFile
) -> tuple[int, int]:
    rows_done = dead_done = 0

    def scan_pages() -> Iterator[list[dict[str, Any]]]:
        start: dict[str, Any] | None = None
        while True:
            items, start = ctx.streams.scan_page(
                mapping.source, segment=segment, total=total, limit=SCAN_PAGE, start_key=start
            )
            yield items
            if not start:
                return

    for items in prefetched(scan_pages()):
        rows, dead, digests = [], [], []
        for item in items:
            keys = {k.attribute: item.get(k.attribute, {}) for k in mapping.keys}
            raw = {
                "eventName": "INSERT",
                "dynamodb": {"Keys": keys, "NewImage": item, "SequenceNumber": label.lstrip("0") or "0"},
            }
            rec = StreamRecord(
                event="INSERT", keys=keys, new_image=item, old_image=None, seq=label, created=when, raw=raw
            )
            digests.append(bytes.fromhex(content_hash(rec.key_id))[:16])  # dead-lettered keys are not swept either
            try:
                rows.append(row_for(mapping, rec))
            except UnappliableRecord as exc:
                dead.append((rec, f"backfill: {exc}"))
        seen.add_keys(SEEN, digests)
        with ctx.engine.begin() as conn:
            write_rows(conn, ctx.tables, mapping, rows, authoritative=True)
            if dead:
                write_dead_letters(conn, ctx.tables, mapping.source, None, dead, when)
        rows_done += len(rows)
        dead_done += len(dead)
    return rows_done, dead_done


def _digest(mapping: TableMapping, row: dict[str, Any]) -> bytes:
    return bytes.fromhex(key_hash(mapping, row))[:16]


def _after(table: Table, keys: list[str], last: dict[str, Any]) -> ColumnElement[bool]:
    """Keyset pagination: rows whose key sorts after `last` (row-value comparison spelled out, for SQL Server)."""
    terms = []
    for i, k in enumerate(keys):
        equal = [table.c[p] == last[p] for p in keys[:i]]
        terms.append(and_(*equal, table.c[k] > last[k]))
    return or_(*terms)


def _live_key_pages(conn: Connection, table: Table, keys: list[str]) -> Iterator[list[dict[str, Any]]]:
    """The live keys in SQL, a page at a time in key order (safe while the pages themselves are deleted)."""
    last: dict[str, Any] | None = None
    while True:
        query = select(*(table.c[k] for k in keys)).where(table.c[DELETED].is_(False))
        if last is not None:
            query = query.where(_after(table, keys, last))
        page = [dict(r) for r in conn.execute(query.order_by(*(table.c[k] for k in keys)).limit(SWEEP_PAGE)).mappings()]
        if not page:
            return
        yield page
        last = page[-1]


def _sweep(
    conn: Connection, ctx: SyncContext, mapping: TableMapping, seen: SpillFile, label: str, when: datetime
) -> int:
    """Keys in SQL that the scan did not see did not exist after the capture: delete them (or mark them)."""
    table = ctx.tables.table_for(mapping.source)
    keys = mapping.key_columns
    blank = {c.name: None for c in table.columns}
    swept = 0
    for page in _live_key_pages(conn, table, keys):
        digests = [_digest(mapping, r) for r in page]
        present = seen.present(SEEN, list(digests))
        gone = [
            {**blank, **r, SEQ: label, DELETED: True, SOURCE_TIME: when}
            for r, d in zip(page, digests, strict=True)
            if d not in present
        ]
        if not gone:
            continue
        swept += len(gone)
        if mapping.delete_mode == "mark":
            match = and_(*(table.c[k] == bindparam(f"k_{k}") for k in keys))
            conn.execute(
                update(table).where(match).values({SEQ: label, DELETED: True}),
                [{f"k_{k}": g[k] for k in keys} for g in gone],
            )
        else:
            write_rows(conn, ctx.tables, mapping, gone, authoritative=True)
    return swept


def _replace_checkpoints(conn: Connection, ctx: SyncContext, mapping: TableMapping, cps: list[Checkpoint]) -> None:
    cpt = ctx.tables.checkpoints
    assert cpt is not None
    conn.execute(
        delete(cpt).where(and_(cpt.c.source_table == mapping.source, cpt.c.shard_id.not_in([c.shard_id for c in cps])))
    )
    for cp in cps:
        write_checkpoint(conn, ctx.tables, cp)


def backfill_table(ctx: SyncContext, mapping: TableMapping, segments: int) -> BackfillResult:
    """Backfill one table (tables created if missing, then checked) and set its checkpoints for `sync run`."""
    info = check_source(ctx, mapping)
    result = BackfillResult(mapping.source, created_tables=create_tables(ctx, [mapping]))
    check_tables(ctx, [mapping])
    t0 = time.perf_counter()
    cps, label = capture_position(ctx, mapping, info.stream_arn)
    result.capture_seconds = time.perf_counter() - t0
    label = label or "0" * 40
    when = ctx.now()
    t1 = time.perf_counter()
    with SpillFile() as seen, ThreadPoolExecutor(max_workers=segments) as pool:
        futures = [pool.submit(_scan_segment, ctx, mapping, s, segments, label, when, seen) for s in range(segments)]
        for fut in futures:
            rows, dead = fut.result()
            result.rows += rows
            result.dead_letters += dead
        with ctx.engine.begin() as conn:
            result.tombstoned = _sweep(conn, ctx, mapping, seen, label, when)
            _replace_checkpoints(conn, ctx, mapping, cps)
    result.scan_seconds = time.perf_counter() - t1
    result.position, result.shards = label.lstrip("0") or None, len(cps)
    return result
