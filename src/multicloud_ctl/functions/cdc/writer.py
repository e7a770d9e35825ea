"""Write converted rows to SQL with the ordering rules, including deletes in `remove` mode.

`mark` mode keeps a deleted row in its table (`_deleted` set, `_seq` of the delete). `remove` mode deletes
the row and records a tombstone `(source table, key hash) -> _seq` in the tombstone table, so that the
data tables hold live rows only (the standby API reads them as they are) while a late, older record still
cannot resurrect the key:

- a live row is written only if it is newer than the key's tombstone (a superseded tombstone is dropped)
  and, through the guarded upsert, newer than the stored row;
- a delete removes the stored row only if that row is older, and keeps the newest tombstone.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import and_, bindparam, delete, select, text
from sqlalchemy.engine import Connection

from multicloud_ctl.functions.cdc.schema import DELETED, SEQ, SyncTables, TableMapping
from multicloud_ctl.functions.cdc.sinks import upsert_rows
from multicloud_ctl.functions.cdc.typemap import canonical_document, content_hash

ANY_SEQ = "9" * 41  # sorts after every 40-digit sequence number: "whatever the stored _seq"


def key_document(mapping: TableMapping, row: dict[str, Any]) -> str:
    """The key's canonical document, from the key column values (the same text as the record's `key_id`)."""
    return canonical_document({k.attribute: {k.type: row[k.column]} for k in mapping.keys})


def key_hash(mapping: TableMapping, row: dict[str, Any]) -> str:
    """SHA-256 of the key's canonical document, computed from the key column values (any side)."""
    return content_hash(key_document(mapping, row))


# The elements of a JSON array parameter as rows, per dialect (a long expanded IN list is re-parsed by the driver
# on every batch: psycopg caches no statement with more than 50 parameters).
_JSON_LIST = {
    "postgresql": "SELECT json_array_elements_text(CAST(:hashes AS json))",
    "sqlite": "SELECT value FROM json_each(:hashes)",
}


def _tombstone_seqs(conn: Connection, tables: SyncTables, source: str, hashes: list[str]) -> dict[str, str]:
    t = tables.tombstones
    assert t is not None
    out: dict[str, str] = {}
    listed = _JSON_LIST.get(conn.dialect.name)
    if listed is not None:  # one statement, one parameter: the hashes as a JSON array
        q = conn.dialect.identifier_preparer.quote
        query = text(
            f"SELECT key_hash, {q(SEQ)} FROM {q(t.name)} WHERE source_table = :source AND key_hash IN ({listed})"
        )
        rows = conn.execute(query, {"source": source, "hashes": json.dumps(hashes)})
        return {str(h): str(s) for h, s in rows}
    for i in range(0, len(hashes), 500):
        chunk = hashes[i : i + 500]
        rows = conn.execute(select(t.c.key_hash, t.c[SEQ]).where(t.c.source_table == source, t.c.key_hash.in_(chunk)))
        out.update({str(h): str(s) for h, s in rows})
    return out


def write_rows(
    conn: Connection,
    tables: SyncTables,
    mapping: TableMapping,
    rows: list[dict[str, Any]],
    *,
    authoritative: bool = False,
    key_docs: list[str] | None = None,
) -> None:
    """Write one row per key (tombstone rows have `_deleted` true) inside the caller's transaction.

    `key_docs` (aligned with `rows`, optional): each row's canonical key document when the caller already has
    it (a stream record's `key_id`), so that remove mode does not encode every key again.

    `authoritative` (backfill): the rows state what DynamoDB held after the stream position was captured, so
    they replace whatever SQL holds for their keys, whatever its `_seq` (older changes in other shards are
    not replayed after a backfill, so only the scan can bring those keys up to date).
    """
    table = tables.table_for(mapping.source)
    keys = mapping.key_columns
    guard = None if authoritative else SEQ
    if mapping.delete_mode == "mark":
        upsert_rows(conn, table, keys, rows, guard=guard)
        return
    t = tables.tombstones
    assert t is not None
    docs = key_docs if key_docs is not None else [key_document(mapping, r) for r in rows]
    doc_of = {id(r): d for r, d in zip(rows, docs, strict=True)}
    live = [r for r in rows if not r[DELETED]]
    gone = [r for r in rows if r[DELETED]]
    if live:
        hashes = {id(r): content_hash(doc_of[id(r)]) for r in live}
        tombs = _tombstone_seqs(conn, tables, mapping.source, sorted(set(hashes.values())))
        newer = [r for r in live if authoritative or tombs.get(hashes[id(r)], "") < r[SEQ]]
        superseded = [
            {"h": hashes[id(r)], "s": ANY_SEQ if authoritative else r[SEQ]} for r in newer if hashes[id(r)] in tombs
        ]
        if superseded:
            conn.execute(
                delete(t).where(
                    t.c.source_table == mapping.source, t.c.key_hash == bindparam("h"), t.c[SEQ] < bindparam("s")
                ),
                superseded,
            )
        upsert_rows(conn, table, keys, newer, guard=guard)
    if gone:
        where = and_(*(table.c[k] == bindparam(f"k_{k}") for k in keys), table.c[SEQ] < bindparam("s"))
        conn.execute(
            delete(table).where(where),
            [{**{f"k_{k}": r[k] for k in keys}, "s": ANY_SEQ if authoritative else r[SEQ]} for r in gone],
        )
        upsert_rows(
            conn,
            t,
            ["source_table", "key_hash"],
            [
                {
                    "source_table": mapping.source,
                    "key_hash": content_hash(doc_of[id(r)]),
                    "keys": doc_of[id(r)],
                    SEQ: r[SEQ],
                    "deleted_at": r.get("_source_time"),
                }
                for r in gone
            ],
        )
