"""Weekly DynamoDB snapshot by ExportTableToPointInTime on moto (PITR on), Scan where PITR is off; restore both.

moto 5.2 serves ExportTableToPointInTime / DescribeExport over HTTP: it writes the table as DynamoDB JSON
(`{"Item": {...}}` lines, gzip) under `<prefix>/AWSDynamoDB/<id>/data/`, without AWS's manifest files, and
answers 500 when PITR is off (AWS: PointInTimeRecoveryUnavailableException), so the method is chosen from
DescribeContinuousBackups first.
"""

from __future__ import annotations

from typing import Any

import pytest
from backup_testkit import make_runtime

from multicloud_ctl.config.specs.backup import BackupSpec
from multicloud_ctl.operations.backup import run_weekly
from multicloud_ctl.operations.backup.manifest import read_manifest
from multicloud_ctl.operations.backup.run import run_restore
from multicloud_ctl.operations.backup.store import open_store
from multicloud_ctl.operations.backup.verify import verify_backup

pytestmark = pytest.mark.integration


def _table(ddb: Any, name: str) -> None:
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def _items(ddb: Any, table: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for page in ddb.get_paginator("scan").paginate(TableName=table):
        out += page["Items"]
    return sorted(out, key=lambda i: i["pk"]["S"])


def test_weekly_exports_pitr_tables_scans_the_others_and_restores_both(runtime: Any, container: str) -> None:
    ddb = runtime.aws.client("dynamodb")
    _table(ddb, "Products")
    _table(ddb, "Orders")
    ddb.update_continuous_backups(
        TableName="Products", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    for i in range(300):
        ddb.put_item(
            TableName="Products",
            Item={
                "pk": {"S": f"p{i:03d}"},
                "price": {"N": f"{i}.5"},
                "tags": {"SS": ["a", f"t{i}"]},
                "blob": {"B": bytes([i % 256, 0, 255])},
                "meta": {"M": {"n": {"N": "1"}, "l": {"L": [{"BOOL": True}, {"NULL": True}]}}},
            },
        )
    for i in range(40):
        ddb.put_item(TableName="Orders", Item={"pk": {"S": f"o{i:02d}"}, "qty": {"N": str(i)}})
    runtime.aws.client("s3").create_bucket(Bucket="ddb-exports")
    spec = BackupSpec(
        mode="weekly", tables=["Products", "Orders"], container=container, export_bucket="ddb-exports", scan_segments=2
    )
    before = {t: _items(ddb, t) for t in ("Products", "Orders")}
    scans_before = runtime.aws.counter.by_operation["Scan"]

    summary = run_weekly(runtime, spec)

    assert summary["dynamodb_snapshot"] == {
        "Products": "export",
        "Orders": "scan (point-in-time recovery is off on the table)",
    }
    assert runtime.aws.counter.by_operation["Scan"] - scans_before == 2  # Orders' 2 segments only
    store = open_store(runtime, spec)
    manifest = read_manifest(store.blobs, store.layout, summary["id"])
    records = {t.name: t for t in manifest.tables}
    assert records["Products"].shape["method"] == "export" and records["Products"].items == 300
    assert records["Products"].shape["export_arn"] and records["Products"].shape["data_blobs"]
    assert records["Products"].shape["export_time"].endswith("+00:00")  # the instant the export is consistent at
    assert records["Orders"].shape["method"] == "scan" and records["Orders"].items == 40
    export_keys = [e.key for e in manifest.entries if e.key.startswith("dynamodb/Products/export/")]
    assert export_keys and all(k.endswith(".gz") for k in export_keys)
    assert verify_backup(store, summary["id"]).ok

    ddb.delete_table(TableName="Products")
    ddb.delete_table(TableName="Orders")
    result = run_restore(open_store(make_runtime(runtime.environment), spec), summary["id"], runtime)

    assert result["comparison"]["ok"] is True
    assert result["comparison"]["tables"]["dynamodb:Products"] == {"expected": 300, "live": 300, "digest_match": True}
    assert {t: _items(ddb, t) for t in ("Products", "Orders")} == before


def test_without_an_export_bucket_every_table_is_scanned(runtime: Any, container: str) -> None:
    ddb = runtime.aws.client("dynamodb")
    _table(ddb, "Products")
    ddb.update_continuous_backups(
        TableName="Products", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    ddb.put_item(TableName="Products", Item={"pk": {"S": "p1"}})
    spec = BackupSpec(mode="weekly", tables=["Products"], container=container)

    summary = run_weekly(runtime, spec)

    assert summary["dynamodb_snapshot"] == {"Products": "scan (no spec.export_bucket)"}
    manifest = read_manifest(open_store(runtime, spec).blobs, open_store(runtime, spec).layout, summary["id"])
    assert manifest.tables[0].shape["scan_reason"] == "no spec.export_bucket"
