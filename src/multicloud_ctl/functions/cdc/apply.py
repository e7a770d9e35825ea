"""Apply a batch of DynamoDB stream records to SQL: collapse per key, guarded upserts, dead letters.

Run it inside the caller's transaction (the CLI also writes the shard checkpoint there, the Lambda relies on
the `_seq` guard alone). A record that cannot become a row, or that the database refuses, is written to the
dead-letter table with its reason; the rest of the batch still applies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, StatementError

from multicloud_ctl.functions.cdc.schema import (
    DELETED,
    DOC,
    HASH,
    SEQ,
    SOURCE_TIME,
    SyncTables,
    TableMapping,
)
from multicloud_ctl.functions.cdc.typemap import (
    Item,
    UnappliableRecord,
    canonical_document,
    content_hash,
    key_value,
    pad_seq,
    projected_value,
)
from multicloud_ctl.functions.cdc.writer import write_rows


@dataclass(eq=False)
class StreamRecord:
    """One stream record, normalized from boto3's `get_records` or a Lambda event.

    Not frozen: a frozen dataclass sets each field through `object.__setattr__`, and building one per record
    cost about a microsecond more of its CPU; nothing mutates a record once made.
    """

    event: str  # INSERT | MODIFY | REMOVE
    keys: Item
    new_image: Item | None
    old_image: Item | None
    seq: str  # zero-padded
    created: datetime | None
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    @cached_property
    def key_id(self) -> str:
        """The key's canonical document, encoded once per record (collapse and dead letters reuse it)."""
        return canonical_document(self.keys)


def normalize_record(raw: dict[str, Any]) -> StreamRecord:
    """A `Records[]` entry (boto3 or Lambda event form) as a `StreamRecord`."""
    ddb = raw.get("dynamodb") or {}
    return StreamRecord(
        event=str(raw.get("eventName", "")),
        keys=ddb.get("Keys") or {},
        new_image=ddb.get("NewImage"),
        old_image=ddb.get("OldImage"),
        seq=pad_seq(str(ddb.get("SequenceNumber", ""))),
        created=_created(ddb.get("ApproximateCreationDateTime")),
        raw=raw,
    )


