"""Units of the bulk paths: gzip lines across chunk boundaries, batch chunking, capped backoff."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from typing import Any

from multicloud_ctl.operations.backup.bulkdelete import BatchPolicy, chunks
from multicloud_ctl.operations.backup.dynamo import gzip_lines, table_items
from multicloud_ctl.operations.backup.manifest import TableRecord
from multicloud_ctl.providers.aws.dynamodb import BatchRetry


class ChunkedBlobs:
    """Serves blobs from memory in tiny chunks, as `BlobContainer.read_chunks` does in big ones."""

    def __init__(self, blobs: dict[str, bytes], size: int) -> None:
        self.blobs, self.size = blobs, size

    def read_chunks(self, name: str, snapshot: str | None = None) -> Iterator[bytes]:
        data = self.blobs[name]
        for start in range(0, len(data), self.size):
            yield data[start : start + self.size]


def test_gzip_lines_survive_any_chunk_boundary() -> None:
    lines = [json.dumps({"Item": {"pk": {"S": f"k{i}"}, "b": {"B": "AAE="}}}).encode() for i in range(2000)]
    blob = gzip.compress(b"\n".join(lines) + b"\n")
    for size in (1, 7, 4096):
        assert list(gzip_lines(ChunkedBlobs({"x.gz": blob}, size), "x.gz")) == lines  # type: ignore[arg-type]


def test_export_records_are_read_from_every_data_blob() -> None:
    files = {
        f"snap/export/{n}.gz": gzip.compress(b'{"Item": {"pk": {"S": "%d"}, "raw": {"B": "AAE="}}}\n' % n)
        for n in range(3)
    }
    shape: dict[str, Any] = {"method": "export", "data_blobs": sorted(files)}
    record = TableRecord("T", "dynamodb", "dynamodb/T/export/", 3, "", shape)
    items = list(table_items(ChunkedBlobs(files, 5), record, "ignored"))  # type: ignore[arg-type]
    assert items == [{"pk": {"S": str(n)}, "raw": {"B": b"\x00\x01"}} for n in range(3)]


def test_chunks_hold_at_most_the_batch_limit() -> None:
    sizes = [len(c) for c in chunks(((str(i), None) for i in range(600)), 256)]
    assert sizes == [256, 256, 88]


def test_backoff_doubles_and_is_capped() -> None:
    retry = BatchRetry(base=0.05, cap=2.0, jitter=lambda: 1.0)
    assert [retry.delay(n) for n in range(8)] == [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0]
    policy = BatchPolicy(base=0.2, cap=5.0, jitter=lambda: 0.5)
    assert [policy.delay(n) for n in range(6)] == [0.1, 0.2, 0.4, 0.8, 1.6, 2.5]


class ExportAnswers:
    """A stand-in boto3 client (the DynamoDbClient seam) answering DescribeExport from a script."""

    def __init__(self, statuses: list[dict[str, Any]]) -> None:
        self.statuses = statuses

    def describe_export(self, ExportArn: str) -> dict[str, Any]:
        return {"ExportDescription": self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]}


def test_wait_export_reports_failure_and_gives_up_at_the_timeout() -> None:
    import pytest

    from multicloud_ctl.errors import ProviderError
    from multicloud_ctl.providers.aws.dynamodb import DynamoDbClient

    slept: list[float] = []
    failed = DynamoDbClient(
        ExportAnswers([{"ExportStatus": "IN_PROGRESS"}, {"ExportStatus": "FAILED", "FailureCode": "S3NoSuchBucket"}])
    )
    with pytest.raises(ProviderError, match="dynamodb: export of T failed: S3NoSuchBucket"):
        failed.wait_export("T", "arn:x", timeout=60, sleep=slept.append)
    stuck = DynamoDbClient(ExportAnswers([{"ExportStatus": "IN_PROGRESS"}]))
    with pytest.raises(ProviderError, match="not finished after 3 s"):
        stuck.wait_export("T", "arn:x", timeout=3, poll=1.0, sleep=slept.append)
    assert slept == [1.0, 1.0, 1.0, 1.0]
