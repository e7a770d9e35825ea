"""The drill's orders-check against the real stores: the functions' DynamoDB tables on moto, the SQL database
(SQLite) migrated as the sandbox does, and the real sync. Orders acknowledged on AWS are written to DynamoDB by
the AWS side's store, orders acknowledged on Azure to SQL by the Azure side's store; after the sync every one
must be found, and an id SQL never got is lost."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.integration


def order(order_id: str, key: str | None = None) -> Any:
    from multicloud_ctl.functions.domain.orders import Order, OrderLine

    at = "2026-12-04T10:00:00Z"
    return Order(order_id, "user-1", "pending", (OrderLine("p1", 1, 100),), 100, "USD", "a@example.com",
                 key or f"key-{order_id}", at, at)  # fmt: skip


@pytest.fixture
def stores(local_env: Any) -> Any:
    """(runtime, DynamoDB orders store (the AWS side), SQL orders store (the Azure side)), the sync backfilled."""
    from multicloud_ctl.engine.run import run
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.functions.adapters.dynamo_schema import create_tables
    from multicloud_ctl.functions.adapters.dynamo_store import DynamoOrders
    from multicloud_ctl.functions.adapters.sql_store import SqlOrders
    from multicloud_ctl.functions.config import FunctionConfig
    from multicloud_ctl.local.functions.bootstrap import ensure_sql_schema
    from multicloud_ctl.operations.deploy.fnenv import function_env
    from multicloud_ctl.operations.sync.context import open_context
    from multicloud_ctl.operations.sync.runs import backfill_operation

    runtime = Runtime(environment=local_env)
    cfg = FunctionConfig.from_env(function_env(local_env, "aws", None))
    create_tables(runtime.aws.client("dynamodb"), cfg)
    ensure_sql_schema(local_env)
    run(runtime, backfill_operation(None, None, None)).raise_for_status()
    return runtime, DynamoOrders(cfg), SqlOrders(open_context(runtime).engine)


def test_orders_check_runs_the_sync_and_finds_every_order_of_both_sides(stores: Any) -> None:
    from multicloud_ctl.config.specs.failover import OrdersTraffic
    from multicloud_ctl.engine.journal import list_journals
    from multicloud_ctl.operations.failover.orders import check_orders

    runtime, dynamo, sql = stores
    for i in range(3):
        dynamo.put(order(f"aws-{i}"))  # acknowledged on AWS: in SQL only once the sync applied the stream
    sql.put(order("azure-0"))  # acknowledged on Azure during the failover
    # an answer lost on AWS, the order resent with its key and placed again on Azure: two orders, one key
    dynamo.put(order("aws-9", key="drill-t-9"))
    sql.put(order("azure-9", key="drill-t-9"))
    acked = ["aws-0", "aws-1", "azure-0", "aws-2", "aws-1"]  # a replayed acknowledgment counts once
    found = check_orders(runtime, acked, OrdersTraffic(sync="run"), key_prefix="drill-t")
    assert (found.acknowledged, found.found, found.lost_ids) == (4, 4, [])
    assert found.duplicated_keys == ["drill-t-9"] and found.to_dict()["duplicated"] == 1
    assert found.sync["mode"] == "run" and found.sync["records"] >= 3 and "error" not in found.sync
    sync_runs = list_journals(runtime.environment.env_state_dir, verb="sync run")
    assert sync_runs and sync_runs[0]["id"] == found.sync["journal"]  # a nested run with its own journal


def test_an_order_sql_never_got_is_lost_and_the_wait_is_bounded(stores: Any) -> None:
    import time

    from multicloud_ctl.config.specs.failover import OrdersTraffic
    from multicloud_ctl.operations.failover.orders import check_orders, orders_verdict

    runtime, dynamo, sql = stores
    sql.put(order("azure-0"))
    dynamo.put(order("aws-0"))  # nothing runs the sync: with `wait` it never arrives
    t0 = time.monotonic()
    found = check_orders(runtime, ["azure-0", "aws-0", "ghost"], OrdersTraffic(sync="wait", sync_timeout_seconds=1))
    assert 1 <= time.monotonic() - t0 < 5
    assert found.found == 1 and found.lost_ids == ["aws-0", "ghost"]
    assert orders_verdict(found.to_dict(), 0) is False and orders_verdict(found.to_dict(), 2) is True
    # once the sync ran (`run`), the AWS order is there; the ghost (never written anywhere) stays lost
    again = check_orders(runtime, ["azure-0", "aws-0", "ghost"], OrdersTraffic(sync="run"))
    assert again.lost_ids == ["ghost"] and again.to_dict()["lost"] == 1
