"""Dialect-specific guarded upserts, set-based: one statement per batch, the `_seq` guard inside it.

A row is written only when its `_seq` is newer than the stored one, and within one batch the newest row per
key wins, decided by the database in the same statement (never by a read-then-write in Python):

- SQLite: one `executemany` of `INSERT ... ON CONFLICT (keys) DO UPDATE SET ... WHERE excluded._seq > t._seq`
  (rows run in order, so an older duplicate later in the batch loses to the guard).
- PostgreSQL: one `INSERT ... SELECT DISTINCT ON (keys) ... FROM json_populate_recordset(NULL::t, %s) ORDER BY
  keys, _seq DESC ON CONFLICT ... DO UPDATE ... WHERE excluded._seq > t._seq`: one round trip and one parameter
  for the whole batch. The rows travel as one JSON array (encoded in C; `unnest` over per-column arrays was
  measured at ~12 µs per value in psycopg's array dumper) and each value goes through its column's input
  function, so a value too long for `varchar(n)` is refused, never truncated as an explicit cast would.
- SQL Server (Azure SQL): rows go into a `#temp` table with pyodbc `fast_executemany` (one bulk parameter
  array), then one `MERGE ... WITH (HOLDLOCK)` from the newest row per key (`ROW_NUMBER()`), `WHEN MATCHED AND
  s._seq > t._seq`. `mssql_batch_sql` gives the T-SQL (tests parse it as T-SQL).

`guard=None` gives a plain upsert (used for checkpoints, which only one writer holds under the run lock).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator, TypeEngine

SUPPORTED = ("sqlite", "postgresql", "mssql")


def upsert_statement(
    table: Table, keys: Sequence[str], dialect: str, guard: str | None = "_seq", inclusive: bool = False
) -> Any:
    """The guarded single-row upsert (SQLAlchemy construct) for SQLite or PostgreSQL, for executemany."""
    from sqlalchemy.dialects import postgresql, sqlite

    inserts: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
    if dialect not in inserts:
        raise ValueError(f"no upsert for SQL dialect {dialect!r} (supported: {', '.join(SUPPORTED)})")
    stmt = inserts[dialect](table)
    updates = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
    where = None
    if guard:
        newer, stored = stmt.excluded[guard], table.c[guard]
        where = newer >= stored if inclusive else newer > stored
    return stmt.on_conflict_do_update(index_elements=list(keys), set_=updates, where=where)


def _base_type(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    return type_.impl_instance if isinstance(type_, TypeDecorator) else type_


def _mssql_type(type_: TypeEngine[Any]) -> str:
    from sqlalchemy.dialects import mssql

    return str(type_.compile(dialect=mssql.dialect()))


@dataclass(frozen=True)
class MssqlBatch:
    """The T-SQL of one set-based batch: create the `#temp` table, fill it (fast_executemany), MERGE, drop.

    Per batch that is one bulk parameter array and one `MERGE` for the table, whatever the number of rows.
    """

    create: str
    insert: str
    merge: str
    drop: str

    def script(self) -> str:
        """All four statements as one T-SQL batch (what the tests parse)."""
        return "\n".join((self.create, self.insert, self.merge, self.drop))


def mssql_batch_sql(
    table: Table, keys: Sequence[str], guard: str | None = "_seq", inclusive: bool = False
) -> MssqlBatch:
    """SQL Server statements for one batch: `#temp` + one `MERGE` from the newest row per key."""
    from sqlalchemy.dialects import mssql

    q = mssql.dialect().identifier_preparer.quote
    cols = [c.name for c in table.columns]
    others = [c for c in cols if c not in keys]
    temp = q(f"#mcctl_{table.name}")
    col_list = ", ".join(q(c) for c in cols)
    create = f"CREATE TABLE {temp} ({', '.join(f'{q(c.name)} {_mssql_type(c.type)} NULL' for c in table.columns)});"
    insert = f"INSERT INTO {temp} ({col_list}) VALUES ({', '.join('?' for _ in cols)});"
    order = f"ORDER BY {q(guard)} DESC" if guard else f"ORDER BY {q(keys[0])}"
    newest = (
        f"SELECT {col_list} FROM (SELECT {col_list}, ROW_NUMBER() OVER (PARTITION BY "
        f"{', '.join(q(k) for k in keys)} {order}) AS _rn FROM {temp}) AS d WHERE d._rn = 1"
    )
    on = " AND ".join(f"t.{q(k)} = s.{q(k)}" for k in keys)
    op = ">=" if inclusive else ">"
    matched = f"WHEN MATCHED AND s.{q(guard)} {op} t.{q(guard)}" if guard else "WHEN MATCHED"
    merge = (
        f"MERGE INTO {q(table.name)} WITH (HOLDLOCK) AS t USING ({newest}) AS s ON {on} "
        f"{matched} THEN UPDATE SET {', '.join(f't.{q(c)} = s.{q(c)}' for c in others)} "
        f"WHEN NOT MATCHED THEN INSERT ({col_list}) VALUES ({', '.join(f's.{q(c)}' for c in cols)});"
    )
    return MssqlBatch(create, insert, merge, f"DROP TABLE IF EXISTS {temp};")


def merge_statement(table: Table, keys: Sequence[str], guard: str | None = "_seq", inclusive: bool = False) -> str:
    """The batch `MERGE` of `mssql_batch_sql` (kept for callers that only need the statement)."""
    return mssql_batch_sql(table, keys, guard, inclusive).merge


def _processors(conn: Connection, table: Table) -> list[Callable[[Any], Any] | None]:
    return [c.type._cached_bind_processor(conn.dialect) for c in table.columns]  # the dialect impl's processor


def _columns(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> list[list[Any]]:
    """The rows as one list per column, with each column type's bind processing applied."""
    out: list[list[Any]] = []
    for col, proc in zip(table.columns, _processors(conn, table), strict=True):
        name = col.name
        values = [r.get(name) for r in rows]
        out.append([proc(v) for v in values] if proc else values)
    return out


