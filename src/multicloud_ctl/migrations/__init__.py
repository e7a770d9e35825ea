"""Versioned migrations of the Azure SQL schema (Alembic), runnable on SQLite, PostgreSQL and SQL Server.

`runner.py` drives Alembic programmatically (no alembic.ini): `upgrade(url)`, `pending(url)`,
`current_revision(url)`. Migrations are explicit `op.*` calls (never generated from live metadata at run
time), and `tests/integration/provision/test_migrations.py` checks that the migrated schema equals the
SQLAlchemy `MetaData` the functions (`functions/adapters/sql_schema.py`) and the sync
(`functions/cdc/schema.py`) declare.
"""
