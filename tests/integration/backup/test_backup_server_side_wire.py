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
import json
import os
import xml.etree.ElementTree as ET
from collections import Counter
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


def _multipart(s3: Any, bucket: str, key: str, parts: list[bytes], **extra: Any) -> str:
    """Upload `parts` as a multipart object; returns its ETag (`md5-of-md5s-N`)."""
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key, **extra)["UploadId"]
    done = []
    for n, part in enumerate(parts, start=1):
        kw = {"ChecksumAlgorithm": "SHA256"} if extra.get("ChecksumAlgorithm") else {}
        r = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=n, Body=part, **kw)
        done.append({"PartNumber": n, "ETag": r["ETag"], **({"ChecksumSHA256": r["ChecksumSHA256"]} if kw else {})})
    r = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload, MultipartUpload={"Parts": done})
    return str(r["ETag"]).strip('"')


def _entries(body: bytes) -> list[dict[str, Any]]:
    """A format 3 manifest's entries: every line between the header and the trailer."""
    lines = [json.loads(line) for line in body.splitlines()]
    assert lines[0]["version"] == 3 and lines[-1]["end"] is True
    return lines[1:-1]


def test_server_side_copy_requests(wired: Runtime, fake_blob: FakeBlobService, aws: str) -> None:
    s3 = wired.aws.client("s3")
    s3.create_bucket(Bucket="src-a")
    big, small = os.urandom(600 * 1024), b"0123456789"
    s3.put_object(Bucket="src-a", Key="dir/big.bin", Body=big)
    s3.put_object(Bucket="src-a", Key="small.txt", Body=small)
    s3.put_object(Bucket="src-a", Key="empty", Body=b"")
    parts = [os.urandom(5 * 1024 * 1024), os.urandom(100 * 1024)]
    multi_etag = _multipart(s3, "src-a", "multi/m.bin", parts)
    spec = BackupSpec(buckets=["src-a"], container="backups", block_size=4 * 1024 * 1024, parallelism=2)
    mark = Counter(wired.aws.counter.by_operation)

    summary = run_daily(wired, spec, DailyOptions(transfer="server"))
    assert summary["transfer"] == "server" and summary["copied"] == 4 and summary["fell_back"] == 0

    # single-part: one Put Block From URL for the whole object, the ETag as x-ms-source-content-md5
    big_blocks = [r for r in fake_blob.requests if r.query.get("comp") == "block" and r.path.endswith("big.bin")]
    assert [base64.b64decode(r.query["blockid"]).decode() for r in big_blocks] == ["b00000000"]
    assert big_blocks[0].headers["x-ms-source-range"] == "bytes=0-614399"
    assert base64.b64decode(big_blocks[0].headers["x-ms-source-content-md5"]) == hashlib.md5(big).digest()
    src = urlsplit(big_blocks[0].headers["x-ms-copy-source"])
    assert f"{src.scheme}://{src.netloc}" == aws and src.path == "/src-a/dir/big.bin"
    params = parse_qs(src.query)
    assert "X-Amz-Signature" in params or "Signature" in params
    assert big_blocks[0].body == b""  # the bytes never crossed this process
    assert big_blocks[0].path == "/devstoreaccount1/backups/daily/src-a/dir/big.bin"
    commit = next(r for r in fake_blob.requests if r.query.get("comp") == "blocklist" and r.path.endswith("big.bin"))
    assert ET.fromstring(commit.body).tag == "BlockList"
    assert commit.headers["x-ms-meta-mcctl_md5"] == hashlib.md5(big).hexdigest()
    assert "x-ms-meta-mcctl_check" not in commit.headers  # the MD5 recorded is the check
    assert "x-ms-meta-mcctl_sha256" not in commit.headers  # nothing was downloaded to hash it
    assert "x-ms-meta-mcctl_src_size" not in commit.headers  # the blob's own size is the source's

    # multipart without a stored checksum: block_size ranges, no MD5 to send, the ETag recorded
    m_blocks = [r for r in fake_blob.requests if r.query.get("comp") == "block" and r.path.endswith("m.bin")]
    assert [r.headers["x-ms-source-range"] for r in m_blocks] == ["bytes=0-4194303", "bytes=4194304-5345279"]
    assert all("x-ms-source-content-md5" not in r.headers for r in m_blocks)
    m_commit = next(r for r in fake_blob.requests if r.query.get("comp") == "blocklist" and r.path.endswith("m.bin"))
    assert m_commit.headers["x-ms-meta-mcctl_check"] == "etag"
    assert m_commit.headers["x-ms-meta-mcctl_src_etag"] == multi_etag and multi_etag.endswith("-2")

    assert fake_blob.blobs["daily/src-a/dir/big.bin"] == big  # fetched by the "service" from the URL
    assert fake_blob.blobs["daily/src-a/multi/m.bin"] == b"".join(parts)
    assert fake_blob.blobs["daily/src-a/small.txt"] == small
    assert fake_blob.blobs["daily/src-a/empty"] == b""
    empty_put = next(r for r in fake_blob.requests if r.path.endswith("/empty") and r.method == "PUT")
    assert "x-ms-copy-source" not in empty_put.headers and empty_put.headers["x-ms-blob-type"] == "BlockBlob"
    # no GetObject from this process: listings, and one HEAD for the multipart object's stored checksum
    sent = wired.aws.counter.by_operation - mark
    assert "GetObject" not in sent and sent["HeadObject"] == 1, sent
    # the manifest is the last write of the run: its blocks, then its block list
    puts = [r for r in fake_blob.requests if r.method == "PUT"]
    assert puts[-1].path.startswith("/devstoreaccount1/backups/manifests/daily-")
    assert puts[-1].query.get("comp") == "blocklist"
    by_key = {e["key"]: e for e in _entries(fake_blob.blobs[puts[-1].path.split("/backups/", 1)[1]])}
    assert by_key["s3/src-a/dir/big.bin"]["md5"] == hashlib.md5(big).hexdigest()
    assert by_key["s3/src-a/dir/big.bin"]["sha256"] == ""
    assert by_key["s3/src-a/multi/m.bin"]["etag"] == multi_etag


