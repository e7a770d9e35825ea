"""Create SQLAlchemy engines for the sync sinks (SQLite gets real transactions and savepoints)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine


def create_sql_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; on SQLite, BEGIN is explicit so SAVEPOINTs and atomic batches behave."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _no_implicit_tx(dbapi_conn: Any, _rec: Any) -> None:
            dbapi_conn.isolation_level = None  # let SQLAlchemy's BEGIN below own the transaction

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)
