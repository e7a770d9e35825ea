"""The failover workflow's `cache_warmup` step against the real Redis on 127.0.0.1:6379 (a key prefix per test)
and the target side's real store: SQLite for Azure (ranked by units sold), moto's DynamoDB for AWS (most recently
updated). Counts in the plan, values and TTLs in Redis, and a failure that is a warning unless required."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

pytestmark = pytest.mark.integration
REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own (`<prefix>product:<id>`); its keys are removed afterwards."""
    import redis

    value = f"mcctl-test-{uuid.uuid4().hex[:10]}:"
    yield value
    client = redis.Redis.from_url(REDIS)
    keys = list(client.scan_iter(match=value + "*"))
    if keys:
        client.delete(*keys)
    client.close()


def product(pid: str, updated: str) -> dict[str, Any]:
    return {
        "product_id": pid,
        "name": f"Product {pid}",
        "category": "tools",
        "price_cents": 1299,
        "currency": "usd",
        "description": "",
        "image_key": "",
        "created_at": "2025-11-01T00:00:00Z",
        "updated_at": updated,
    }


@pytest.fixture
def azure_store(local_env: Any) -> dict[str, dict[str, Any]]:
    """Five products in the environment's SQL (SQLite), p3 and p1 sold recently, p5 only long ago."""
    from sqlalchemy import insert

    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.functions.adapters import sql_schema as t
    from multicloud_ctl.functions.adapters.sql_store import SqlProducts, make_engine
    from multicloud_ctl.functions.domain.products import Product

    engine = make_engine(local_env.azure.sql.url)
    t.metadata.create_all(engine)
    rows = {f"p{i}": product(f"p{i}", f"2026-01-0{i}T00:00:00Z") for i in range(1, 5)}
    rows["p5"] = product("p5", "2025-06-01T00:00:00Z")
    store = SqlProducts(engine)
    for row in rows.values():
        store.put(Product.from_dict(row))
    today = Runtime(local_env).clock().date()
    sold = [("p3", today, 10), ("p1", today - timedelta(days=2), 5), ("p5", today - timedelta(days=30), 100)]
    with engine.begin() as conn:
        conn.execute(
            insert(t.analytics),
            [{"metric": "units", "dimension": p, "day": d.isoformat(), "value": n} for p, d, n in sold],
        )
    engine.dispose()
    return rows


def spec(to: str, **warm: Any) -> Any:
    from multicloud_ctl.config.specs.failover import FailoverSpec

    order = [to, "aws" if to == "azure" else "azure"]
    return FailoverSpec.model_validate({"to": to, "load_balancer": {"order": order}, "cache_warmup": warm})


def run_steps(env: Any, steps: list[Any], *, dry_run: bool = False) -> tuple[Any, list[Any]]:
    import multicloud_ctl.operations.failover.actions  # noqa: F401  (registers the actions)
    from multicloud_ctl.engine.plan import Plan
    from multicloud_ctl.engine.run import Operation, run
    from multicloud_ctl.engine.runtime import Runtime

    rt = Runtime(env, dry_run=dry_run)
    seen: list[Any] = []
    rt.events.subscribe(seen.append)
    return run(rt, Operation("failover", lambda _rt: Plan("failover", tuple(steps)))), seen


def test_azure_warms_the_best_sellers_then_the_newest_with_the_ttl(
    local_env: Any, azure_store: dict[str, Any], prefix: str
) -> None:
    import redis

    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.warmup import warmup_steps

    fo = spec("azure", limit=3, ttl_seconds=120, batch_size=2, key_prefix=prefix)
    steps = warmup_steps(Runtime(local_env, dry_run=True), fo)
    assert [s.id for s in steps] == ["cache-warmup"]
    text = steps[0].description
    assert "warm 3 hottest products" in text and "2 pipelined batches of 2" in text and "ttl 120s" in text
    assert f"keys {prefix}product:<id>" in text and "a failure is a warning" in text

    client = redis.Redis.from_url(REDIS, decode_responses=True)
    _, _ = run_steps(local_env, steps, dry_run=True)
    assert list(client.scan_iter(match=prefix + "*")) == []  # the dry run wrote nothing

    done, _ = run_steps(local_env, steps)
    assert done.status == "ok", done.error
    out = done.execution.steps[0].output
    assert (out["warmed"], out["planned"], out["batches"]) == (3, 3, 2)
    keys = sorted(client.scan_iter(match=prefix + "*"))
    assert keys == [f"{prefix}product:{p}" for p in ("p1", "p3", "p4")]  # sold recently, then the newest unsold
    assert json.loads(client.get(f"{prefix}product:p3")) == azure_store["p3"]  # what ProductService.get caches
    assert all(0 < client.ttl(k) <= 120 for k in keys)
    client.close()


def test_aws_warms_the_most_recently_updated_products(local_env: Any, prefix: str) -> None:
    import redis

    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.warmup import warmup_steps

    table = local_env.aws.tables.products
    ddb = Runtime(local_env).aws.client("dynamodb")
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "product_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "product_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for i in range(1, 5):
        row = product(f"a{i}", f"2026-02-0{i}T00:00:00Z")
        item = {k: ({"N": str(v)} if isinstance(v, int) else {"S": v}) for k, v in row.items() if v != ""}
        ddb.put_item(TableName=table, Item=item)

    steps = warmup_steps(Runtime(local_env, dry_run=True), spec("aws", limit=2, ttl_seconds=60, key_prefix=prefix))
    assert "warm 2 hottest products from aws's store" in steps[0].description
    done, _ = run_steps(local_env, steps)
    assert done.status == "ok", done.error
    assert done.execution.steps[0].output["warmed"] == 2
    client = redis.Redis.from_url(REDIS, decode_responses=True)
    assert sorted(client.scan_iter(match=prefix + "*")) == [f"{prefix}product:a3", f"{prefix}product:a4"]
    assert json.loads(client.get(f"{prefix}product:a4"))["updated_at"] == "2026-02-04T00:00:00Z"
    client.close()


def test_an_unreachable_cache_is_a_warning_unless_the_warm_up_is_required(
    local_env: Any, azure_store: dict[str, Any], refusing_port: int, prefix: str
) -> None:
    from multicloud_ctl.engine.events import Notice
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.warmup import warmup_steps

    url = f"literal-dev:redis://127.0.0.1:{refusing_port}/0"
    steps = warmup_steps(Runtime(local_env, dry_run=True), spec("azure", redis_url=url, key_prefix=prefix))
    assert f"redis 127.0.0.1:{refusing_port}/0" in steps[0].description  # host and port only
    done, seen = run_steps(local_env, steps)
    assert done.status == "ok", done.error
    out = done.execution.steps[0].output
    assert out["warmed"] == 0 and out["planned"] == 5 and f"127.0.0.1:{refusing_port}" in out["warning"]
    assert any(isinstance(e, Notice) and e.level == "warning" and "warm-up skipped" in e.message for e in seen)

    required = warmup_steps(
        Runtime(local_env, dry_run=True), spec("azure", redis_url=url, key_prefix=prefix, required=True)
    )
    assert "a failure fails the failover" in required[0].description
    failed, _ = run_steps(local_env, required)
    assert failed.status == "failed" and "cache warm-up failed" in str(failed.error)
