"""The server-side S3 -> Blob path at the wire, with the real azure-storage-blob SDK and a real presigned URL.

No emulator serves Put Block From URL (Azurite answers 501), so a fake Blob endpoint on 127.0.0.1 checks
the exact requests: `x-ms-copy-source` is a presigned GET for the object on moto, `x-ms-source-range`
walks the object in `block_size` ranges, block ids are base64 of our ids, and one Put Block List commits
the blocks in order with the source metadata. The fake then fetches the ranges like Azure would, so the
assembled blob proves the URL and ranges were right.
"""

from __future__ import annotations

import base64
import hashlib
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fake_blob_endpoint import FakeBlobService

from multicloud_ctl.config.specs.backup import BackupSpec
from multicloud_ctl.engine.runtime import Runtime
from multicloud_ctl.operations.backup import run_daily
from multicloud_ctl.operations.backup.daily import DailyOptions
from multicloud_ctl.operations.backup.transfer import AutoTransfer, make_transfer
from multicloud_ctl.providers.aws.s3 import S3Client, S3Object
from multicloud_ctl.providers.azure.blob import backup_container

pytestmark = pytest.mark.integration
BLOCK = 256 * 1024


@pytest.fixture
def fake_blob() -> Iterator[FakeBlobService]:
    service = FakeBlobService().start()
    yield service
    service.stop()


@pytest.fixture
def wired(local_env: Any, fake_blob: FakeBlobService) -> Runtime:
    storage = local_env.azure.storage.model_copy(
        update={"blob_endpoint": f"http://127.0.0.1:{fake_blob.port}/devstoreaccount1"}
    )
    env = local_env.model_copy(update={"azure": local_env.azure.model_copy(update={"storage": storage})})
    return Runtime(environment=env)


def test_server_side_copy_requests(wired: Runtime, fake_blob: FakeBlobService, aws: str) -> None:
    s3 = wired.aws.client("s3")
    s3.create_bucket(Bucket="src-a")
    big, small = os.urandom(600 * 1024), b"0123456789"
    s3.put_object(Bucket="src-a", Key="dir/big.bin", Body=big)
    s3.put_object(Bucket="src-a", Key="small.txt", Body=small)
    s3.put_object(Bucket="src-a", Key="empty", Body=b"")
    spec = BackupSpec(buckets=["src-a"], container="backups", block_size=BLOCK, parallelism=2)

    summary = run_daily(wired, spec, DailyOptions(transfer="server"))
    assert summary["transfer"] == "server" and summary["copied"] == 3

    big_blocks = [r for r in fake_blob.requests if r.query.get("comp") == "block" and r.path.endswith("big.bin")]
    assert [base64.b64decode(r.query["blockid"]).decode() for r in big_blocks] == [
        "b00000000",
        "b00000001",
        "b00000002",
    ]
    assert [r.headers["x-ms-source-range"] for r in big_blocks] == [
        "bytes=0-262143",
        "bytes=262144-524287",
        "bytes=524288-614399",
    ]
    for r in big_blocks:
        src = urlsplit(r.headers["x-ms-copy-source"])
        assert f"{src.scheme}://{src.netloc}" == aws and src.path == "/src-a/dir/big.bin"
        params = parse_qs(src.query)
        assert "X-Amz-Signature" in params or "Signature" in params
        assert r.body == b""  # the bytes never crossed this process
        assert r.path == "/devstoreaccount1/backups/daily/src-a/dir/big.bin"

    commit = next(r for r in fake_blob.requests if r.query.get("comp") == "blocklist" and r.path.endswith("big.bin"))
    root = ET.fromstring(commit.body)
    assert root.tag == "BlockList"
    assert [(e.tag, base64.b64decode(e.text or "").decode()) for e in root] == [
        ("Latest", "b00000000"),
        ("Latest", "b00000001"),
        ("Latest", "b00000002"),
    ]
    assert commit.headers["x-ms-meta-mcctl_sha256"] == hashlib.sha256(big).hexdigest()
    assert commit.headers["x-ms-meta-mcctl_src_size"] == str(len(big))
    assert commit.headers["x-ms-meta-mcctl_src_etag"] == hashlib.md5(big).hexdigest()

    assert fake_blob.blobs["daily/src-a/dir/big.bin"] == big  # fetched by the "service" from the URL
    assert fake_blob.blobs["daily/src-a/small.txt"] == small
    assert fake_blob.blobs["daily/src-a/empty"] == b""
    empty_put = next(r for r in fake_blob.requests if r.path.endswith("/empty") and r.method == "PUT")
    assert "x-ms-copy-source" not in empty_put.headers and empty_put.headers["x-ms-blob-type"] == "BlockBlob"
    # the manifest is the last write of the run
    last_put = [r for r in fake_blob.requests if r.method == "PUT"][-1]
    assert last_put.path.startswith("/devstoreaccount1/backups/manifests/daily-") and not last_put.query


def test_auto_falls_back_to_streaming_when_the_target_cannot_fetch_urls(
    wired: Runtime, fake_blob: FakeBlobService
) -> None:
    fake_blob.refuse_copy_from_url = True
    s3 = wired.aws.client("s3")
    s3.create_bucket(Bucket="src-a")
    data = os.urandom(300 * 1024)
    s3.put_object(Bucket="src-a", Key="x.bin", Body=data)
    head = s3.head_object(Bucket="src-a", Key="x.bin")
    obj = S3Object("x.bin", len(data), head["ETag"].strip('"'), head["LastModified"])
    from multicloud_ctl.operations.backup.ratelimit import RateLimiter

    transfer = make_transfer(
        "auto",
        S3Client(s3),
        backup_container(wired, "backups"),
        block_size=BLOCK,
        limiter=RateLimiter(None),
        presign_seconds=60,
    )
    assert isinstance(transfer, AutoTransfer)
    copied = transfer.copy("src-a", obj, "daily/src-a/x.bin")
    assert transfer.fell_back and copied.mode == "stream"
    assert fake_blob.blobs["daily/src-a/x.bin"] == data
    refused = [r for r in fake_blob.requests if "x-ms-copy-source" in r.headers]
    assert len(refused) == 1  # one 501, then streaming (Put Block with the bytes in the body)
    streamed = [r for r in fake_blob.requests if r.query.get("comp") == "block" and "x-ms-copy-source" not in r.headers]
    assert [len(r.body) for r in streamed] == [BLOCK, len(data) - BLOCK]
