"""The daily pipeline's pure parts: the merge-join compare and the checksums a server-side copy records."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from multicloud_ctl.errors import OperationFailed
from multicloud_ctl.operations.backup.checksum import MultipartEtag, bytes_match, part_size_candidates
from multicloud_ctl.operations.backup.compare import CopyTask, Gone, Keep, compare
from multicloud_ctl.operations.backup.layout import matches_source, source_metadata
from multicloud_ctl.operations.backup.manifest import ManifestEntry
from multicloud_ctl.providers.aws.s3 import S3Object
from multicloud_ctl.providers.azure.blob import BlobInfo

MIB = 1024 * 1024
MIRROR = "daily/b/"


def _blob(key: str, size: int, etag: str) -> BlobInfo:
    return BlobInfo(MIRROR + key, size, source_metadata(etag, "f" * 64, None))


def test_compare_keeps_copies_and_finds_gone_in_one_pass() -> None:
    objects = [S3Object("a", 1, "e1"), S3Object("b", 2, "e2"), S3Object("d", 4, "e4")]
    blobs = [_blob("a", 1, "e1"), _blob("b", 2, "OLD"), _blob("c", 3, "e3")]
    out = list(compare("b", MIRROR, objects, blobs))
    assert [type(d).__name__ for d in out] == ["Keep", "CopyTask", "Gone", "CopyTask"]
    assert isinstance(out[0], Keep) and out[0].obj.key == "a"
    assert isinstance(out[1], CopyTask) and out[1].previous is not None and out[1].blob == "daily/b/b"
    assert isinstance(out[2], Gone) and out[2].blob == "daily/b/c"
    assert isinstance(out[3], CopyTask) and out[3].previous is None and out[3].blob == "daily/b/d"


def test_compare_refuses_a_listing_out_of_order() -> None:
    objects = [S3Object("b", 1, "e"), S3Object("a", 1, "e")]
    with pytest.raises(OperationFailed, match="out of key order"):
        list(compare("b", MIRROR, objects, []))


def test_skip_rule_follows_the_recorded_check() -> None:
    md5 = hashlib.md5(b"x").hexdigest()
    meta = source_metadata(md5, "", None, md5=md5)
    assert "mcctl_check" not in meta and matches_source(1, meta, 1, md5)  # the MD5 it recorded is its check
    assert not matches_source(1, {**meta, "mcctl_check": "sha256"}, 1, md5)  # said SHA-256, recorded none
    etag_only = source_metadata("abc-2", "", None)  # multipart, no stored checksum: checked by sampling
    assert etag_only["mcctl_check"] == "etag" and matches_source(9, etag_only, 9, "abc-2")
    assert not matches_source(9, {k: v for k, v in etag_only.items() if k != "mcctl_check"}, 9, "abc-2")


def _multipart_etag(data: bytes, part: int) -> str:
    digests = [hashlib.md5(data[i : i + part]).digest() for i in range(0, len(data), part)]
    return f"{hashlib.md5(b''.join(digests)).hexdigest()}-{len(digests)}"


def test_multipart_etag_is_recomputed_without_knowing_the_part_size() -> None:
    data = os.urandom(5 * MIB + 123)
    etag = _multipart_etag(data, 2 * MIB)  # 3 parts
    assert 2 * MIB in part_size_candidates(len(data), 3)
    check = MultipartEtag(etag, len(data))
    for i in range(0, len(data), 700_000):  # chunk boundaries unrelated to the parts
        check.update(data[i : i + 700_000])
    assert check.matches()
    entry = ManifestEntry("s3/b/k", "daily/b/k", len(data), "", etag)
    assert bytes_match(entry, [data]) == (True, len(data))
    corrupt = data[:-1] + bytes([data[-1] ^ 1])
    assert bytes_match(entry, [corrupt])[0] is False


def test_an_md5_entry_is_checked_by_md5() -> None:
    entry = ManifestEntry("s3/b/k", "daily/b/k", 3, "", "x", hashlib.md5(b"abc").hexdigest())
    assert bytes_match(entry, [b"a", b"bc"]) == (True, 3)
    assert bytes_match(entry, [b"abd"])[0] is False


class _Blocks:
    """The calls ManifestWriter and ManifestReader make, kept in memory (staged blocks invisible until committed)."""

    def __init__(self) -> None:
        self.staged: dict[str, bytes] = {}
        self.blobs: dict[str, tuple[bytes, dict[str, str]]] = {}
        self.gets = 0

    def stage_block(self, name: str, block_id: str, data: bytes) -> None:
        self.staged[f"{name}#{block_id}"] = data

    def commit_blocks(self, name: str, block_ids: list[str], metadata: dict[str, str]) -> None:
        self.blobs[name] = (b"".join(self.staged.pop(f"{name}#{b}") for b in block_ids), metadata)

    def upload(self, name: str, data: bytes, metadata: dict[str, str]) -> None:
        self.blobs[name] = (data, metadata)

    def read_range(self, name: str, offset: int, length: int) -> tuple[bytes, int, dict[str, str]]:
        self.gets += 1
        body, meta = self.blobs[name]
        assert 0 <= offset < len(body) and length > 0  # as the service: a range past the end is refused (416)
        return body[offset : offset + length], len(body), meta


def _manifest(count: int, kind: str = "daily") -> tuple[object, list[ManifestEntry]]:
    from datetime import UTC, datetime

    from multicloud_ctl.operations.backup.manifest import BackupManifest, TableRecord

    t0 = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)
    entries = [ManifestEntry(f"s3/b/k{i}-é", f"daily/b/k{i}-é", i, "", f"e{i}", "0" * 32) for i in range(count)]
    tables = [TableRecord("T", "dynamodb", "dynamodb/T.jsonl", 2, "0" * 64, {"name": "T"})]
    return BackupManifest(
        f"{kind}-20261125T023000000Z", kind, "local", t0, t0, entries, tables, ["b"], "stream"
    ), entries


@pytest.mark.parametrize("count", [0, 1, 500])
def test_manifest_writer_commits_json_lines_last_and_the_reader_streams_them(count: int) -> None:
    from typing import Any, cast

    from multicloud_ctl.config.specs.backup import Layout
    from multicloud_ctl.operations.backup.layout import BackupLayout
    from multicloud_ctl.operations.backup.manifest import BackupManifest, ManifestWriter
    from multicloud_ctl.operations.backup.manifest_reader import ManifestReader

    full, entries = _manifest(count)
    assert isinstance(full, BackupManifest)
    header = BackupManifest(full.id, "daily", "local", full.created, full.created, buckets=["b"])
    store = _Blocks()
    writer = ManifestWriter(cast(Any, store), BackupLayout(Layout()), header, block_size=1024)
    for entry in entries:
        writer.add(entry)
    assert not store.blobs  # nothing visible before the commit
    name = writer.commit(full.completed, "stream", full.tables)
    body, meta = store.blobs[name]
    assert body.count(b"\n") == count + 2 and meta["mcctl_format"] == "3"
    assert meta["mcctl_objects"] == str(count) and meta["mcctl_bytes"] == str(sum(range(count)))
    assert len(writer.blocks) > 10 if count == 500 else len(writer.blocks) == 1
    assert header.objects == count and header.tables == full.tables
    for chunk, edge in ((7, 5), (1000, 64), (1 << 22, 1 << 16)):  # ranges cutting lines and UTF-8 anywhere
        reader = ManifestReader(cast(Any, store), BackupLayout(Layout()), full.id, chunk=chunk, edge=edge)
        got = reader.manifest
        assert (got.id, got.kind, got.buckets, got.transfer, got.tables, got.version) == (
            full.id,
            "daily",
            ["b"],
            "stream",
            full.tables,
            3,
        )
        assert (got.objects, got.bytes, got.entries) == (count, sum(range(count)), [])
        assert list(reader.entries()) == entries
    store.gets = 0
    reader = ManifestReader(cast(Any, store), BackupLayout(Layout()), full.id, chunk=4096, edge=1024)
    if count == 500:  # the header and the trailer cost two small GETs, not a pass over the entries
        assert store.gets == 2 and reader.objects == 500
        stream = reader.entries()
        assert next(stream) == entries[0] and store.gets == 2  # the first entries came with the header's range
        assert list(stream) == entries[1:] and store.gets > 3


@pytest.mark.parametrize("version", [1, 2, 3])
@pytest.mark.parametrize("count", [0, 3, 300])
def test_the_reader_streams_every_format_version(version: int, count: int) -> None:
    from typing import Any, cast

    from multicloud_ctl.config.specs.backup import Layout
    from multicloud_ctl.operations.backup.layout import BackupLayout
    from multicloud_ctl.operations.backup.manifest import BackupManifest, write_legacy_manifest, write_manifest
    from multicloud_ctl.operations.backup.manifest_reader import ManifestReader

    full, entries = _manifest(count, "weekly")
    assert isinstance(full, BackupManifest)
    full.version = version
    if version == 1:  # version 1 entries had no md5
        full.entries = entries = [ManifestEntry(e.key, e.blob, e.size, "a" * 64, e.etag) for e in entries]
    store = _Blocks()
    (write_manifest if version == 3 else write_legacy_manifest)(cast(Any, store), BackupLayout(Layout()), full)
    if version == 1:  # written before `version` and `md5` existed
        body, meta = next(iter(store.blobs.values()))
        doc = json.loads(body)
        del doc["version"]
        for e in doc["entries"]:
            del e["md5"]
        store.blobs[next(iter(store.blobs))] = (json.dumps(doc, indent=1).encode(), meta)  # spaces, newlines too
    for chunk, edge in ((3, 2), (64, 64), (1 << 22, 1 << 16)):
        reader = ManifestReader(cast(Any, store), BackupLayout(Layout()), full.id, chunk=chunk, edge=edge)
        got = reader.manifest
        assert (got.buckets, got.tables, got.transfer, got.completed, got.version) == (
            ["b"],
            full.tables,
            "stream",
            full.completed,
            version,
        )
        assert (got.objects, got.bytes) == (count, sum(range(count)))
        assert list(reader.entries()) == entries


def test_a_truncated_manifest_is_refused_not_half_read() -> None:
    from typing import Any, cast

    from multicloud_ctl.config.specs.backup import Layout
    from multicloud_ctl.operations.backup.layout import BackupLayout
    from multicloud_ctl.operations.backup.manifest import BackupManifest, write_legacy_manifest, write_manifest
    from multicloud_ctl.operations.backup.manifest_reader import ManifestReader

    for write in (write_manifest, write_legacy_manifest):
        full, _ = _manifest(50)
        assert isinstance(full, BackupManifest)
        store = _Blocks()
        name = write(cast(Any, store), BackupLayout(Layout()), full)
        body, meta = store.blobs[name]
        store.blobs[name] = (body[: len(body) * 2 // 3], meta)
        with pytest.raises((OperationFailed, ValueError)):
            reader = ManifestReader(cast(Any, store), BackupLayout(Layout()), full.id, chunk=100, edge=100)
            list(reader.entries())
    # a version 3 body that lost a line in the middle no longer matches its trailer's count
    full, _ = _manifest(50)
    assert isinstance(full, BackupManifest)
    store = _Blocks()
    name = write_manifest(cast(Any, store), BackupLayout(Layout()), full)
    body, meta = store.blobs[name]
    lines = body.split(b"\n")
    store.blobs[name] = (b"\n".join(lines[:20] + lines[21:]), meta)
    reader = ManifestReader(cast(Any, store), BackupLayout(Layout()), full.id, chunk=100, edge=100)
    with pytest.raises(OperationFailed, match="49 entries where its trailer counts 50"):
        list(reader.entries())


def test_the_mutation_guard_keeps_exact_counts_and_only_the_newest_calls() -> None:
    from multicloud_ctl.providers.dryrun import RECENT, MutationGuard

    guard = MutationGuard("azure")
    for i in range(RECENT + 500):
        guard.check("PUT", f"http://127.0.0.1/devstoreaccount1/c/daily/b/k{i}")
    assert (guard.total, guard.mutating, guard.blocked) == (RECENT + 500, RECENT + 500, 0)
    assert len(guard.operations) == RECENT  # memory does not grow with the number of requests
    assert guard.operations[-1] == f"PUT /devstoreaccount1/c/daily/b/k{RECENT + 499}"


def test_the_aws_call_counter_keeps_exact_counts_and_only_the_newest_names() -> None:
    from multicloud_ctl.providers.aws.session import RECENT, CallCounter

    counter = CallCounter()
    for i in range(RECENT + 500):
        counter.add("GetObject" if i % 2 else "ListObjectsV2", False, False)
    counter.add("PutObject", True, False)
    counter.add("DeleteObjects", True, True)
    assert (counter.total, counter.mutating, counter.blocked) == (RECENT + 502, 1, 1)
    assert counter.by_operation == {"GetObject": 750, "ListObjectsV2": 750, "PutObject": 1, "DeleteObjects": 1}
    assert len(counter.operations) == RECENT  # a GetObject per backed-up object no longer grows memory
    assert list(counter.operations)[-2:] == ["PutObject", "DeleteObjects"]
