"""Dialect-specific guarded upserts: a row is written only when its `_seq` is newer than the stored one.

- SQLite and PostgreSQL: `INSERT ... ON CONFLICT (keys) DO UPDATE SET ... WHERE excluded._seq > t._seq`.
- SQL Server (Azure SQL): `MERGE ... WITH (HOLDLOCK)` with `WHEN MATCHED AND s._seq > t._seq`.

`guard=None` gives a plain upsert (used for checkpoints, which only one writer holds under the run lock).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, bindparam, text
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import TextClause

SUPPORTED = ("sqlite", "postgresql", "mssql")


def upsert_statement(
    table: Table, keys: Sequence[str], dialect: str, guard: str | None = "_seq", inclusive: bool = False
) -> Any:
    """The guarded upsert of one row shape for `dialect`, to execute with a list of row dicts."""
    if dialect == "mssql":
        return merge_statement(table, keys, guard, inclusive)
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


def merge_statement(
    table: Table, keys: Sequence[str], guard: str | None = "_seq", inclusive: bool = False
) -> TextClause:
    """SQL Server `MERGE` for one row (pyodbc runs it per parameter set with executemany)."""
    from sqlalchemy.dialects import mssql

    q = mssql.dialect().identifier_preparer.quote
    cols = [c.name for c in table.columns]
    others = [c for c in cols if c not in keys]
    src_vals = ", ".join(f":{c}" for c in cols)
    on = " AND ".join(f"t.{q(k)} = s.{q(k)}" for k in keys)
    op = ">=" if inclusive else ">"
    matched = f"WHEN MATCHED AND s.{q(guard)} {op} t.{q(guard)}" if guard else "WHEN MATCHED"
    sql = (
        f"MERGE INTO {q(table.name)} WITH (HOLDLOCK) AS t "
        f"USING (VALUES ({src_vals})) AS s ({', '.join(q(c) for c in cols)}) ON {on} "
        f"{matched} THEN UPDATE SET {', '.join(f't.{q(c)} = s.{q(c)}' for c in others)} "
        f"WHEN NOT MATCHED THEN INSERT ({', '.join(q(c) for c in cols)}) "
        f"VALUES ({', '.join(f's.{q(c)}' for c in cols)});"
    )
    return text(sql).bindparams(*[bindparam(c.name, type_=c.type) for c in table.columns])


def upsert_rows(
    conn: Connection,
    table: Table,
    keys: Sequence[str],
    rows: list[dict[str, Any]],
    guard: str | None = "_seq",
    inclusive: bool = False,
) -> None:
    """Write `rows` (one per key) with the dialect's guarded upsert (`inclusive`: equal `_seq` also wins)."""
    if not rows:
        return
    conn.execute(upsert_statement(table, keys, conn.dialect.name, guard, inclusive), rows)
