"""Guarded upserts per dialect (SQL Server MERGE compiled), and the order rules applied on in-memory SQLite."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import mssql, postgresql, sqlite

from multicloud_ctl.functions.cdc.apply import apply_records, normalize_record
from multicloud_ctl.functions.cdc.engine import create_sql_engine
from multicloud_ctl.functions.cdc.schema import KeyColumn, ProjectedColumn, TableMapping, build_metadata
from multicloud_ctl.functions.cdc.sinks import merge_statement, upsert_statement

MAPPING = TableMapping(
    "Orders",
    "orders",
    (KeyColumn("order_id", "order_id", "S", 64),),
    (ProjectedColumn("status", "status", "string", 16), ProjectedColumn("total", "total", "number")),
)


def test_sql_server_merge_compiles_with_the_seq_guard() -> None:
    tables = build_metadata([MAPPING])
    table = tables.table_for("Orders")
    sql = str(merge_statement(table, ["order_id"]).compile(dialect=mssql.pyodbc.dialect(paramstyle="qmark")))
    assert sql.startswith("MERGE INTO orders WITH (HOLDLOCK) AS t USING (VALUES (")
    assert "ON t.order_id = s.order_id" in sql
    assert "WHEN MATCHED AND s._seq > t._seq THEN UPDATE SET" in sql
    assert "t._seq = s._seq" in sql and "t.order_id = s.order_id" not in sql.split("UPDATE SET")[1]
    assert "WHEN NOT MATCHED THEN INSERT (order_id, status, total, _doc, _hash, _seq, _deleted, _source_time)" in sql
    assert sql.rstrip().endswith(";")
    assert sql.count("?") == len(table.columns)  # pyodbc qmark parameters, one per column
    inclusive = str(merge_statement(table, ["order_id"], inclusive=True).compile(dialect=mssql.dialect()))
    assert "s._seq >= t._seq" in inclusive
    ddl = str(__import__("sqlalchemy").schema.CreateTable(table).compile(dialect=mssql.dialect()))
    assert "total NUMERIC(38, 10)" in ddl and "PRIMARY KEY (order_id)" in ddl


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()])
def test_on_conflict_compiles_with_the_seq_guard(dialect: Any) -> None:
    table = build_metadata([MAPPING]).table_for("Orders")
    sql = str(upsert_statement(table, ["order_id"], dialect.name).compile(dialect=dialect))
    assert "ON CONFLICT (order_id) DO UPDATE SET" in sql
    assert "WHERE excluded._seq > orders._seq" in sql


def rec(event: str, seq: int, status: str | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {
        "Keys": {"order_id": {"S": "o1"}},
        "SequenceNumber": str(seq),
        "ApproximateCreationDateTime": 1_764_000_000 + seq,
    }
    if status is not None:
        d["NewImage"] = {"order_id": {"S": "o1"}, "status": {"S": status}, "total": {"N": str(seq)}}
    return {"eventName": event, "dynamodb": d}


HISTORY = [rec("INSERT", 101, "new"), rec("MODIFY", 102, "paid"), rec("REMOVE", 103), rec("INSERT", 104, "again")]


def fresh() -> tuple[Any, Any]:
    engine = create_sql_engine("sqlite://")
    tables = build_metadata([MAPPING])
    tables.metadata.create_all(engine)
    return engine, tables


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_any_delivery_order_ends_at_the_newest_record(order: tuple[int, ...]) -> None:
    """update-delete-update delivered in every order, one record per batch: the newest always wins."""
    engine, tables = fresh()
    for i in order:
        with engine.begin() as conn:
            apply_records(conn, tables, MAPPING, [normalize_record(HISTORY[i])])
    with engine.connect() as conn:
        row = conn.execute(select(tables.table_for("Orders"))).mappings().one()
    assert row["status"] == "again" and not row["_deleted"] and row["_seq"] == "104".zfill(40)


def test_a_delete_is_not_undone_by_an_older_update() -> None:
    """remove mode: the row goes, a tombstone with the delete's sequence number stays and wins."""
    engine, tables = fresh()
    with engine.begin() as conn:
        apply_records(conn, tables, MAPPING, [normalize_record(r) for r in HISTORY[:3]])
        apply_records(conn, tables, MAPPING, [normalize_record(HISTORY[1])])  # a late replay
        apply_records(conn, tables, MAPPING, [normalize_record(HISTORY[0])])
    with engine.connect() as conn:
        assert conn.execute(select(tables.table_for("Orders"))).all() == []
        tomb = conn.execute(select(tables.tombstones)).mappings().one()
    assert tomb["_seq"] == "103".zfill(40) and tomb["keys"] == '{"order_id":{"S":"o1"}}'
    with engine.begin() as conn:  # the newer re-insert supersedes the tombstone
        apply_records(conn, tables, MAPPING, [normalize_record(HISTORY[3])])
    with engine.connect() as conn:
        assert conn.execute(select(tables.tombstones)).all() == []
        assert conn.execute(select(tables.table_for("Orders").c.status)).scalar() == "again"


def test_mark_mode_keeps_the_deleted_row() -> None:
    engine = create_sql_engine("sqlite://")
    mapping = TableMapping("Orders", "orders", MAPPING.keys, MAPPING.projected, delete_mode="mark")
    tables = build_metadata([mapping])
    tables.metadata.create_all(engine)
    remove = rec("REMOVE", 103)
    remove["dynamodb"]["OldImage"] = rec("MODIFY", 102, "paid")["dynamodb"]["NewImage"]
    with engine.begin() as conn:
        apply_records(conn, tables, mapping, [normalize_record(r) for r in (HISTORY[0], remove, HISTORY[1])])
    with engine.connect() as conn:
        row = conn.execute(select(tables.table_for("Orders"))).mappings().one()
    assert row["_deleted"] and row["status"] == "paid" and row["_seq"] == "103".zfill(40)


def test_unappliable_record_is_dead_lettered_and_the_rest_applies() -> None:
    engine, tables = fresh()
    bad = rec("INSERT", 200, "x" * 17)
    bad["dynamodb"]["Keys"] = {"order_id": {"S": "o2"}}
    bad["dynamodb"]["NewImage"]["order_id"] = {"S": "o2"}
    with engine.begin() as conn:
        result = apply_records(conn, tables, MAPPING, [normalize_record(HISTORY[0]), normalize_record(bad)])
    assert (result.written, result.dead) == (1, 1)
    assert "attribute status is 17 characters, column orders.status holds 16" in result.reasons[0]
    with engine.connect() as conn:
        assert [r.order_id for r in conn.execute(select(tables.table_for("Orders")))] == ["o1"]
        letters = conn.execute(select(tables.dead_letters)).mappings().all()
    assert len(letters) == 1 and letters[0]["sequence"] == "200".zfill(40)
