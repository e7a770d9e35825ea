"""DynamoDB tables in and out of a snapshot: parallel scan to typed JSON lines, batch writes back.

Lines hold DynamoDB's own typed attribute values (`{"id": {"S": "p1"}, "qty": {"N": "3"}}`), so numbers
keep their exact decimal text and sets stay sets; binary values are base64 text on disk and bytes again
on restore.
"""

from __future__ import annotations

import base64
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from multicloud_ctl.operations.backup.lines import BlobLineWriter, TableDigest, canonical, read_lines
from multicloud_ctl.operations.backup.manifest import TableRecord
from multicloud_ctl.providers.aws.dynamodb import DynamoDbClient, Item, TableShape

if TYPE_CHECKING:
    from multicloud_ctl.providers.azure.blob import BlobContainer


def encode_value(value: dict[str, Any]) -> dict[str, Any]:
    """A typed attribute value as JSON (bytes -> base64)."""
    ((tag, inner),) = value.items()
    if tag == "B":
        return {"B": base64.b64encode(bytes(inner)).decode()}
    if tag == "BS":
        return {"BS": sorted(base64.b64encode(bytes(b)).decode() for b in inner)}
    if tag in ("SS", "NS"):
        return {tag: sorted(inner)}
    if tag == "M":
        return {"M": {k: encode_value(v) for k, v in inner.items()}}
    if tag == "L":
        return {"L": [encode_value(v) for v in inner]}
    return {tag: inner}


def decode_value(value: dict[str, Any]) -> dict[str, Any]:
    ((tag, inner),) = value.items()
    if tag == "B":
        return {"B": base64.b64decode(inner)}
    if tag == "BS":
        return {"BS": [base64.b64decode(b) for b in inner]}
    if tag == "M":
        return {"M": {k: decode_value(v) for k, v in inner.items()}}
    if tag == "L":
        return {"L": [decode_value(v) for v in inner]}
    return {tag: inner}


def item_line(item: Item) -> bytes:
    return canonical({k: encode_value(v) for k, v in item.items()})


def scan_table(ddb: DynamoDbClient, table: str, segments: int, sink: Any) -> None:
    """Feed every item's line to `sink(line)`, scanning `segments` segments in parallel."""

    def one(segment: int) -> None:
        for item in ddb.scan_segment(table, segment, segments):
            sink(item_line(item))

    with ThreadPoolExecutor(max_workers=segments, thread_name_prefix="mcctl-scan") as pool:
        for fut in [pool.submit(one, s) for s in range(segments)]:
            fut.result()


def dump_table(
    ddb: DynamoDbClient,
    blobs: BlobContainer,
    table: str,
    blob_name: str,
    key: str,
    *,
    segments: int,
    block_size: int,
) -> tuple[TableRecord, int, str]:
    """Snapshot one table into `blob_name`; returns its record, the blob size and SHA-256."""
    shape = ddb.describe(table)
    writer = BlobLineWriter(blobs, blob_name, block_size)
    digest = TableDigest()

    def sink(line: bytes) -> None:
        digest.add(line)
        writer.write_line(line)

    scan_table(ddb, table, segments, sink)
    size, sha = writer.close({"mcctl_items": str(digest.count)})
    return TableRecord(table, "dynamodb", key, digest.count, digest.hexdigest, asdict(shape)), size, sha


def table_digest(ddb: DynamoDbClient, table: str, segments: int) -> TableDigest:
    """Count and digest of a live table, comparable with a snapshot's record."""
    digest = TableDigest()
    scan_table(ddb, table, segments, digest.add)
    return digest


def restore_table(
    ddb: DynamoDbClient,
    blobs: BlobContainer,
    record: TableRecord,
    blob_name: str,
    tags: dict[str, str],
    batch: int = 500,
) -> int:
    """Create the table if missing, then put every item of the snapshot; returns the item count."""
    shape = TableShape(**record.shape)
    if not ddb.exists(shape.name):
        ddb.create(TableShape(shape.name, shape.key_schema, shape.attribute_definitions), tags)
    pending: list[Item] = []
    count = 0
    for line in read_lines(blobs, blob_name):
        pending.append({k: decode_value(v) for k, v in json.loads(line).items()})
        if len(pending) >= batch:
            ddb.batch_put(shape.name, pending)
            count += len(pending)
            pending = []
    if pending:
        ddb.batch_put(shape.name, pending)
        count += len(pending)
    return count
