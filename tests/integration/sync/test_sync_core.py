"""Backfill, run, status, verify and replay against moto + SQLite/PostgreSQL through the operations layer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sync_support import put, sql_rows  # type: ignore[import-not-found]

pytestmark = pytest.mark.integration


def test_backfill_then_stream_is_exact(orders: Any, sync_ctx: Any) -> None:
    from multicloud_ctl.operations.sync.backfill import backfill_table
    from multicloud_ctl.operations.sync.run import run_sync
    from multicloud_ctl.operations.sync.verify import verify_sync

    for i in range(30):
        put(orders, f"o{i:02d}", status="new", total={"N": f"{i}.50"})
    orders.delete_item(TableName="Orders", Key={"order_id": {"S": "o00"}})
    from multicloud_ctl.operations.sync import sync_lag_seconds

    assert sync_lag_seconds(sync_ctx.runtime, sync_ctx.spec_path) == float("inf")  # never backfilled
    r = backfill_table(sync_ctx, sync_ctx.mappings[0], 2)
    assert r.rows == 29 and r.position is not None
    assert sync_lag_seconds(sync_ctx.runtime, sync_ctx.spec_path) == 0.0
    # changes after the backfill: update, delete, re-create
    put(orders, "o01", status="paid", total={"N": "99.99"})
    orders.delete_item(TableName="Orders", Key={"order_id": {"S": "o02"}})
    put(orders, "o03", status="x")
    orders.delete_item(TableName="Orders", Key={"order_id": {"S": "o03"}})
    put(orders, "o03", status="back", total={"N": "12345678901234567890.123456789"})
    assert sync_lag_seconds(sync_ctx.runtime, sync_ctx.spec_path) > 0.0
    run = run_sync(sync_ctx)
    assert run.records == 5
    assert sync_lag_seconds(sync_ctx.runtime, sync_ctx.spec_path) == 0.0
    rows = sql_rows(sync_ctx)
    assert len(rows) == 28 and "o02" not in rows and "o00" not in rows
    assert rows["o01"]["status"] == "paid" and str(rows["o01"]["total"]) == "99.99"
    assert rows["o03"]["status"] == "back"
    assert str(rows["o03"]["total"]) == "12345678901234567890.123456789"
    assert all(v.ok for v in verify_sync(sync_ctx))
    # a second run replays nothing; o02's row is gone and its tombstone keeps the delete's sequence number
    assert run_sync(sync_ctx).records == 0
    assert "o02" not in sql_rows(sync_ctx, live_only=False)
    from sqlalchemy import select

    with sync_ctx.engine.connect() as conn:
        tombs = {t["keys"]: t for t in conn.execute(select(sync_ctx.tables.tombstones)).mappings()}
    assert set(tombs) == {'{"order_id":{"S":"o02"}}'}  # o00 went before the backfill; o03 came back
    assert tombs['{"order_id":{"S":"o02"}}']["_seq"] > rows["o01"]["_seq"]


def test_the_shipped_playbook_fills_the_standby_tables(ddb: Any, sync_env: Any) -> None:
    """playbooks/sync.yaml into the functions' own tables (what the standby API reads), on both databases."""
    from pathlib import Path

    from sqlalchemy import select
    from sync_support import make_table  # type: ignore[import-not-found]

    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.functions.adapters.sql_schema import metadata as fn_metadata
    from multicloud_ctl.operations.sync.backfill import backfill_table
    from multicloud_ctl.operations.sync.context import open_context
    from multicloud_ctl.operations.sync.run import run_sync
    from multicloud_ctl.operations.sync.verify import verify_sync

    for name, key in (
        ("Orders", "order_id"),
        ("Products", "product_id"),
        ("Inventory", "product_id"),
        ("Users", "user_id"),
    ):
        make_table(ddb, name, key)
    ctx = open_context(Runtime(environment=sync_env), Path(__file__).resolve().parents[3] / "playbooks/sync.yaml")
    fn_metadata.create_all(ctx.engine)
    ddb.put_item(
        TableName="Products",
        Item={
            "product_id": {"S": "p1"},
            "name": {"S": "Mug"},
            "category": {"S": "kitchen"},
            "price_cents": {"N": "999"},
        },
    )
    for m in ctx.mappings:
        backfill_table(ctx, m, 2)
    ddb.put_item(
        TableName="Orders",
        Item={
            "order_id": {"S": "o1"},
            "user_id": {"S": "u1"},
            "status": {"S": "placed"},
            "total_cents": {"N": "1998"},
            "currency": {"S": "usd"},
            "lines": {
                "L": [{"M": {"product_id": {"S": "p1"}, "quantity": {"N": "2"}, "unit_price_cents": {"N": "999"}}}]
            },
        },
    )
    ddb.put_item(TableName="Inventory", Item={"product_id": {"S": "p1"}, "available": {"N": "7"}})
    ddb.put_item(TableName="Users", Item={"user_id": {"S": "u1"}, "marketing_opt_in": {"BOOL": True}})
    ddb.delete_item(TableName="Products", Key={"product_id": {"S": "p1"}})
    assert run_sync(ctx).records == 4
    with ctx.engine.connect() as conn:
        order = conn.execute(select(fn_metadata.tables["orders"])).mappings().one()
        stock = conn.execute(select(fn_metadata.tables["inventory"])).mappings().one()
        user = conn.execute(select(fn_metadata.tables["users"])).mappings().one()
        assert conn.execute(select(fn_metadata.tables["products"])).all() == []
    assert json.loads(order["lines"]) == [{"product_id": "p1", "quantity": 2, "unit_price_cents": 999}]
    assert order["total_cents"] == 1998 and order["status"] == "placed" and order["email"] is None
    assert stock["available"] == 7 and user["marketing_opt_in"] is True
    assert all(v.ok for v in verify_sync(ctx))


