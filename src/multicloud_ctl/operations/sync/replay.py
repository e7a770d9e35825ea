"""`mcctl sync replay`: retry the dead letters through the same guarded upsert.

A replayed record still loses to anything newer already in SQL (the `_seq` guard), so replaying late is safe.
Resolved letters get `resolved_at`; failures count an attempt and keep their latest reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from multicloud_ctl.functions.cdc.apply import apply_records, record_from_text
from multicloud_ctl.functions.cdc.typemap import UnappliableRecord
from multicloud_ctl.operations.sync.sqlschema import check_tables

if TYPE_CHECKING:
    from multicloud_ctl.operations.sync.context import SyncContext


@dataclass
class ReplayResult:
    tried: int = 0
    resolved: int = 0
    failed: int = 0


def pending_letters(ctx: SyncContext, names: list[str] | None = None) -> list[dict[str, object]]:
    t = ctx.tables.dead_letters
    assert t is not None
    sources = [m.source for m in ctx.select(names)]
    with ctx.engine.connect() as conn:
        rows = (
            conn.execute(
                select(t)
                .where(
                    t.c.resolved_at.is_(None),
                    t.c.source_table.in_(sources),
                    t.c.attempts < ctx.spec.dead_letter.max_attempts,
                )
                .order_by(t.c.sequence, t.c.id)
            )
            .mappings()
            .all()
        )
    return [dict(r) for r in rows]


def replay_dead_letters(ctx: SyncContext, names: list[str] | None = None) -> ReplayResult:
    mappings = ctx.select(names)
    check_tables(ctx, mappings)
    by_source = {m.source: m for m in mappings}
    t = ctx.tables.dead_letters
    assert t is not None
    result = ReplayResult()
    for letter in pending_letters(ctx, names):
        m = by_source[str(letter["source_table"])]
        result.tried += 1
        now = ctx.now()
        with ctx.engine.begin() as conn:
            try:
                applied = apply_records(
                    conn, ctx.tables, m, [record_from_text(str(letter["record"]))], now=now, record_dead=False
                )
                reason = applied.reasons[0] if applied.dead else None
            except UnappliableRecord as exc:
                reason = str(exc)
            if reason is not None:
                conn.execute(
                    update(t)
                    .where(t.c.id == letter["id"])
                    .values(attempts=t.c.attempts + 1, reason=f"replay: {reason}")
                )
                result.failed += 1
                continue
            conn.execute(update(t).where(t.c.id == letter["id"]).values(resolved_at=now))
            result.resolved += 1
    return result
