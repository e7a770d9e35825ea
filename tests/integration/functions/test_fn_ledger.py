"""The Azure-side ledger under concurrent redelivery, on SQLite and PostgreSQL: one charge per order, every
event counted once, counters summed exactly."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from multicloud_ctl.functions.adapters import sql_schema as t
from multicloud_ctl.functions.adapters.payments import SandboxProvider
from multicloud_ctl.functions.adapters.sql_ledger import SqlAnalytics, SqlTransactions
from multicloud_ctl.functions.adapters.sql_store import make_engine
from multicloud_ctl.functions.domain.analytics import AnalyticsProcessor
from multicloud_ctl.functions.domain.events import Event
from multicloud_ctl.functions.domain.payments import PaymentProcessor

pytestmark = pytest.mark.integration


class Recorder:
    """A Publisher that keeps what was sent (the bus itself is covered by the SQS tests)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.Lock()

    def send(self, queue: str, body: Any, *, message_id: str | None = None) -> None:
        with self.lock:
            self.sent.append((queue, dict(body)))


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else f"sqlite:///{tmp_path}/l.db"
    eng = make_engine(url)
    t.create_all(eng)
    yield eng
    eng.dispose()


def placed(order_id: str, cents: int, day: str = "2026-11-25") -> Event:
    return Event(
        f"evt-{order_id}",
        "OrderPlaced",
        f"{day}T09:00:00Z",
        "test",
        {
            "order_id": order_id,
            "user_id": "u",
            "total_cents": cents,
            "currency": "usd",
            "lines": [{"product_id": "p1", "quantity": 1, "unit_price_cents": cents}],
        },
    )


def together(n: int, fn: Callable[[int], Any]) -> list[Any]:
    gate = threading.Barrier(n)

    def run(i: int) -> Any:
        gate.wait()
        return fn(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def test_concurrent_redeliveries_charge_once(engine: Any) -> None:
    provider, bus = SandboxProvider(), Recorder()
    processor = PaymentProcessor(SqlTransactions(engine), provider, bus)
    event = placed("o-1", 1500)
    results = together(8, lambda _: processor.handle(event))
    assert {r.status for r in results} == {"succeeded"}
    assert provider.moved == [("o-1", 1500, "usd")]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.transactions)).scalar() == 1
    ids = {body["id"] for queue, body in bus.sent if queue == "payments"}
    assert ids == {"PaymentSucceeded:o-1"}  # every re-announcement is the same event


def test_analytics_counts_each_event_once_and_sums_exactly(engine: Any) -> None:
    store = SqlAnalytics(engine)
    processor = AnalyticsProcessor(store)
    events = [placed(f"o-{i}", 100) for i in range(10)]
    applied = together(20, lambda i: processor.handle(events[i % 10]))  # every event delivered twice at once
    assert sum(applied) == 10
    assert store.read("units") == {("p1", "2026-11-25"): 10}
    assert store.read("orders") == {("*", "2026-11-25"): 10}