def postgres_upsert_sql(
    conn: Connection,
    table: Table,
    keys: Sequence[str],
    guard: str | None,
    inclusive: bool,
    columns: Sequence[str] | None = None,
) -> str:
    """The one-statement PostgreSQL upsert of a whole batch; its one parameter is the rows as a JSON array.

    `columns`: the ones the rows carry (default: all); the others get their defaults, as with `insert()`.
    """
    q = conn.dialect.identifier_preparer.quote
    cols = [c.name for c in table.columns if columns is None or c.name in columns]
    col_list = ", ".join(q(c) for c in cols)
    key_list = ", ".join(q(k) for k in keys)
    order = f"ORDER BY {key_list}, {q(guard)} DESC " if guard else ""
    updates = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in cols if c not in keys)
    where = f" WHERE excluded.{q(guard)} {'>=' if inclusive else '>'} {q(table.name)}.{q(guard)}" if guard else ""
    return (
        f"INSERT INTO {q(table.name)} ({col_list}) SELECT DISTINCT ON ({key_list}) {col_list} "
        f"FROM json_populate_recordset(NULL::{q(table.name)}, %s::json) AS s {order}"
        f"ON CONFLICT ({key_list}) DO UPDATE SET {updates}{where}"
    )


def _json_value(value: Any) -> Any:
    """JSON for what `json` cannot encode: exact decimals as text, ISO-8601 times, bytea hex."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    raise TypeError(f"cannot send {type(value).__name__} to PostgreSQL as JSON")


_ROWS_JSON = json.JSONEncoder(default=_json_value, ensure_ascii=False, separators=(",", ":"))


def _mssql_upsert(
    conn: Connection, table: Table, keys: Sequence[str], rows: list[dict[str, Any]], guard: str | None, inclusive: bool
) -> None:
    batch = mssql_batch_sql(table, keys, guard, inclusive)
    params = list(zip(*_columns(conn, table, rows), strict=True))
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(batch.drop)  # a batch that failed half-way (savepoint rolled back) may have left it
        cursor.execute(batch.create)
        cursor.fast_executemany = True  # pyodbc: one parameter array per round trip, not one per row
        cursor.executemany(batch.insert, params)
        cursor.execute(batch.merge)
        cursor.execute(batch.drop)
    finally:
        cursor.close()


def upsert_rows(
    conn: Connection,
    table: Table,
    keys: Sequence[str],
    rows: list[dict[str, Any]],
    guard: str | None = "_seq",
    inclusive: bool = False,
) -> None:
    """Write `rows` with the dialect's guarded upsert in one statement (`inclusive`: equal `_seq` also wins)."""
    if not rows:
        return
    defaults = {
        c.name: c.default.arg  # type: ignore[attr-defined]
        for c in table.columns
        if c.name not in rows[0] and c.default is not None and c.default.is_scalar
    }
    if defaults:  # what `insert()` would fill in Python (the statements below send values as given)
        rows = [{**defaults, **r} for r in rows]
    dialect = conn.dialect.name
    if dialect == "postgresql":
        sql = postgres_upsert_sql(conn, table, keys, guard, inclusive, columns=list(rows[0]))
        conn.exec_driver_sql(sql, (_ROWS_JSON.encode(rows),))
    elif dialect == "mssql":
        _mssql_upsert(conn, table, keys, rows, guard, inclusive)
    else:
        sql, steps = _compiled(conn, table, tuple(keys), guard, inclusive, tuple(rows[0]))
        # straight to the driver: the per-row parameter building of `conn.execute` was ~5 µs of the record's CPU
        params = [tuple(p(r.get(n)) if p else r.get(n) for n, p in steps) for r in rows]
        conn.exec_driver_sql(sql, params)


_COMPILED: dict[tuple[Any, ...], tuple[str, list[tuple[str, Callable[[Any], Any] | None]]]] = {}


def _compiled(
    conn: Connection, table: Table, keys: tuple[str, ...], guard: str | None, inclusive: bool, columns: tuple[str, ...]
) -> tuple[str, list[tuple[str, Callable[[Any], Any] | None]]]:
    """The upsert's SQL and (parameter name, bind processor) pairs, compiled once per table, dialect and columns.

    Building and compiling the statement cost ~2 ms: once per checkpoint write, that was most of an idle pass
    over 256 shards (each shard's checkpoint is confirmed every pass)."""
    key = (table, keys, conn.dialect, guard, inclusive, columns)
    got = _COMPILED.get(key)
    if got is None:
        if len(_COMPILED) >= 512:  # engines come and go (one per context): keep the cache bounded
            _COMPILED.clear()
        stmt = upsert_statement(table, keys, conn.dialect.name, guard, inclusive)
        compiled = stmt.compile(dialect=conn.dialect, column_keys=list(columns))  # absent columns: defaults
        procs = dict(zip((c.name for c in table.columns), _processors(conn, table), strict=True))
        got = _COMPILED[key] = (str(compiled), [(n, procs.get(n)) for n in compiled.positiontup or []])
    return got