def _created(value: Any) -> datetime | None:
    """ApproximateCreationDateTime as an aware UTC time: epoch seconds on the wire and in a Lambda event (the JSON
    protocol's timestamp form), a datetime from boto3."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), tz=UTC)
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return None


@dataclass
class ApplyResult:
    received: int = 0
    written: int = 0
    dead: int = 0
    last_seq: str | None = None
    last_time: datetime | None = None
    reasons: list[str] = field(default_factory=list)


def _check_length(what: str, value: Any, limit: int | None, where: str) -> None:
    size = len(value) if isinstance(value, str | bytes) else 0
    if limit is not None and size > limit:
        unit = "bytes" if isinstance(value, bytes) else "characters"
        raise UnappliableRecord(f"{what} is {size} {unit}, column {where} holds {limit}")


def row_for(mapping: TableMapping, rec: StreamRecord) -> dict[str, Any]:
    """The SQL row for one record (a tombstone for REMOVE); raises `UnappliableRecord`."""
    row: dict[str, Any] = {}
    for k in mapping.keys:
        if k.attribute not in rec.keys:
            raise UnappliableRecord(f"key attribute {k.attribute!r} missing from the record's keys")
        row[k.column] = key_value(rec.keys[k.attribute], k.type)
        _check_length(f"key {k.attribute}", row[k.column], k.length, f"{mapping.target}.{k.column}")
    deleted = rec.event == "REMOVE"
    image = rec.old_image if deleted and mapping.delete_mode == "mark" else (None if deleted else rec.new_image)
    if not deleted and image is None:
        raise UnappliableRecord("no NewImage in the record: the stream view must include new images")
    for p in mapping.projected:
        try:
            value = projected_value(image.get(p.attribute) if image else None, p.type)
        except UnappliableRecord as exc:
            raise UnappliableRecord(f"attribute {p.attribute}: {exc}") from None
        _check_length(f"attribute {p.attribute}", value, p.length, f"{mapping.target}.{p.column}")
        row[p.column] = value
    doc = canonical_document(image) if image is not None else None
    row.update(
        {
            DOC: doc,
            HASH: content_hash(doc) if doc is not None else None,
            SEQ: rec.seq,
            DELETED: deleted,
            SOURCE_TIME: rec.created,
        }
    )
    return row


def collapse(records: list[StreamRecord]) -> list[StreamRecord]:
    """The newest record per key (older ones in the same batch would lose the `_seq` guard anyway)."""
    newest: dict[str, StreamRecord] = {}
    for rec in records:
        cur = newest.get(rec.key_id)
        if cur is None or rec.seq > cur.seq:
            newest[rec.key_id] = rec
    return list(newest.values())


def _db_reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None) or exc
    return f"database refused the row: {str(orig).splitlines()[0][:300]}"


def apply_records(
    conn: Connection,
    tables: SyncTables,
    mapping: TableMapping,
    records: list[StreamRecord],
    *,
    shard_id: str | None = None,
    now: datetime | None = None,
    record_dead: bool = True,
) -> ApplyResult:
    """Apply `records` (one shard's order) to the mapping's table inside the caller's transaction.

    Refused records go to the dead-letter table (unless `record_dead` is false: replay updates its own).
    """
    result = ApplyResult(received=len(records))
    if not records:
        return result
    last = max(records, key=lambda r: r.seq)
    result.last_seq, result.last_time = last.seq, last.created
    rows: list[tuple[StreamRecord, dict[str, Any]]] = []
    dead: list[tuple[StreamRecord, str]] = []
    for rec in collapse(records):
        try:
            rows.append((rec, row_for(mapping, rec)))
        except UnappliableRecord as exc:
            dead.append((rec, str(exc)))
    refused = 0
    try:
        with conn.begin_nested():
            write_rows(conn, tables, mapping, [r for _, r in rows], key_docs=[rec.key_id for rec, _ in rows])
    except (DBAPIError, StatementError):
        for rec, row in rows:  # find the refused rows one by one; the others still apply
            try:
                with conn.begin_nested():
                    write_rows(conn, tables, mapping, [row], key_docs=[rec.key_id])
            except (DBAPIError, StatementError) as exc:
                dead.append((rec, _db_reason(exc)))
                refused += 1
    result.written = len(rows) - refused
    if dead and record_dead:
        write_dead_letters(conn, tables, mapping.source, shard_id, dead, now or datetime.now(UTC))
    result.dead = len(dead)
    result.reasons = [reason for _, reason in dead]
    return result


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        import base64

        return {"__b64__": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, datetime):
        return {"__dt__": value.isoformat()}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def _unjsonable(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__b64__"}:
            import base64

            return base64.b64decode(value["__b64__"])
        if set(value) == {"__dt__"}:
            return datetime.fromisoformat(value["__dt__"])
        return {k: _unjsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unjsonable(v) for v in value]
    return value


def record_to_text(rec: StreamRecord) -> str:
    """A stream record as JSON text (binary and datetimes tagged) for the dead-letter table."""
    return json.dumps(_jsonable(rec.raw), sort_keys=True)


def record_from_text(text: str) -> StreamRecord:
    """The inverse of `record_to_text` (used by `mcctl sync replay`)."""
    return normalize_record(_unjsonable(json.loads(text)))


def write_dead_letters(
    conn: Connection,
    tables: SyncTables,
    source: str,
    shard_id: str | None,
    dead: list[tuple[StreamRecord, str]],
    now: datetime,
) -> None:
    assert tables.dead_letters is not None
    conn.execute(
        insert(tables.dead_letters),
        [
            {
                "source_table": source,
                "shard_id": shard_id,
                "sequence": rec.seq,
                "keys": rec.key_id,
                "record": record_to_text(rec),
                "reason": reason,
                "attempts": 1,
                "created_at": now,
                "resolved_at": None,
            }
            for rec, reason in dead
        ],
    )
