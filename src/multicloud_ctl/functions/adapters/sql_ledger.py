"""The Azure-side consumers' SQL tables: Transactions (one per order), Analytics counters, ProcessedEvents."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from multicloud_ctl.functions.adapters import sql_schema as t
from multicloud_ctl.functions.domain.analytics import Increment
from multicloud_ctl.functions.domain.clock import iso, utc_now
from multicloud_ctl.functions.domain.payments import Transaction


class SqlTransactions:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def begin(self, tx: Transaction) -> bool:
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(t.transactions).values(
                        order_id=tx.order_id,
                        user_id=tx.user_id,
                        amount_cents=tx.amount_cents,
                        currency=tx.currency,
                        status=tx.status,
                        provider=tx.provider,
                        provider_ref=tx.provider_ref,
                        reason=tx.reason,
                        created_at=tx.created_at,
                        updated_at=tx.updated_at,
                    )
                )
            return True
        except IntegrityError:
            return False

    def get(self, order_id: str) -> Transaction | None:
        c = t.transactions.c
        with self.engine.connect() as conn:
            row = conn.execute(select(t.transactions).where(c.order_id == order_id)).mappings().first()
        if row is None:
            return None
        return Transaction(
            row["order_id"],
            row["user_id"],
            int(row["amount_cents"]),
            row["currency"],
            row["status"],
            row["provider"],
            row["provider_ref"],
            row["reason"],
            row["created_at"],
            row["updated_at"],
        )

    def finish(self, order_id: str, status: str, provider_ref: str, reason: str, updated_at: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(t.transactions)
                .where(t.transactions.c.order_id == order_id)
                .values(status=status, provider_ref=provider_ref, reason=reason[:500], updated_at=updated_at)
            )


def _mark(conn: Connection, consumer: str, event_id: str) -> bool:
    try:
        with conn.begin_nested():
            conn.execute(
                insert(t.processed_events).values(consumer=consumer, event_id=event_id, processed_at=iso(utc_now()))
            )
        return True
    except IntegrityError:
        return False


class SqlSeen:
    """Which consumer has processed which event id."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def seen(self, consumer: str, event_id: str) -> bool:
        c = t.processed_events.c
        with self.engine.connect() as conn:
            return (
                conn.execute(select(c.event_id).where(c.consumer == consumer, c.event_id == event_id)).first()
                is not None
            )

    def mark(self, consumer: str, event_id: str) -> bool:
        with self.engine.begin() as conn:
            return _mark(conn, consumer, event_id)


class SqlAnalytics:
    consumer = "analytics-processor"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def apply(self, event_id: str, increments: list[Increment]) -> bool:
        c = t.analytics.c
        with self.engine.begin() as conn:
            if not _mark(conn, self.consumer, event_id):
                return False
            for inc in increments:
                key = (c.metric == inc.metric, c.dimension == inc.dimension, c.day == inc.day)
                if conn.execute(update(t.analytics).where(*key).values(value=c.value + inc.value)).rowcount:
                    continue
                try:
                    with conn.begin_nested():
                        conn.execute(
                            insert(t.analytics).values(
                                metric=inc.metric, dimension=inc.dimension, day=inc.day, value=inc.value
                            )
                        )
                except IntegrityError:  # a concurrent first insert won: add to it
                    conn.execute(update(t.analytics).where(*key).values(value=c.value + inc.value))
        return True

    def read(self, metric: str) -> dict[tuple[str, str], int]:
        """(dimension, day) -> value for one metric (reports and tests)."""
        c = t.analytics.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(c.dimension, c.day, c.value).where(c.metric == metric)).all()
        return {(r[0], r[1]): int(r[2]) for r in rows}
