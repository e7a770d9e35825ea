"""The Alembic migrations: they build exactly the schema the functions and the sync declare, on SQLite and
PostgreSQL; they are idempotent; and they compile for SQL Server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, create_engine, inspect

from multicloud_ctl.migrations import runner

pytestmark = pytest.mark.integration


def declared() -> MetaData:
    from multicloud_ctl.functions.adapters.sql_schema import metadata as service
    from multicloud_ctl.functions.cdc.schema import build_metadata

    md = MetaData()
    for table in service.tables.values():
        table.to_metadata(md)
    for table in build_metadata([]).metadata.tables.values():  # checkpoints + dead letters
        table.to_metadata(md)
    return md


def shape(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        insp = inspect(engine)
        out = {}
        for name in insp.get_table_names():
            if name == runner.VERSION_TABLE:
                continue
            cols = {c["name"]: (type(c["type"]).__name__, c["nullable"]) for c in insp.get_columns(name)}
            pk = insp.get_pk_constraint(name)["constrained_columns"]
            idx = sorted(tuple(i["column_names"]) for i in insp.get_indexes(name))
            out[name] = {
                "columns": sorted(cols),
                "nullable": {k: v[1] for k, v in cols.items()},
                "pk": sorted(pk),
                "indexes": idx,
            }
        return out
    finally:
        engine.dispose()


def created_by_metadata(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    declared().create_all(engine)
    engine.dispose()
    return shape(url)


@pytest.fixture
def sqlite_urls(tmp_path: Path) -> tuple[str, str]:
    return f"sqlite:///{tmp_path / 'migrated.db'}", f"sqlite:///{tmp_path / 'declared.db'}"


def test_sqlite_migrations_match_declared_metadata_and_are_idempotent(sqlite_urls: tuple[str, str]) -> None:
    migrated, reference = sqlite_urls
    assert runner.current_revision(migrated) is None
    assert runner.upgrade(migrated) == ["0001", "0002", "0003"]
    assert runner.current_revision(migrated) == runner.head_revision() == "0003"
    assert runner.upgrade(migrated) == []  # idempotent
    assert shape(migrated) == created_by_metadata(reference)
    assert {"Transactions", "Analytics", "sync_checkpoints", "sync_tombstones", "orders"} <= set(shape(migrated))


def test_postgresql_migrations_match_declared_metadata(postgres_url: str) -> None:
    assert runner.upgrade(postgres_url) == ["0001", "0002", "0003"]
    migrated = shape(postgres_url)
    engine = create_engine(postgres_url)
    with engine.begin() as conn:
        for table in reversed(declared().sorted_tables):
            conn.exec_driver_sql(f'DROP TABLE "{table.name}"')
        conn.exec_driver_sql(f"DROP TABLE {runner.VERSION_TABLE}")
    engine.dispose()
    assert migrated == created_by_metadata(postgres_url)


def test_migrations_compile_for_sql_server() -> None:
    ddl = runner.offline_sql("mssql://")
    assert "CREATE TABLE [Transactions]" in ddl
    assert "CONSTRAINT uq_transactions_order_id UNIQUE (order_id)" in ddl
    assert "CREATE TABLE sync_checkpoints" in ddl and "DATETIMEOFFSET" in ddl