def test_backfill_repairs_sql_whatever_its_sequence_numbers(orders: Any, sync_ctx: Any) -> None:
    """A re-backfill is authoritative: rows ahead of the captured position (as rows from another shard can be)
    are replaced by the scan, and keys DynamoDB no longer has are deleted."""
    from sqlalchemy import insert, update

    from multicloud_ctl.operations.sync.backfill import backfill_table
    from multicloud_ctl.operations.sync.run import run_sync
    from multicloud_ctl.operations.sync.verify import verify_sync

    for i in range(5):
        put(orders, f"o{i}", status="new")
    backfill_table(sync_ctx, sync_ctx.mappings[0], 2)
    run_sync(sync_ctx)
    t = sync_ctx.tables.table_for("Orders")
    with sync_ctx.engine.begin() as conn:
        conn.execute(update(t).where(t.c.order_id == "o1").values(status="wrong", _hash="x", _seq="9" * 40))
        conn.execute(insert(t).values(order_id="ghost", status="new", _seq="9" * 40, _deleted=False))
    assert not verify_sync(sync_ctx)[0].ok
    r = backfill_table(sync_ctx, sync_ctx.mappings[0], 2)
    assert r.tombstoned == 1
    rows = sql_rows(sync_ctx)
    assert set(rows) == {f"o{i}" for i in range(5)} and rows["o1"]["status"] == "new"
    put(orders, "o1", status="paid")  # the stream still wins after the repair
    run_sync(sync_ctx)
    assert sql_rows(sync_ctx)["o1"]["status"] == "paid"
    assert all(v.ok for v in verify_sync(sync_ctx))


def test_a_recreated_table_is_a_new_stream_not_the_old_one_resumed(orders: Any, sync_ctx: Any) -> None:
    """A table deleted and created again (or a sandbox restarted) has a new stream with new shard ids, as on AWS:
    the old stream's checkpoints must not place the new stream's tail (they pointed past its records)."""
    from sync_support import make_table  # type: ignore[import-not-found]

    from multicloud_ctl.operations.sync.backfill import backfill_table
    from multicloud_ctl.operations.sync.run import run_sync
    from multicloud_ctl.operations.sync.verify import verify_sync

    for i in range(40):
        put(orders, f"o{i:02d}", status="new")
    backfill_table(sync_ctx, sync_ctx.mappings[0], 1)
    put(orders, "o00", status="paid")
    assert run_sync(sync_ctx).records == 1
    old_shards = {s.shard_id for s in sync_ctx.streams.describe_stream("Orders", _arn(sync_ctx)).shards}
    orders.delete_table(TableName="Orders")
    make_table(orders)
    new_shards = {s.shard_id for s in sync_ctx.streams.describe_stream("Orders", _arn(sync_ctx)).shards}
    assert not old_shards & new_shards
    for i in range(3):
        put(orders, f"n{i}", status="new")
    backfill_table(sync_ctx, sync_ctx.mappings[0], 1)
    put(orders, "n0", status="shipped")
    put(orders, "n9", status="new")
    assert run_sync(sync_ctx).records == 2
    rows = sql_rows(sync_ctx)
    assert rows["n0"]["status"] == "shipped" and rows["n9"]["status"] == "new"
    assert all(v.ok for v in verify_sync(sync_ctx)), [v for v in verify_sync(sync_ctx) if not v.ok]


def _arn(ctx: Any) -> str:
    arn = ctx.streams.describe_table("Orders").stream_arn
    assert arn is not None
    return str(arn)
