"""Alembic environment: runs migrations on the connection or URL the runner passes in `config.attributes`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

config = context.config
VERSION_TABLE = "mcctl_schema_version"  # keep in step with runner.VERSION_TABLE


def run() -> None:
    connection = config.attributes.get("connection")
    if context.is_offline_mode():
        context.configure(
            url=config.get_main_option("sqlalchemy.url"),
            literal_binds=True,
            version_table=VERSION_TABLE,
            dialect_opts={"paramstyle": "named"},
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    if connection is not None:
        context.configure(
            connection=connection, render_as_batch=connection.dialect.name == "sqlite", version_table=VERSION_TABLE
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(str(config.get_main_option("sqlalchemy.url")))
    with engine.connect() as conn:
        context.configure(connection=conn, render_as_batch=conn.dialect.name == "sqlite", version_table=VERSION_TABLE)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