def test_multipart_object_with_a_stored_sha256_records_it(wired: Runtime, fake_blob: FakeBlobService) -> None:
    s3 = wired.aws.client("s3")
    s3.create_bucket(Bucket="src-a")
    parts = [os.urandom(5 * 1024 * 1024), os.urandom(1000)]
    _multipart(s3, "src-a", "m.bin", parts, ChecksumAlgorithm="SHA256", ChecksumType="FULL_OBJECT")
    head = s3.head_object(Bucket="src-a", Key="m.bin", ChecksumMode="ENABLED")
    spec = BackupSpec(buckets=["src-a"], container="backups", block_size=4 * 1024 * 1024, parallelism=2)
    run_daily(wired, spec, DailyOptions(transfer="server"))
    commit = next(r for r in fake_blob.requests if r.query.get("comp") == "blocklist" and r.path.endswith("m.bin"))
    if head.get("ChecksumType") == "FULL_OBJECT":
        assert commit.headers["x-ms-meta-mcctl_sha256"] == hashlib.sha256(b"".join(parts)).hexdigest()
        assert "x-ms-meta-mcctl_check" not in commit.headers
    else:  # moto stores a composite checksum: not a whole-object SHA-256, so only the ETag is recorded
        assert commit.headers["x-ms-meta-mcctl_check"] == "etag"


def test_a_refused_object_falls_back_alone_and_is_counted(wired: Runtime, fake_blob: FakeBlobService) -> None:
    s3 = wired.aws.client("s3")
    s3.create_bucket(Bucket="src-a")
    objects = {f"k{i}.bin": os.urandom(2048) for i in range(6)}
    for key, data in objects.items():
        s3.put_object(Bucket="src-a", Key=key, Body=data)
    # Azure's answer when the source refuses the presigned URL (403), for this one object
    fake_blob.refuse_from_url["daily/src-a/k2.bin"] = (403, "CannotVerifyCopySource")
    spec = BackupSpec(buckets=["src-a"], container="backups", parallelism=2)
    summary = run_daily(wired, spec, DailyOptions(transfer="server"))
    assert (summary["copied"], summary["fell_back"], summary["failed"]) == (6, 1, 0)
    assert summary["transfer"] == "server"  # the rest stayed server-side
    streamed = [r for r in fake_blob.requests if r.method == "PUT" and r.path.endswith("k2.bin") and r.body]
    assert streamed and streamed[-1].body == objects["k2.bin"]
    from_url = [r for r in fake_blob.requests if "x-ms-copy-source" in r.headers]
    assert len(from_url) == 6  # every object was tried server-side; only k2 was refused
    assert all(fake_blob.blobs[f"daily/src-a/{k}"] == v for k, v in objects.items())


