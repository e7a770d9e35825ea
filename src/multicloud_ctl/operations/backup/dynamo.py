"""DynamoDB tables in and out of a snapshot: a point-in-time export (or a parallel scan), batch writes back.

A weekly snapshot takes a table by ExportTableToPointInTime when the playbook names an export bucket and the
table has point-in-time recovery on: DynamoDB writes the export to S3 itself, from its backups, consuming
none of the table's capacity; the export's data files are then copied S3 -> Blob like any object (server-side
where the target allows it) and read once from Blob for the count and digest. Otherwise the table is read by
a parallel Scan (which does consume read capacity). The table's record in the manifest says which
(`shape.method`: "export" with the export ARN and data blobs, or "scan" with the reason) and restore reads
either.

Scan lines hold DynamoDB's own typed attribute values (`{"id": {"S": "p1"}, "qty": {"N": "3"}}`), so numbers
keep their exact decimal text and sets stay sets; binary values are base64 text on disk and bytes again
on restore.
"""

from __future__ import annotations

import base64
import json
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import ProviderError
from multicloud_ctl.operations.backup.lines import BlobLineWriter, TableDigest, canonical, read_lines
from multicloud_ctl.operations.backup.manifest import ManifestEntry, TableRecord
from multicloud_ctl.providers.aws.dynamodb import DynamoDbClient, Item, TableShape

if TYPE_CHECKING:
    from datetime import datetime

    from multicloud_ctl.operations.backup.transfer import Transfer
    from multicloud_ctl.providers.aws.s3 import S3Client
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
    scan_reason: str = "",
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
    extra = {"method": "scan", "scan_reason": scan_reason}
    return TableRecord(table, "dynamodb", key, digest.count, digest.hexdigest, asdict(shape) | extra), size, sha


def snapshot_method(ddb: DynamoDbClient, table: str, export_bucket: str | None) -> tuple[str, str]:
    """("export", "") when the table can be exported at a point in time, else ("scan", why not)."""
    if not export_bucket:
        return "scan", "no spec.export_bucket"
    if not ddb.point_in_time_recovery(table):
        return "scan", "point-in-time recovery is off on the table"
    return "export", ""


@dataclass(frozen=True)
class ExportTarget:
    """Where one table's export goes: the S3 prefix it is written under, the snapshot keys and blobs it gets."""

    bucket: str
    s3_prefix: str  # unique per snapshot and table: the export's files are the only ones under it
    key_prefix: str  # logical manifest key prefix, e.g. dynamodb/Products/export/
    blob_prefix: str
    client_token: str
    timeout: float
    requested: datetime


def export_table(
    ddb: DynamoDbClient,
    s3: S3Client,
    transfer: Transfer,
    blobs: BlobContainer,
    table: str,
    target: ExportTarget,
) -> tuple[TableRecord, list[ManifestEntry]]:
    """Snapshot one table by ExportTableToPointInTime; returns its record and one manifest entry per data file.

    The data files are found by listing the export's own prefix (`<prefix>/AWSDynamoDB/<export id>/data/`):
    AWS also writes manifest-summary.json / manifest-files.json there, moto 5.2 writes only the data files,
    and listing works for both.
    """
    shape = ddb.describe(table)
    arn = ddb.start_export(table, target.bucket, target.s3_prefix, target.client_token)
    desc = ddb.wait_export(table, arn, timeout=target.timeout)
    files = [
        o
        for o in s3.list(target.bucket, f"{target.s3_prefix}/AWSDynamoDB/")
        if "/data/" in o.key and o.key.endswith(".gz")
    ]
    digest = TableDigest()
    entries: list[ManifestEntry] = []
    for obj in files:
        name = obj.key.rsplit("/", 1)[1]
        blob = f"{target.blob_prefix}{name}"
        copied = transfer.copy(target.bucket, obj, blob)
        entries.append(ManifestEntry(f"{target.key_prefix}{name}", blob, copied.size, copied.sha256, copied.etag))
        for line in gzip_lines(blobs, blob):
            digest.add(item_line({k: decode_value(v) for k, v in json.loads(line)["Item"].items()}))
    expected = desc.get("ItemCount")
    if expected is not None and int(expected) != digest.count:
        raise ProviderError(
            f"dynamodb: export of {table} holds {digest.count} item(s), DescribeExport says {expected}",
            provider="aws",
            operation="DescribeExport",
        )
    extra = {
        "method": "export",
        "export_arn": arn,
        # the instant the export is consistent at: DescribeExport's ExportTime (moto 5.2 gives none: then the
        # time the export was asked for, which is what AWS defaults ExportTime to)
        "export_time": _iso(desc.get("ExportTime") or target.requested),
        "data_blobs": [e.blob for e in entries],
    }
    record = TableRecord(table, "dynamodb", target.key_prefix, digest.count, digest.hexdigest, asdict(shape) | extra)
    return record, entries


def _iso(value: datetime) -> str:
    from datetime import UTC

    return value.astimezone(UTC).isoformat()


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
    the restore with `Throttled`. Reads either snapshot format (`table_items`).
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
