"""Weekly snapshot round trip: back up S3 + DynamoDB + SQL, wipe the sources, restore, compare everything."""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from backup_testkit import bucket_contents, make_runtime, seed

from multicloud_ctl.config.specs.backup import BackupSpec
from multicloud_ctl.errors import Degraded
from multicloud_ctl.operations.backup import run_weekly
from multicloud_ctl.operations.backup.manifest import read_manifest
from multicloud_ctl.operations.backup.run import run_restore
from multicloud_ctl.operations.backup.store import open_store
from multicloud_ctl.operations.backup.verify import verify_backup

pytestmark = pytest.mark.integration


def _make_table(ddb: Any, name: str, *, sort_key: bool = False) -> None:
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    attrs = [{"AttributeName": "pk", "AttributeType": "S"}]
    if sort_key:
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
        attrs.append({"AttributeName": "sk", "AttributeType": "N"})
    ddb.create_table(TableName=name, KeySchema=keys, AttributeDefinitions=attrs, BillingMode="PAY_PER_REQUEST")


def _items(ddb: Any, table: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for page in ddb.get_paginator("scan").paginate(TableName=table):
        out += page["Items"]
    return sorted(out, key=lambda i: (i["pk"]["S"], i.get("sk", {}).get("N", "")))


def _seed_sql(url: str) -> sa.Table:
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    table = sa.Table(
        "Transactions",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("amount", sa.Numeric(12, 2)),
        sa.Column("at", sa.DateTime),
        sa.Column("note", sa.String(50), nullable=True),
        sa.Column("raw", sa.LargeBinary),
    )
    meta.create_all(engine)
    import datetime as dt

    with engine.begin() as conn:
        conn.execute(
            table.insert(),
            [
                {
                    "id": i,
                    "amount": Decimal(f"{i}.25"),
                    "at": dt.datetime(2026, 1, 1, 0, i),
                    "note": None if i % 3 else f"n{i}",
                    "raw": bytes([i, 0, 255]),
                }
                for i in range(1, 41)
            ],
        )
    engine.dispose()
    return table


def _rows(url: str) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.text('SELECT * FROM "Transactions" ORDER BY id'))]
    engine.dispose()
    return rows


def test_weekly_round_trip_restores_every_byte_and_item(runtime: Any, container: str) -> None:
    objects = {f"img/{i}.jpg": os.urandom(50 + i) for i in range(30)} | {"big.bin": os.urandom(600 * 1024)}
    seed(runtime, "src-a", objects)
    ddb = runtime.aws.client("dynamodb")
    _make_table(ddb, "Products")
    _make_table(ddb, "Orders", sort_key=True)
    for i in range(120):
        ddb.put_item(
            TableName="Products",
            Item={
                "pk": {"S": f"p{i:03d}"},
                "price": {"N": f"{i}.5"},
                "tags": {"SS": ["a", f"t{i}"]},
                "blob": {"B": bytes([i % 256, 1, 2])},
                "meta": {"M": {"n": {"N": "1"}, "l": {"L": [{"BOOL": True}]}}},
                "gone": {"NULL": True},
            },
        )
    for i in range(50):
        ddb.put_item(TableName="Orders", Item={"pk": {"S": f"o{i % 7}"}, "sk": {"N": str(i)}})
    sql_url = str(runtime.environment.azure.sql.url)
    _seed_sql(sql_url)
    spec = BackupSpec(
        mode="weekly",
        buckets=["src-a"],
        tables=["Products", "Orders"],
        sql_tables=["Transactions"],
        container=container,
        parallelism=4,
        block_size=256 * 1024,
        scan_segments=3,
    )
    before_items = {t: _items(ddb, t) for t in ("Products", "Orders")}
    before_rows = _rows(sql_url)

    summary = run_weekly(runtime, spec)
    assert summary["tables"] == {"Products": 120, "Orders": 50, "Transactions": 40}
    store = open_store(runtime, spec)
    manifest = read_manifest(store.blobs, store.layout, summary["id"])
    keys = {e.key for e in manifest.entries}
    assert {"config.json", "dynamodb/Products.jsonl", "sql/Transactions.jsonl", "s3/src-a/big.bin"} <= keys
    assert verify_backup(store, summary["id"]).ok

    # wipe every source
    s3 = runtime.aws.client("s3")
    for key in objects:
        s3.delete_object(Bucket="src-a", Key=key)
    s3.delete_bucket(Bucket="src-a")
    ddb.delete_table(TableName="Products")
    ddb.delete_table(TableName="Orders")
    engine = sa.create_engine(sql_url)
    with engine.begin() as conn:
        conn.execute(sa.text('DROP TABLE "Transactions"'))
    engine.dispose()

    result = run_restore(
        open_store(make_runtime(runtime.environment), spec), summary["id"], make_runtime(runtime.environment)
    )
    assert result["comparison"]["ok"] is True
    assert bucket_contents(runtime, "src-a") == objects
    assert {t: _items(ddb, t) for t in ("Products", "Orders")} == before_items
    assert _rows(sql_url) == before_rows


