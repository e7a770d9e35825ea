"""The Sync playbook spec, the exposed MetaData, shard order, and the CDC Lambda handler on SQLite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from multicloud_ctl.errors import ConfigError

REPO = Path(__file__).resolve().parents[3]


def test_the_shipped_playbook_loads_and_gives_metadata() -> None:
    from multicloud_ctl.operations.sync import sync_metadata

    md = sync_metadata(playbook=REPO / "playbooks" / "sync.yaml")
    assert {
        "orders",
        "products",
        "inventory",
        "users",
        "sync_checkpoints",
        "sync_dead_letters",
        "sync_tombstones",
    } <= set(md.tables)
    assert [c.name for c in md.tables["orders"].primary_key.columns] == ["order_id"]


def test_the_standby_tables_are_valid_sync_targets(tmp_path: Path) -> None:
    """The functions' SQL tables (what the standby API reads) carry the bookkeeping columns and pass the check;
    a table without them is refused with the missing columns named."""
    from sqlalchemy import text

    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.errors import PreflightFailed
    from multicloud_ctl.functions.adapters.sql_schema import metadata as fn_metadata
    from multicloud_ctl.functions.cdc.engine import create_sql_engine
    from multicloud_ctl.operations.sync.context import SyncContext, load_spec
    from multicloud_ctl.operations.sync.sqlschema import check_tables, create_tables

    engine = create_sql_engine(f"sqlite:///{tmp_path / 'sql.db'}")
    fn_metadata.create_all(engine)
    ctx = SyncContext(
        runtime=Runtime(environment=None),  # type: ignore[arg-type]
        spec=load_spec(REPO / "playbooks" / "sync.yaml"),
    )
    ctx.__dict__["engine"] = engine
    assert set(create_tables(ctx, ctx.mappings)) == {"sync_checkpoints", "sync_dead_letters", "sync_tombstones"}
    check_tables(ctx, ctx.mappings)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE users"))
        conn.execute(text("CREATE TABLE users (user_id VARCHAR(128) PRIMARY KEY, email VARCHAR(320))"))
    with pytest.raises(PreflightFailed, match="table users lacks columns _deleted, _doc, _hash, _seq"):
        check_tables(ctx, ctx.mappings)


def test_spec_refuses_reserved_and_duplicate_columns(tmp_path: Path) -> None:
    from multicloud_ctl.config.playbook import load_playbook

    path = tmp_path / "s.yaml"
    path.write_text(
        "apiVersion: mcctl/v1\nkind: Sync\nmetadata: {name: s}\nspec:\n  tables:\n"
        "    - source: Orders\n      keys: [{attribute: id}]\n      columns: [{attribute: _seq}]\n"
    )
    expected = r"s.yaml:6 spec.tables\[0\]: column names reserved for the sync bookkeeping: _seq"
    with pytest.raises(ConfigError, match=expected):
        load_playbook(path, "Sync")
    path.write_text("apiVersion: mcctl/v1\nkind: Sync\nmetadata: {name: s}\nspec:\n  tables: []\n")
    with pytest.raises(ConfigError, match=r"spec\.tables"):
        load_playbook(path, "Sync")


def test_parents_before_children() -> None:
    from multicloud_ctl.operations.sync.checkpoint import Checkpoint
    from multicloud_ctl.operations.sync.stream import ordered_shards, ready
    from multicloud_ctl.providers.aws.dynamodb_streams import ShardInfo

    grandchild = ShardInfo("c2", "c1", "300", None)
    child = ShardInfo("c1", "p", "200", "299")
    parent = ShardInfo("p", "gone", "100", "199")
    shards = [grandchild, child, parent]
    assert [s.shard_id for s in ordered_shards(shards)] == ["p", "c1", "c2"]
    by_id = {s.shard_id: s for s in shards}
    assert ready(parent, by_id, {})  # its own parent was trimmed away
    assert not ready(child, by_id, {})
    done = Checkpoint("T", "p", None, "199", True, None, None, 1)  # type: ignore[arg-type]
    assert ready(child, by_id, {"p": done}) and not ready(grandchild, by_id, {"p": done})


def lambda_record(event: str, seq: int, oid: str, status: str | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {
        "Keys": {"order_id": {"S": oid}},
        "SequenceNumber": str(seq),
        "SizeBytes": 50,
        "ApproximateCreationDateTime": 1764000000.0 + seq,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if status is not None:
        d["NewImage"] = {"order_id": {"S": oid}, "status": {"S": status}, "raw": {"B": "AAE="}}
    return {
        "eventName": event,
        "eventSource": "aws:dynamodb",
        "dynamodb": d,
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2026-11-25T00:00:00.000",
    }


def test_lambda_handler_is_idempotent_and_order_safe(tmp_path: Path) -> None:
    from multicloud_ctl.functions.aws_lambda.cdc import _setup, handle
    from multicloud_ctl.functions.cdc.schema import KeyColumn, ProjectedColumn, TableMapping
    from multicloud_ctl.operations.sync import cdc_lambda_environment
    from multicloud_ctl.operations.sync.context import load_spec

    mapping = TableMapping(
        "Orders", "orders", (KeyColumn("order_id", "order_id"),), (ProjectedColumn("status", "status", "string", 8),)
    )
    env = {
        "MCCTL_FN_SQL_URL": f"sqlite:///{tmp_path / 'sql.db'}",
        "MCCTL_FN_CDC_TABLES": json.dumps([mapping.to_json()]),
    }
    env.update(
        {
            k: v
            for k, v in cdc_lambda_environment(load_spec(REPO / "playbooks" / "sync.yaml"), "env:UNUSED").items()
            if k not in env
        }
    )
    newer = {"Records": [lambda_record("MODIFY", 11, "a", "paid"), lambda_record("REMOVE", 12, "b")]}
    older = {
        "Records": [
            lambda_record("INSERT", 10, "a", "new"),
            lambda_record("INSERT", 9, "b", "new"),
            lambda_record("INSERT", 13, "c", "way-too-long"),
        ]
    }
    assert handle(newer, env) == {
        "Orders": {"received": 2, "written": 2, "dead_letters": 0},
        "batchItemFailures": [],
    }
    assert handle(older, env)["Orders"]["dead_letters"] == 1  # late and out of order
    handle(newer, env)  # redelivered
    engine, tables, _ = _setup(
        env["MCCTL_FN_SQL_URL"], env["MCCTL_FN_CDC_TABLES"], "sync_checkpoints", "sync_dead_letters", "sync_tombstones"
    )
    with engine.connect() as conn:
        rows = {r["order_id"]: r for r in conn.execute(select(tables.table_for("Orders"))).mappings()}
        letters = conn.execute(select(tables.dead_letters)).mappings().all()
        tombs = conn.execute(select(tables.tombstones)).mappings().all()
    assert [t["keys"] for t in tombs] == ['{"order_id":{"S":"b"}}']
    assert rows["a"]["status"] == "paid" and "b" not in rows and "c" not in rows
    assert json.loads(rows["a"]["_doc"])["raw"] == {"B": "AAE="}
    assert len(letters) == 1 and "holds 8" in letters[0]["reason"]


def test_lambda_handler_reports_the_first_record_of_a_failed_group_for_a_retry(tmp_path: Path) -> None:
    """With ReportBatchItemFailures on the mapping, a database failure is answered with the first record's sequence
    number (Lambda retries from there); without it the handler raises and Lambda retries the whole batch."""
    import sqlite3

    from multicloud_ctl.functions.aws_lambda.cdc import handle
    from multicloud_ctl.functions.cdc.schema import KeyColumn, ProjectedColumn, TableMapping

    mapping = TableMapping(
        "Orders", "orders", (KeyColumn("order_id", "order_id"),), (ProjectedColumn("status", "status", "string", 8),)
    )
    db = tmp_path / "sql.db"
    env = {"MCCTL_FN_SQL_URL": f"sqlite:///{db}", "MCCTL_FN_CDC_TABLES": json.dumps([mapping.to_json()])}
    batch = {"Records": [lambda_record("INSERT", 21, "a", "new"), lambda_record("INSERT", 22, "b", "new")]}
    assert handle(batch, {**env, "MCCTL_FN_CDC_REPORT_FAILURES": "1"})["batchItemFailures"] == []
    with sqlite3.connect(db) as conn:  # a column gone (each record fails) and no dead-letter table to park it
        conn.execute("ALTER TABLE orders RENAME COLUMN status TO state")
        conn.execute("DROP TABLE sync_dead_letters")
    later = {"Records": [lambda_record("MODIFY", 23, "a", "paid"), lambda_record("MODIFY", 24, "b", "paid")]}
    out = handle(later, {**env, "MCCTL_FN_CDC_REPORT_FAILURES": "1"})
    assert out["batchItemFailures"] == [{"itemIdentifier": "23"}] and "Orders" not in out
    with pytest.raises(Exception, match="sync_dead_letters"):
        handle(later, {**env, "MCCTL_FN_CDC_REPORT_FAILURES": "0"})
