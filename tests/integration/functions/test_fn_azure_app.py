"""The Azure side: the standby API from SQL (SQLite and PostgreSQL) with the same domain code, the consumers,
and the Functions v2 app (azure-functions) whose decorated functions are invoked with real binding objects."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest
from azure.functions.timer import TimerRequest
from fn_support import API_KEY, Shop, make_shop
from sqlalchemy import select

from multicloud_ctl.functions.adapters import sql_schema as t
from multicloud_ctl.functions.azure.api import handle_http
from multicloud_ctl.functions.azure.consumers import handle_message
from multicloud_ctl.functions.azure.function_app import create_app

pytestmark = pytest.mark.integration
SVC = {"x-api-key": API_KEY}


@pytest.fixture(params=["sqlite", "postgresql"])
def standby(request: pytest.FixtureRequest, aws: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Shop:
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    return make_shop(aws, tmp_path, monkeypatch, cloud="azure", sql_url=url)


def call(
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: Any = None,
    query: dict[str, str] | None = None,
) -> tuple[int, Any]:
    status, _, text = handle_http(
        method, path, headers or {}, query or {}, json.dumps(body) if body is not None else None
    )
    return status, json.loads(text) if text else None


def test_new_products_get_the_configured_currency(standby: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCCTL_FN_CURRENCY", "eur")
    assert call("POST", "/products", SVC, {"name": "Pan", "category": "k", "price_cents": 1})[1]["currency"] == "eur"
    body = {"name": "Pot", "category": "k", "price_cents": 1, "currency": "gbp"}
    assert call("POST", "/products", SVC, body)[1]["currency"] == "gbp"


def test_standby_serves_the_shop_from_sql(standby: Shop) -> None:
    assert call("GET", "/health") == (200, {"status": "ok", "cloud": "azure"})
    ids = [
        call("POST", "/products", SVC, {"name": f"Tea {i}", "category": "tea", "price_cents": 300})[1]["product_id"]
        for i in range(5)
    ]
    page1 = call("GET", "/products", query={"category": "tea", "limit": "3"})[1]
    page2 = call("GET", "/products", query={"category": "tea", "limit": "3", "cursor": page1["cursor"]})[1]
    assert sorted(p["product_id"] for p in page1["items"] + page2["items"]) == sorted(ids)
    assert page2["cursor"] is None
    assert call("PUT", f"/inventory/{ids[0]}", SVC, {"available": 3})[1]["available"] == 3
    status, order = call(
        "POST",
        "/orders",
        {**standby.bearer("erin"), "idempotency-key": "k-1"},
        {"lines": [{"product_id": ids[0], "quantity": 2}]},
    )
    assert status == 201 and order["total_cents"] == 600
    with standby.services.engine.connect() as conn:
        row = conn.execute(select(t.orders).where(t.orders.c.order_id == order["order_id"])).mappings().one()
        assert row["status"] == "pending" and json.loads(row["lines"])[0]["quantity"] == 2
        assert conn.execute(select(t.inventory.c.available).where(t.inventory.c.product_id == ids[0])).scalar() == 1
    # the consumers on the same side take the order through payment to `paid`
    bus = standby.services.bus
    for queue in ("orders", "payments"):
        for msg in bus.receive(queue, wait_seconds=0):
            handle_message(queue, msg.body)
            bus.complete(msg)
    assert call("GET", f"/orders/{order['order_id']}", standby.bearer("erin"))[1]["status"] == "paid"
    assert call("GET", f"/payments/{order['order_id']}", SVC)[1]["amount_cents"] == 600


def functions(app: func.FunctionApp) -> dict[str, Any]:
    """name -> user function (get_functions() validates and may be called once per app)."""
    return {f.get_function_name(): f.get_user_function() for f in app.get_functions()}


def test_the_function_app_is_a_thin_layer_over_the_plain_callables(standby: Shop) -> None:
    fns = functions(create_app())
    assert sorted(fns) == [
        "analytics_processor",
        "api",
        "backup_service",
        "notification_service",
        "order_status",
        "payment_processor",
    ]
    api = fns["api"]
    created = api(
        func.HttpRequest(
            "POST",
            "http://localhost/products",
            headers=SVC,
            params={},
            route_params={"path": "products"},
            body=json.dumps({"name": "Cup", "category": "tea", "price_cents": 450}).encode(),
        )
    )
    assert created.status_code == 201
    pid = json.loads(created.get_body())["product_id"]
    got = api(
        func.HttpRequest(
            "GET",
            f"http://localhost/products/{pid}",
            headers={},
            params={},
            route_params={"path": f"products/{pid}"},
            body=b"",
        )
    )
    assert got.status_code == 200 and json.loads(got.get_body())["name"] == "Cup"
    event = {
        "id": "evt-1",
        "type": "OrderPlaced",
        "occurred_at": "2026-11-25T08:00:00Z",
        "source": "test",
        "data": {
            "order_id": "o-1",
            "user_id": "u-1",
            "total_cents": 450,
            "currency": "usd",
            "lines": [{"product_id": pid, "quantity": 1, "unit_price_cents": 450}],
        },
    }
    pay = fns["payment_processor"]
    pay(func.ServiceBusMessage(body=json.dumps(event).encode()))
    pay(func.ServiceBusMessage(body=json.dumps(event).encode()))  # redelivered by the platform
    with standby.services.engine.connect() as conn:
        rows = conn.execute(select(t.transactions)).mappings().all()
    assert [(r["order_id"], r["status"]) for r in rows] == [("o-1", "succeeded")]
    fns["analytics_processor"](func.ServiceBusMessage(body=json.dumps(event).encode()))
    with pytest.raises(Exception, match="malformed event envelope"):
        pay(func.ServiceBusMessage(body=b"not json"))  # raising makes the platform abandon / dead-letter


def test_the_backup_timer_runs_the_injected_core(standby: Shop) -> None:
    calls: list[str] = []

    def core() -> dict[str, Any]:
        calls.append("ran")
        return {"copied": 3}

    functions(create_app(backup_core=core))["backup_service"](TimerRequest(past_due=False))
    assert calls == ["ran"]
    functions(create_app())["backup_service"](TimerRequest())  # no core: a logged no-op

    def broken() -> None:
        raise RuntimeError("blob store down")

    with pytest.raises(RuntimeError, match="blob store down"):
        functions(create_app(backup_core=broken))["backup_service"](TimerRequest())
