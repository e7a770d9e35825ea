"""Guarded upserts per dialect (SQL Server MERGE compiled), and the order rules applied on in-memory SQLite."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import sqlglot
from sqlalchemy import select
from sqlalchemy.dialects import mssql, postgresql, sqlite
from sqlglot import exp

from multicloud_ctl.functions.cdc.apply import apply_records, normalize_record
from multicloud_ctl.functions.cdc.engine import create_sql_engine
from multicloud_ctl.functions.cdc.schema import KeyColumn, ProjectedColumn, TableMapping, build_metadata
from multicloud_ctl.functions.cdc.sinks import mssql_batch_sql, upsert_statement

MAPPING = TableMapping(
    "Orders",
    "orders",
    (KeyColumn("order_id", "order_id", "S", 64),),
    (ProjectedColumn("status", "status", "string", 16), ProjectedColumn("total", "total", "number")),
)


def _tsql(script: str) -> list[Any]:
    return sqlglot.parse(script, read="tsql", error_level=sqlglot.ErrorLevel.RAISE)


def test_sql_server_batch_parses_as_tsql_with_the_seq_guard_in_the_merge() -> None:
    """#temp + fast_executemany INSERT + one MERGE from the newest row per key, parsed by a T-SQL parser."""
    table = build_metadata([MAPPING]).table_for("Orders")
    batch = mssql_batch_sql(table, ["order_id"])
    create, insert, merge, drop = _tsql(batch.script())
    assert isinstance(create, exp.Create) and create.this.this.name == "mcctl_orders"
    assert create.find(exp.TemporaryProperty) is not None  # `#name`: a session temp table
    assert isinstance(insert, exp.Insert) and len(list(insert.find_all(exp.Placeholder))) == len(table.columns)
    assert isinstance(drop, exp.Drop) and drop.args.get("exists")  # also run first: a failed batch may leave it
    assert isinstance(merge, exp.Merge)
    target = merge.this
    assert target.name == "orders" and target.alias == "t"
    assert [h.sql("tsql") for h in target.args["hints"]] == ["WITH (HOLDLOCK)"]
    window = next(merge.args["using"].find_all(exp.Window))
    assert isinstance(window.this, exp.RowNumber)
    assert [c.name for c in window.args["partition_by"]] == ["order_id"]
    (ordered,) = window.args["order"].expressions
    assert ordered.this.name == "_seq" and ordered.args.get("desc")
    matched, not_matched = merge.args["whens"].expressions
    guard = matched.args["condition"]
    assert isinstance(guard, exp.GT)
    assert (guard.this.table, guard.this.name, guard.expression.table, guard.expression.name) == (
        "s",
        "_seq",
        "t",
        "_seq",
    )
    updated = [e.this.name for e in matched.args["then"].expressions]
    assert "order_id" not in updated and "_seq" in updated and "_deleted" in updated
    assert not_matched.args["matched"] is False
    inclusive = _tsql(mssql_batch_sql(table, ["order_id"], inclusive=True).merge)[0]
    assert isinstance(inclusive.args["whens"].expressions[0].args["condition"], exp.GTE)
    ddl = str(__import__("sqlalchemy").schema.CreateTable(table).compile(dialect=mssql.dialect()))
    assert "total NUMERIC(38, 10)" in ddl and "PRIMARY KEY (order_id)" in ddl


def test_the_tsql_check_can_fail() -> None:
    """The parser refuses what is not T-SQL (so the test above is not vacuous)."""
    table = build_metadata([MAPPING]).table_for("Orders")
    broken = mssql_batch_sql(table, ["order_id"]).merge.replace(") AS s ON", " AS s ON")
    with pytest.raises(sqlglot.errors.ParseError):
        _tsql(broken)


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
