"""DynamoDB tables in and out of a snapshot: parallel scan to typed JSON lines, batch writes back.

Lines hold DynamoDB's own typed attribute values (`{"id": {"S": "p1"}, "qty": {"N": "3"}}`), so numbers
keep their exact decimal text and sets stay sets; binary values are base64 text on disk and bytes again
on restore.
"""

from __future__ import annotations

import base64
import json
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
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
    *,
    workers: int = 4,
) -> int:
    """Create the table if missing, then put every item of the snapshot; returns the item count.

    Batches of 25 (BatchWriteItem's limit) go out on `workers` threads with at most `2 * workers` batches in
    flight, so memory stays bounded whatever the table's size. Each batch resends its unprocessed items
    with bounded backoff (`DynamoDbClient.batch_put`); the first batch that exhausts its attempts stops
    the restore with `Throttled`. Reads either snapshot format (`table_lines`).
    """
    shape = TableShape(*(record.shape[k] for k in ("name", "key_schema", "attribute_definitions")))
    if not ddb.exists(shape.name):
        ddb.create(TableShape(shape.name, shape.key_schema, shape.attribute_definitions), tags)
    count = 0
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mcctl-restore") as pool:
        in_flight: deque[Future[int]] = deque()

        def settle(limit: int) -> None:
            nonlocal count
            while len(in_flight) > limit:
                fut = in_flight.popleft()
                fut.result()  # raises the batch's error (Throttled) here, in the calling thread

        try:
            for batch in _batches(table_items(blobs, record, blob_name), 25):
                settle(2 * workers - 1)
                in_flight.append(pool.submit(ddb.batch_put, shape.name, batch))
                count += len(batch)
            settle(0)
        except BaseException:
            for fut in in_flight:
                fut.cancel()
            raise
    return count


def _batches(items: Iterator[Item], size: int) -> Iterator[list[Item]]:
    batch: list[Item] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def table_items(blobs: BlobContainer, record: TableRecord, blob_name: str) -> Iterator[Item]:
    """Every item of a snapshot's table, as typed attribute values, whichever way the snapshot was taken.

    `scan` snapshots are our canonical JSON lines in one blob; `export` snapshots are DynamoDB's own
    export files (gzip, one `{"Item": {...}}` per line), one blob per data file.
    """
    if record.shape.get("method", "scan") == "export":
        for name in record.shape.get("data_blobs", []):
            for line in gzip_lines(blobs, name):
                yield {k: decode_value(v) for k, v in json.loads(line)["Item"].items()}
        return
    for line in read_lines(blobs, blob_name):
        yield {k: decode_value(v) for k, v in json.loads(line).items()}


def gzip_lines(blobs: BlobContainer, name: str) -> Iterator[bytes]:
    """The lines of a gzip blob, decompressed as its chunks arrive (bounded memory)."""
    import zlib

    inflate = zlib.decompressobj(wbits=31)
    rest = b""
    for chunk in blobs.read_chunks(name):
        rest += inflate.decompress(chunk)
        *lines, rest = rest.split(b"\n")
        yield from (line for line in lines if line.strip())
    rest += inflate.flush()
    yield from (line for line in rest.split(b"\n") if line.strip())
