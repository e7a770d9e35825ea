"""Create SQLAlchemy engines for the sync sinks (SQLite gets real transactions and savepoints)."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine


def connect_args(url: str, connect_timeout: float | None) -> dict[str, Any]:
    """The driver's connect timeout for `url` (the `network.connect_timeout_seconds` of the environment):
    psycopg `connect_timeout`, pyodbc `timeout` (the ODBC login timeout); SQLite opens a file (none)."""
    if connect_timeout is None or url.startswith("sqlite"):
        return {}
    seconds = max(1, math.ceil(connect_timeout))
    if url.startswith("postgresql"):
        return {"connect_timeout": seconds}
    if url.startswith("mssql"):
        return {"timeout": seconds}
    return {}


def create_sql_engine(url: str, *, connect_timeout: float | None = None, **kwargs: Any) -> Engine:
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
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args(url, connect_timeout), **kwargs)
