"""A spill file: key sets and key -> hash maps kept in a temporary SQLite file, so memory stays flat.

Backfill remembers every scanned key (to sweep the SQL keys the scan did not see) and verify compares a
hash per key on both sides; held in Python, that is hundreds of bytes per row (gigabytes at 10M rows). Here
they go to disk in batches, inside indexed tables whose page cache is bounded, and come back as ordered
streams (`missing`, `extra`, `different` are SQL joins over the two sides). Thread-safe: the scan segments
write from their own threads through one connection under a lock.
"""

from __future__ import annotations

import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType

CACHE_KIB = 8 * 1024  # SQLite page cache per spill file: the memory ceiling, whatever the row count


def scratch_database(
    prefix: str, directory: Path | None = None, *, threads: bool = False
) -> tuple[tempfile.TemporaryDirectory[str], sqlite3.Connection]:
    """A throw-away SQLite file in its own temporary directory: no journal, no fsync, a page cache of
    `CACHE_KIB` (the memory ceiling) and sorts spilled to disk. Clean up the directory when done."""
    scratch = tempfile.TemporaryDirectory(prefix=prefix, dir=directory)
    db = sqlite3.connect(Path(scratch.name) / "scratch.db", check_same_thread=not threads, isolation_level=None)
    for pragma in ("journal_mode = OFF", "synchronous = OFF", f"cache_size = -{CACHE_KIB}", "temp_store = FILE"):
        db.execute(f"PRAGMA {pragma}")
    return scratch, db


class SpillFile:
    """Named key sets and key -> hash maps in a temporary SQLite file (deleted on close)."""

    def __init__(self, directory: Path | None = None) -> None:
        self._dir, self._db = scratch_database("mcctl-spill-", directory, threads=True)
        self._lock = threading.Lock()
        self._tables: set[str] = set()

    def __enter__(self) -> SpillFile:
        return self

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()

    def _table(self, name: str, kind: str) -> str:
        if name not in self._tables:
            value = ", h TEXT" if kind == "map" else ""
            self._db.execute(f"CREATE TABLE IF NOT EXISTS {name} (k BLOB PRIMARY KEY{value}) WITHOUT ROWID")
            self._tables.add(name)
        return name

    def add_keys(self, name: str, keys: Iterable[bytes | str]) -> None:
        """Add keys to the set `name`."""
        with self._lock:
            table = self._table(name, "set")
            self._db.execute("BEGIN")
            self._db.executemany(f"INSERT OR IGNORE INTO {table} (k) VALUES (?)", ((k,) for k in keys))
            self._db.execute("COMMIT")

    def put_hashes(self, name: str, pairs: Iterable[tuple[str, str | None]]) -> None:
        """Set key -> hash in the map `name` (a repeated key keeps the last hash)."""
        with self._lock:
            table = self._table(name, "map")
            self._db.execute("BEGIN")
            self._db.executemany(f"INSERT OR REPLACE INTO {table} (k, h) VALUES (?, ?)", pairs)
            self._db.execute("COMMIT")

    def present(self, name: str, keys: list[bytes | str]) -> set[bytes | str]:
        """Which of `keys` (one page of them) are in the set `name`."""
        with self._lock:
            table = self._table(name, "set")
            out: set[bytes | str] = set()
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                marks = ", ".join("?" for _ in chunk)
                out.update(r[0] for r in self._db.execute(f"SELECT k FROM {table} WHERE k IN ({marks})", chunk))
            return out

    def _stream(self, sql: str) -> Iterator[str]:
        with self._lock:
            cursor = self._db.execute(sql)
        while True:
            with self._lock:
                rows = cursor.fetchmany(1000)
            if not rows:
                return
            yield from (r[0] for r in rows)

    def only_in(self, left: str, right: str) -> Iterator[str]:
        """Keys of the map `left` missing from the map `right`, in key order."""
        a, b = self._table(left, "map"), self._table(right, "map")
        absent = f"NOT EXISTS (SELECT 1 FROM {b} b WHERE b.k = a.k)"
        return self._stream(f"SELECT a.k FROM {a} a WHERE {absent} ORDER BY a.k")

    def differing(self, left: str, right: str) -> Iterator[str]:
        """Keys in both maps whose hashes differ, in key order."""
        a, b = self._table(left, "map"), self._table(right, "map")
        return self._stream(f"SELECT a.k FROM {a} a JOIN {b} b ON b.k = a.k WHERE a.h IS NOT b.h ORDER BY a.k")

    def count_union(self, left: str, right: str) -> int:
        """How many distinct keys the two maps hold together."""
        a, b = self._table(left, "map"), self._table(right, "map")
        with self._lock:
            row = self._db.execute(f"SELECT COUNT(*) FROM (SELECT k FROM {a} UNION SELECT k FROM {b})").fetchone()
        return int(row[0])
