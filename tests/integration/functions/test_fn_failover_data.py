"""Failover data path: what the AWS side writes to DynamoDB reaches the standby's SQL tables through the sync's
own apply core (real stream records from moto), and the Azure standby API serves and changes it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from fn_support import API_KEY, Shop, apigw_event, make_shop

from multicloud_ctl.functions.adapters import sql_schema
from multicloud_ctl.functions.aws_lambda.router import route
from multicloud_ctl.functions.azure.api import handle_http
from multicloud_ctl.functions.cdc.apply import apply_records, normalize_record
from multicloud_ctl.functions.cdc.schema import KeyColumn, ProjectedColumn, TableMapping, build_metadata

pytestmark = pytest.mark.integration
SVC = {"X-Api-Key": API_KEY}

# the mapping playbooks/sync.yaml should use: the standby's guarded columns are projected
MAPPINGS = [
    TableMapping(
        "Products",
        "products",
        (KeyColumn("product_id", "product_id", length=64),),
        (ProjectedColumn("category", "category", length=100),),
    ),
    TableMapping(
        "Inventory",
        "inventory",
        (KeyColumn("product_id", "product_id", length=64),),
        (ProjectedColumn("available", "available", "number"),),
    ),
    TableMapping(
        "Orders",
        "orders",
        (KeyColumn("order_id", "order_id", length=64),),
        (ProjectedColumn("status", "status", length=32),),
        delete_mode="mark",
    ),
    TableMapping("Users", "users", (KeyColumn("user_id", "user_id", length=64),)),
]


def sync_once(shop: Shop) -> None:
    """Read every stream shard from the start and apply it with the sync's apply core."""
    kw = {"endpoint_url": shop.url, "region_name": "us-east-1"}
    ddb, streams = boto3.client("dynamodb", **kw), boto3.client("dynamodbstreams", **kw)
    engine = shop.services.engine
    tables = build_metadata(MAPPINGS)
    tables.metadata.create_all(engine)  # the sync's own tables; the data tables exist already (ours)
    for mapping in MAPPINGS:
        arn = ddb.describe_table(TableName=mapping.source)["Table"]["LatestStreamArn"]
        records: list[Any] = []
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")[
                "ShardIterator"
            ]
            while it:
                out = streams.get_records(ShardIterator=it, Limit=1000)
                records += out["Records"]
                it = out.get("NextShardIterator") if out["Records"] else None
        with engine.begin() as conn:
            apply_records(conn, tables, mapping, [normalize_record(r) for r in records], now=datetime.now(UTC))


def azure(
    method: str, path: str, headers: dict[str, str] | None = None, body: Any = None, query: dict[str, str] | None = None
) -> tuple[int, Any]:
    status, _, text = handle_http(method, path, headers or {}, query or {}, json.dumps(body) if body else None)
    return status, json.loads(text) if text else None


@pytest.fixture(params=["sqlite", "postgresql"])
def shop(request: pytest.FixtureRequest, aws: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Shop:
    """The AWS side on moto, with the standby's SQL copy on SQLite or PostgreSQL."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    return make_shop(aws, tmp_path, monkeypatch, sql_url=url)


def test_synced_data_is_served_and_changed_by_the_standby(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    made = route(
        apigw_event(
            "POST",
            "/products",
            headers=SVC,
            body={"name": "Teapot", "category": "tea", "price_cents": 2500, "description": "cast"},
        )
    )
    pid = json.loads(made["body"])["product_id"]
    route(apigw_event("PUT", f"/inventory/{pid}", headers=SVC, body={"available": 3}))
    route(apigw_event("PUT", "/users/me", headers=shop.bearer("hana"), body={"email": "hana@shop.test"}))
    placed = route(
        apigw_event(
            "POST", "/orders", headers=shop.bearer("hana"), body={"lines": [{"product_id": pid, "quantity": 1}]}
        )
    )
    order = json.loads(placed["body"])
    sync_once(shop)

    monkeypatch.setenv("MCCTL_FN_CLOUD", "azure")  # AWS is down: the standby serves from its SQL copy
    monkeypatch.setenv("MCCTL_FN_STORE", "sql")
    status, product = azure("GET", f"/products/{pid}")
    assert status == 200 and product["name"] == "Teapot" and product["description"] == "cast"
    assert [p["product_id"] for p in azure("GET", "/products", query={"category": "tea"})[1]["items"]] == [pid]
    assert azure("GET", f"/inventory/{pid}")[1]["available"] == 2
    mine = shop.bearer("hana")
    got = azure("GET", f"/orders/{order['order_id']}", mine)[1]
    assert got["lines"] == [{"product_id": pid, "quantity": 1, "unit_price_cents": 2500}] and got["status"] == "pending"
    # the shop stays open: orders, stock guard and status transitions work on the synced rows
    status, second = azure("POST", "/orders", mine, {"lines": [{"product_id": pid, "quantity": 2}]})
    assert status == 201 and second["email"] == "hana@shop.test"
    assert azure("POST", "/orders", mine, {"lines": [{"product_id": pid, "quantity": 1}]})[0] == 409
    assert azure("GET", f"/inventory/{pid}")[1]["available"] == 0
    assert azure("PUT", f"/orders/{order['order_id']}/status", SVC, {"status": "paid"})[1]["status"] == "paid"
    with shop.services.engine.connect() as conn:
        row = conn.execute(sql_schema.inventory.select()).mappings().one()
    assert row["available"] == 0 and json.loads(row["_doc"])["available"] == {"N": "2"}  # the column wins


def test_rows_the_sync_marked_deleted_are_gone_for_the_standby(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    pid = json.loads(
        route(
            apigw_event("POST", "/products", headers=SVC, body={"name": "Cup", "category": "tea", "price_cents": 100})
        )["body"]
    )["product_id"]
    route(apigw_event("PUT", f"/inventory/{pid}", headers=SVC, body={"available": 5}))
    placed = json.loads(
        route(
            apigw_event(
                "POST", "/orders", headers=shop.bearer("ivan"), body={"lines": [{"product_id": pid, "quantity": 1}]}
            )
        )["body"]
    )
    boto3.client("dynamodb", endpoint_url=shop.url, region_name="us-east-1").delete_item(
        TableName="Orders", Key={"order_id": {"S": placed["order_id"]}}
    )
    sync_once(shop)
    monkeypatch.setenv("MCCTL_FN_CLOUD", "azure")
    monkeypatch.setenv("MCCTL_FN_STORE", "sql")
    assert azure("GET", f"/orders/{placed['order_id']}", SVC)[0] == 404
    with shop.services.engine.connect() as conn:
        assert conn.execute(sql_schema.orders.select()).mappings().one()["_deleted"]