def test_restore_dry_run_and_mismatch(runtime: Any, container: str) -> None:
    seed(runtime, "src-a", {"a": b"1", "b": b"2"})
    spec = BackupSpec(mode="weekly", buckets=["src-a"], container=container)
    snap = run_weekly(runtime, spec)["id"]
    dry_target = make_runtime(runtime.environment, dry_run=True)
    dry = run_restore(open_store(dry_target, spec), snap, dry_target, buckets=["src-a"])
    assert dry["dry_run"] is True and dry["buckets"] == {"src-a": {"objects": 2, "bytes": 2}}
    assert dry["mutating_calls"]["aws_sent"] == 0 and dry["mutating_calls"]["azure_sent"] == 0
    # a restore over a bucket that has an extra object still restores, and the comparison names counts
    seed(runtime, "src-a", {"a": b"changed"})
    ok = run_restore(open_store(runtime, spec), snap, make_runtime(runtime.environment))
    assert ok["comparison"]["buckets"]["src-a"] == {"expected": 2, "live": 2}
    assert bucket_contents(runtime, "src-a") == {"a": b"1", "b": b"2"}
    # corrupt the snapshot's copy: the restore writes it, the comparison catches it (exit 3)
    store = open_store(runtime, spec)
    blob = store.layout.snapshot_blob(snap, "s3/src-a/a")
    store.blobs.upload(blob, b"X", {})
    with pytest.raises(Degraded, match="s3/src-a/a"):
        run_restore(store, snap, make_runtime(runtime.environment))


def test_weekly_streams_its_manifest_in_blocks_with_the_tables_in_the_trailer(runtime: Any, container: str) -> None:
    """The weekly writes its manifest as the daily does: staged blocks while it copies, tables in the trailer."""
    import json

    from multicloud_ctl.operations.backup.manifest_reader import ManifestReader

    objects = {f"d{i % 3}/{i:03d}": os.urandom(40) for i in range(60)}
    seed(runtime, "src-a", objects)
    ddb = runtime.aws.client("dynamodb")
    _make_table(ddb, "Products")
    for i in range(5):
        ddb.put_item(TableName="Products", Item={"pk": {"S": f"p{i}"}})
    spec = BackupSpec(
        mode="weekly", buckets=["src-a"], tables=["Products"], container=container, manifest_block_size=1024
    )
    summary = run_weekly(runtime, spec)
    assert (summary["objects"], summary["tables"]) == (62, {"Products": 5})  # 60 objects, the table, the config
    store = open_store(runtime, spec)
    name = store.layout.manifest_blob(summary["id"])
    committed, uncommitted = store.blobs.blob(name).get_block_list("all")
    assert len(committed) > 10 and not uncommitted  # a block every few entries, committed once at the end
    lines = store.blobs.read(name).splitlines()
    head, tail = json.loads(lines[0]), json.loads(lines[-1])
    assert (head["version"], head["kind"], head["buckets"]) == (3, "weekly", ["src-a"])
    assert tail["objects"] == 62 and [t["name"] for t in tail["tables"]] == ["Products"]
    reader = ManifestReader(store.blobs, store.layout, summary["id"], chunk=512, edge=256)
    keys = [e.key for e in reader.entries()]
    assert sorted(keys) == sorted([f"s3/src-a/{k}" for k in objects] + ["dynamodb/Products.jsonl", "config.json"])
    assert reader.manifest.tables[0].items == 5
    assert verify_backup(store, summary["id"]).ok
