"""Set-based writes on real SQLite and PostgreSQL: one statement per batch, the `_seq` guard inside it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import CheckConstraint, event, select
from sqlalchemy.engine import Engine

from multicloud_ctl.functions.cdc.apply import apply_records, normalize_record
from multicloud_ctl.functions.cdc.engine import create_sql_engine
from multicloud_ctl.functions.cdc.schema import KeyColumn, ProjectedColumn, SyncTables, TableMapping, build_metadata
from multicloud_ctl.functions.cdc.sinks import upsert_rows

pytestmark = pytest.mark.integration

KEYS = (KeyColumn("order_id", "order_id", "S", 64),)
COLUMNS = (ProjectedColumn("status", "status", "string", 16), ProjectedColumn("total", "total", "number"))


def mapping(delete_mode: str = "remove") -> TableMapping:
    return TableMapping("Orders", "orders", KEYS, COLUMNS, delete_mode=delete_mode)  # type: ignore[arg-type]


def rec(key: str, seq: int, status: str | None = "new", event_name: str = "MODIFY") -> dict[str, Any]:
    d: dict[str, Any] = {"Keys": {"order_id": {"S": key}}, "SequenceNumber": str(seq)}
    if status is not None:
        d["NewImage"] = {"order_id": {"S": key}, "status": {"S": status}, "total": {"N": f"{seq}.25"}}
    if event_name == "REMOVE":
        d["OldImage"] = {"order_id": {"S": key}, "status": {"S": "old"}, "total": {"N": "1"}}
    return {"eventName": event_name, "dynamodb": d}


@pytest.fixture
def engine(sql_url: str) -> Iterator[Engine]:
    eng = create_sql_engine(sql_url)
    yield eng
    eng.dispose()


def make_tables(engine: Engine, m: TableMapping, poison_check: bool = False) -> SyncTables:
    tables = build_metadata([m])
    if poison_check:  # a row the database itself refuses (not caught while converting the record)
        tables.table_for("Orders").append_constraint(CheckConstraint("status <> 'poison'", name="no_poison"))
    tables.metadata.create_all(engine)
    return tables


class Statements:
    """Every statement the driver executes (an executemany counts once), minus transaction control."""

    def __init__(self, engine: Engine) -> None:
        self.seen: list[str] = []
        event.listen(engine, "before_cursor_execute", self._on)

    def _on(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        if not statement.upper().lstrip().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN")):
            self.seen.append(" ".join(statement.split()))

    def writes_to(self, table: str) -> list[str]:
        return [s for s in self.seen if s.upper().startswith(("INSERT INTO " + table.upper(), f'INSERT INTO "{table}'))]


def rows_of(engine: Engine, tables: SyncTables) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        return {r["order_id"]: dict(r) for r in conn.execute(select(tables.table_for("Orders"))).mappings()}


@pytest.mark.parametrize("size", [10, 500])
def test_one_insert_statement_per_batch_whatever_its_size(engine: Engine, size: int) -> None:
    m = mapping("mark")
    tables = make_tables(engine, m)
    stmts = Statements(engine)
    with engine.begin() as conn:
        result = apply_records(conn, tables, m, [normalize_record(rec(f"o{i}", 100 + i)) for i in range(size)])
    assert result.written == size
    assert len(stmts.seen) == 1, stmts.seen  # the whole batch, mark mode: a single statement
    assert len(stmts.writes_to("orders")) == 1
    assert len(rows_of(engine, tables)) == size


def test_remove_mode_statement_count_does_not_grow_with_the_batch(engine: Engine) -> None:
    counts = []
    for size in (10, 400):
        m = mapping("remove")
        tables = make_tables(engine, m)
        with engine.begin() as conn:  # start clean: the same keys each round
            conn.execute(tables.table_for("Orders").delete())
            conn.execute(tables.tombstones.delete())  # type: ignore[union-attr]
        stmts = Statements(engine)
        batch = [rec(f"o{i}", 100 + i) for i in range(size)]
        batch += [rec(f"d{i}", 100 + i, None, "REMOVE") for i in range(size)]
        with engine.begin() as conn:
            apply_records(conn, tables, m, [normalize_record(r) for r in batch])
        event.remove(engine, "before_cursor_execute", stmts._on)
        assert len(stmts.writes_to("orders")) == 1
        counts.append(len(stmts.seen))
    assert counts[0] == counts[1] <= 5, counts


@pytest.mark.parametrize("delete_mode", ["mark", "remove"])
def test_older_record_never_wins_in_the_same_batch_or_across_batches(engine: Engine, delete_mode: str) -> None:
    m = mapping(delete_mode)
    tables = make_tables(engine, m)
    with engine.begin() as conn:
        apply_records(conn, tables, m, [normalize_record(r) for r in (rec("a", 300, "paid"), rec("b", 200, "new"))])
    with engine.begin() as conn:  # older records for both keys, and an older delete of `a`
        late = [rec("a", 250, "stale"), rec("a", 260, None, "REMOVE"), rec("b", 150, "stale")]
        apply_records(conn, tables, m, [normalize_record(r) for r in late])
    rows = rows_of(engine, tables)
    assert (rows["a"]["status"], rows["a"]["_deleted"]) == ("paid", False)
    assert rows["b"]["status"] == "new"
    with engine.begin() as conn:  # a newer delete, then older updates in the same and the next batch
        apply_records(conn, tables, m, [normalize_record(r) for r in (rec("a", 400, None, "REMOVE"), rec("a", 350))])
    with engine.begin() as conn:
        apply_records(conn, tables, m, [normalize_record(rec("a", 390, "zombie"))])
    rows = rows_of(engine, tables)
    if delete_mode == "mark":
        assert rows["a"]["_deleted"] and rows["a"]["_seq"] == "400".zfill(40)
    else:
        assert "a" not in rows


def test_the_statement_itself_keeps_the_newest_row_per_key(engine: Engine) -> None:
    """Straight to the sink (no collapse in Python): duplicates in one batch, newest first and last."""
    m = mapping("mark")
    tables = make_tables(engine, m)
    table = tables.table_for("Orders")

    def row(key: str, seq: int, status: str, deleted: bool = False) -> dict[str, Any]:
        return {"order_id": key, "status": status, "total": None, "_doc": None, "_hash": None,
                "_seq": str(seq).zfill(40), "_deleted": deleted, "_source_time": None}  # fmt: skip

    with engine.begin() as conn:
        upsert_rows(conn, table, ["order_id"], [row("x", 20, "new"), row("x", 10, "old"), row("y", 5, "old")])
        upsert_rows(conn, table, ["order_id"], [row("y", 6, "mid"), row("y", 9, "gone", True), row("y", 7, "late")])
        upsert_rows(conn, table, ["order_id"], [row("x", 19, "older"), row("y", 8, "older")])
    rows = rows_of(engine, tables)
    assert (rows["x"]["status"], rows["x"]["_seq"]) == ("new", "20".zfill(40))
    assert (rows["y"]["status"], rows["y"]["_deleted"]) == ("gone", True)


def test_a_poison_record_is_dead_lettered_and_the_batch_goes_on(engine: Engine) -> None:
    m = mapping("remove")
    tables = make_tables(engine, m, poison_check=True)
    batch = [rec(f"o{i}", 100 + i) for i in range(50)]
    batch[17] = rec("o17", 117, "poison")  # refused by the database
    batch[30]["dynamodb"]["NewImage"]["total"] = {"S": "not a number"}  # refused while converting
    with engine.begin() as conn:
        result = apply_records(conn, tables, m, [normalize_record(r) for r in batch], shard_id="shard-1")
    assert (result.written, result.dead) == (48, 2)
    with engine.connect() as conn:
        letters = conn.execute(select(tables.dead_letters)).mappings().all()  # type: ignore[arg-type]
    reasons = {dl["keys"]: dl["reason"] for dl in letters}
    assert reasons['{"order_id":{"S":"o17"}}'].startswith("database refused the row")
    assert "expected a number" in reasons['{"order_id":{"S":"o30"}}']
    assert {dl["shard_id"] for dl in letters} == {"shard-1"}
    with engine.begin() as conn:  # the next batch applies as usual
        assert apply_records(conn, tables, m, [normalize_record(rec("o99", 999))]).written == 1
    assert len(rows_of(engine, tables)) == 49


def test_every_column_type_round_trips_through_the_batch_statement(engine: Engine) -> None:
    m = TableMapping(
        "Files",
        "files",
        (KeyColumn("blob", "blob", "B", 32), KeyColumn("n", "n", "N")),
        (ProjectedColumn("ok", "ok", "boolean"), ProjectedColumn("price", "price", "number")),
    )
    tables = build_metadata([m])
    tables.metadata.create_all(engine)
    keys = {"blob": {"B": b"\x00\xff\\x"}, "n": {"N": "-12.50"}}
    image = {**keys, "ok": {"BOOL": True}, "price": {"N": "12345678901234567890.123456789"}}
    raw = {
        "eventName": "INSERT",
        "dynamodb": {"Keys": keys, "NewImage": image, "SequenceNumber": "7", "ApproximateCreationDateTime": 1.7e9},
    }
    with engine.begin() as conn:
        assert apply_records(conn, tables, m, [normalize_record(raw)]).written == 1
    with engine.connect() as conn:
        row = conn.execute(select(tables.table_for("Files"))).mappings().one()
    assert bytes(row["blob"]) == b"\x00\xff\\x" and str(row["n"]) == "-12.5"
    assert row["ok"] is True and str(row["price"]) == "12345678901234567890.123456789"
    assert row["_source_time"].timestamp() == 1.7e9


def test_postgres_refuses_a_value_too_long_instead_of_truncating_it(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite does not enforce VARCHAR lengths")
    from sqlalchemy.exc import DBAPIError

    m = mapping("mark")
    tables = make_tables(engine, m)
    row = {"order_id": "o1", "status": "x" * 17, "_seq": "1".zfill(40), "_deleted": False}
    with pytest.raises(DBAPIError, match="too long"), engine.begin() as conn:
        upsert_rows(conn, tables.table_for("Orders"), ["order_id"], [row])
