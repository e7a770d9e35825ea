"""Create the sync tables, and check that the SQL side matches the playbook before anything is applied."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, inspect

from multicloud_ctl.errors import PreflightFailed

if TYPE_CHECKING:
    from multicloud_ctl.functions.cdc.schema import TableMapping
    from multicloud_ctl.operations.sync.context import SyncContext


def required_tables(ctx: SyncContext, mappings: list[TableMapping]) -> list[Table]:
    t = ctx.tables
    assert t.checkpoints is not None and t.dead_letters is not None and t.tombstones is not None
    return [t.table_for(m.source) for m in mappings] + [t.checkpoints, t.dead_letters, t.tombstones]


def create_tables(ctx: SyncContext, mappings: list[TableMapping]) -> list[str]:
    """Create the missing sync tables (existing ones are left alone, then checked); the names created."""
    tables = required_tables(ctx, mappings)
    existing = set(inspect(ctx.engine).get_table_names())
    missing = [t for t in tables if t.name not in existing]
    ctx.tables.metadata.create_all(ctx.engine, tables=missing, checkfirst=True)
    return [t.name for t in missing]


def _narrower_columns(table: Table, found: dict[str, Any]) -> list[str]:
    """Columns whose SQL length is below what the playbook lets a value have (values would no longer fit)."""
    out = []
    for col in table.columns:
        wanted = getattr(col.type, "length", None)
        have = getattr(found.get(col.name.lower(), {}).get("type"), "length", None)
        if wanted is not None and have is not None and have < wanted:
            out.append(f"column {table.name}.{col.name} holds {have} characters in SQL, the playbook allows {wanted}")
    return out


def check_tables(ctx: SyncContext, mappings: list[TableMapping]) -> None:
    """Refuse (exit 4) when a sync table is missing in SQL or its columns/primary key differ from the playbook.

    A column narrower in SQL than the playbook's length (a value that passes the playbook's check would no
    longer fit) is refused here, before anything is applied, rather than dead-lettering every long value.
    """
    insp = inspect(ctx.engine)
    existing = set(insp.get_table_names())
    problems: list[str] = []
    for table in required_tables(ctx, mappings):
        if table.name not in existing:
            problems.append(f"table {table.name} is missing in SQL")
            continue
        cols = {c["name"].lower(): c for c in insp.get_columns(table.name)}
        wanted = {c.name.lower() for c in table.columns}
        missing = sorted(wanted - set(cols))
        if missing:
            problems.append(f"table {table.name} lacks columns {', '.join(missing)}")
        strict_extra = sorted(
            n for n in set(cols) - wanted if not cols[n].get("nullable", True) and cols[n].get("default") is None
        )
        if strict_extra:
            problems.append(
                f"table {table.name} has NOT NULL columns the sync does not fill: {', '.join(strict_extra)}"
            )
        if ctx.engine.dialect.name != "sqlite":  # SQLite stores any length: a value always fits there
            problems += _narrower_columns(table, cols)
        pk = [c.lower() for c in insp.get_pk_constraint(table.name).get("constrained_columns", [])]
        want_pk = [c.name.lower() for c in table.primary_key.columns]
        if not missing and sorted(pk) != sorted(want_pk):
            problems.append(f"table {table.name} has primary key ({', '.join(pk)}), expected ({', '.join(want_pk)})")
    if problems:
        raise PreflightFailed(
            f"SQL schema does not match the sync playbook: {'; '.join(problems)}; nothing was applied",
            hint="`mcctl sync backfill` creates missing tables; for changed columns migrate or rename the table",
        )