def test_source_deleted_between_listing_and_copy_is_counted_not_failed(
    wired: Runtime, fake_blob: FakeBlobService
) -> None:
    from multicloud_ctl.operations.backup import compare as compare_mod
    from multicloud_ctl.operations.backup.daily import execute_daily, plan_daily
    from multicloud_ctl.operations.backup.store import open_store

    s3 = wired.aws.client("s3")
    s3.create_bucket(Bucket="src-a")
    for i in range(4):
        s3.put_object(Bucket="src-a", Key=f"k{i}", Body=os.urandom(100))
    spec = BackupSpec(buckets=["src-a"], container="backups", parallelism=2)
    store = open_store(wired, spec)
    listed = list(compare_mod.decisions(store, ["src-a"], workers=1))
    s3.delete_object(Bucket="src-a", Key="k1")  # after the listing, before the copy

    def replay(_store: Any, _buckets: list[str], *, workers: int) -> Iterator[Any]:
        yield from listed

    options = DailyOptions(transfer="server")
    outcome, manifest = execute_daily(store, plan_daily(store, options), options, listing=replay)
    assert manifest is not None and (outcome.copied, outcome.vanished, outcome.failed) == (3, 1, 0)
    assert outcome.vanished_keys == ["src-a/k1"]
    entries = _entries(fake_blob.blobs[store.layout.manifest_blob(manifest.id)])
    assert sorted(e["key"] for e in entries) == ["s3/src-a/k0", "s3/src-a/k2", "s3/src-a/k3"]


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
    assert transfer.fell_back and copied.mode == "stream (fallback)"
    assert fake_blob.blobs["daily/src-a/x.bin"] == data
    refused = [r for r in fake_blob.requests if "x-ms-copy-source" in r.headers]
    assert len(refused) == 1  # one 501, then streaming (Put Block with the bytes in the body)
    streamed = [r for r in fake_blob.requests if r.query.get("comp") == "block" and "x-ms-copy-source" not in r.headers]
    assert [len(r.body) for r in streamed] == [BLOCK, len(data) - BLOCK]


def test_verify_download_hashes_the_source_here(wired: Runtime, fake_blob: FakeBlobService) -> None:
    s3 = wired.aws.client("s3")
    s3.create_bucket(Bucket="src-a")
    data = os.urandom(3000)
    s3.put_object(Bucket="src-a", Key="x.bin", Body=data)
    spec = BackupSpec(buckets=["src-a"], container="backups", parallelism=2, verify="download")
    mark = Counter(wired.aws.counter.by_operation)
    run_daily(wired, spec, DailyOptions(transfer="server"))
    assert (wired.aws.counter.by_operation - mark)["GetObject"] == 1  # asked for: the one download
    commit = next(r for r in fake_blob.requests if r.query.get("comp") == "blocklist" and r.path.endswith("x.bin"))
    assert commit.headers["x-ms-meta-mcctl_sha256"] == hashlib.sha256(data).hexdigest()
    assert "x-ms-meta-mcctl_check" not in commit.headers
    assert fake_blob.blobs["daily/src-a/x.bin"] == data  # still copied by the service from the URL


def test_a_prefix_listed_alone_asks_for_5000_blobs_a_page_and_side_by_side_ones_share_that(
    wired: Runtime, fake_blob: FakeBlobService, aws: str
) -> None:
    """List Blobs `maxresults`: 5,000 (the service's most) for the one unit listed, 5,000 / 4 for each of four or
    more listed at once, so the pages parsed at one time stay near 5,000 blobs in all (`compare.blob_page`)."""
    from multicloud_ctl.operations.backup.compare import blob_page

    assert [blob_page(n) for n in (0, 1, 2, 3, 4, 16)] == [5000, 5000, 2500, 1666, 1250, 1250]
    s3 = wired.aws.client("s3")
    s3.create_bucket(Bucket="one-prefix")
    s3.create_bucket(Bucket="six-prefixes")
    for i in range(3):
        s3.put_object(Bucket="one-prefix", Key=f"only/{i}.bin", Body=b"x")
    for p in range(6):
        s3.put_object(Bucket="six-prefixes", Key=f"p{p}/obj.bin", Body=b"y")

    def list_sizes(bucket: str) -> dict[str, str]:
        mark = len(fake_blob.requests)
        run_daily(wired, BackupSpec(buckets=[bucket], container="backups", parallelism=2), DailyOptions())
        lists = [r for r in fake_blob.requests[mark:] if r.query.get("comp") == "list" and "prefix" in r.query]
        return {r.query["prefix"]: r.query["maxresults"] for r in lists}

    # one prefix: the bucket is one flat unit (no delimited listing of the mirror, nothing to split)
    assert list_sizes("one-prefix") == {"daily/one-prefix/": "5000"}
    sizes = list_sizes("six-prefixes")
    assert sizes.pop("daily/six-prefixes/") == "5000"  # the root's delimited listing: the only unit then
    assert sizes == {f"daily/six-prefixes/p{p}/": "1250" for p in range(6)}
