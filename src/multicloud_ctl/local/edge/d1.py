"""Cloudflare D1 in the sandbox edge: databases by account, and the query endpoint, over in-memory SQLite.

D1 is SQLite behind Cloudflare's API, so SQLite is the engine here too. What the fake serves is what mcctl
calls (the environment lease's Cloudflare store, `providers/cloudflare/d1.py`), shaped as Cloudflare's
published OpenAPI document says (`schemas/`, operations `cloudflare-d1-create-database`,
`cloudflare-d1-list-databases`, `cloudflare-d1-query-database`):

    GET  /accounts/{account}/d1/database[?name=]     -> result: [{uuid, name, version, created_at}]
    POST /accounts/{account}/d1/database {name}      -> result: {uuid, name, version, created_at}
    POST /accounts/{account}/d1/database/{id}/query {sql, params: [string]}
         -> result: [{results: [row objects], success: true, meta: {changes, last_row_id, rows_read, ...}}]

`params` are strings (the document's `d1_params`: items of type string; the request validator refuses
anything else), bound positionally to `?` placeholders; SQLite's column affinity makes "5" compare as 5 with
an INTEGER column, as in D1. Without params the SQL may hold several statements, run as one batch with one
result each; with params it is one statement. A database name is created once per account (409 otherwise);
an unknown database id is 404; an SQL error is 400 with code 7500 and SQLite's message.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from multicloud_ctl.engine.clock import default_clock
from multicloud_ctl.local.edge.store import EdgeError


@dataclass
class Database:
    uuid: str
    name: str
    created_at: str
    conn: sqlite3.Connection
    lock: threading.Lock = field(default_factory=threading.Lock)

    def describe(self) -> dict[str, Any]:
        return {"uuid": self.uuid, "name": self.name, "version": "production", "created_at": self.created_at}


def statements(sql: str) -> list[str]:
    """`sql` split into complete statements (semicolons inside strings and comments do not split)."""
    out: list[str] = []
    current = ""
    for piece in sql.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \t\r\n;"):
                out.append(current.strip())
            current = ""
    if current.strip(" \t\r\n;"):
        out.append(current.strip())
    return out


class D1Store:
    """Databases per account; each one an in-memory SQLite connection used under its own lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._dbs: dict[tuple[str, str], Database] = {}  # (account, uuid)

    def reset(self) -> None:
        with self._lock:
            for db in self._dbs.values():
                db.conn.close()
            self._dbs.clear()

    def databases(self, account: str, name: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            dbs = [d for (a, _), d in self._dbs.items() if a == account and (name is None or d.name == name)]
        return [d.describe() for d in dbs]

    def create(self, account: str, name: str) -> dict[str, Any]:
        with self._lock:
            if any(a == account and d.name == name for (a, _), d in self._dbs.items()):
                raise EdgeError(409, 7502, f"A database with name '{name}' already exists")
            db = Database(
                str(uuid.uuid4()),
                name,
                default_clock()().astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None),
            )
            self._dbs[(account, db.uuid)] = db
        return db.describe()

    def query(self, account: str, database: str, sql: str, params: list[str] | None) -> list[dict[str, Any]]:
        with self._lock:
            db = self._dbs.get((account, database))
        if db is None:
            raise EdgeError(404, 7404, f"The database {database} could not be found")
        parts = [sql] if params else statements(sql)
        out = []
        with db.lock:
            try:
                for part in parts:
                    before = db.conn.total_changes
                    cursor = db.conn.execute(part, params or [])
                    names = [c[0] for c in cursor.description or []]
                    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
                    changes = db.conn.total_changes - before
                    out.append(
                        {
                            "results": rows,
                            "success": True,
                            "meta": {
                                "changed_db": changes > 0,
                                "changes": changes,
                                "duration": 0.1,
                                "last_row_id": cursor.lastrowid or 0,
                                "rows_read": len(rows),
                                "rows_written": changes,
                                "size_after": 0,
                            },
                        }
                    )
            except sqlite3.Error as exc:
                raise EdgeError(400, 7500, f"{exc}: SQLITE_ERROR") from None
        return out
