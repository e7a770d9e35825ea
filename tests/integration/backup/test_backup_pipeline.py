"""The streaming daily pipeline on moto + Azurite: prefix fan-out, deleted directories, manifest in blocks."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from backup_testkit import make_runtime, seed

from multicloud_ctl.operations.backup import run_daily
from multicloud_ctl.operations.backup.daily import DailyOptions
from multicloud_ctl.operations.backup.manifest import list_manifests, read_manifest, write_legacy_manifest
from multicloud_ctl.operations.backup.manifest_reader import ManifestReader
from multicloud_ctl.operations.backup.store import open_store
from multicloud_ctl.operations.backup.verify import verify_backup

pytestmark = pytest.mark.integration


def _listings(runtime: Any, mark: int) -> int:
    return int(runtime.aws.counter.by_operation["ListObjectsV2"]) - mark


def test_prefixes_are_listed_apart_and_a_directory_deleted_at_the_source_is_found(runtime: Any, spec: Any) -> None:
    seed(runtime, "src-a", {"r1": b"1", "r2": b"2", "a/1": b"a1", "a/2": b"a2", "b/x/1": b"bx", "c/1": b"c"})
    seed(runtime, "src-b", {})
    first = run_daily(runtime, spec)
    assert (first["copied"], first["listed"]) == (6, 6)
    s3 = runtime.aws.client("s3")
    s3.delete_object(Bucket="src-a", Key="c/1")  # the whole "directory" c/ is gone at the source
    seed(runtime, "src-a", {"a/1": b"a1, changed", "d/1": b"new"})

    again = make_runtime(runtime.environment)
    summary = run_daily(again, spec, DailyOptions(mirror_deletes=True))
    assert (summary["copied"], summary["skipped"]) == (2, 4)
    assert (summary["deleted_at_source"], summary["deleted"]) == (1, 1)
    # src-a: one delimited probe, then a/, b/, c/ (only the mirror has it) and d/ each listed on their own;
    # src-b: the probe alone
    assert _listings(again, 0) == 1 + 4 + 1
    store = open_store(runtime, spec)
    names = {b.name for b in store.blobs.list(store.layout.mirror_prefix("src-a"))}
    assert names == {f"daily/src-a/{k}" for k in ("r1", "r2", "a/1", "a/2", "b/x/1", "d/1")}
    assert store.blobs.read("daily/src-a/a/1") == b"a1, changed"
    report = verify_backup(store, summary["id"])
    assert report.ok and report.checked == 6


def test_a_wide_first_level_is_listed_flat(runtime: Any, spec: Any) -> None:
    seed(runtime, "src-a", {f"p{i:03d}/k": b"x" for i in range(70)})  # more than MAX_SPLIT prefixes
    seed(runtime, "src-b", {})
    mark = runtime.aws.counter.by_operation["ListObjectsV2"]
    summary = run_daily(runtime, spec)
    assert summary["copied"] == 70
    assert _listings(runtime, mark) == 2 + 1  # src-a: the probe, then one flat page; src-b: the probe


def test_a_single_first_level_prefix_is_listed_flat_without_the_mirrors_delimited_listing(
    runtime: Any, spec: Any
) -> None:
    """Nothing to list side by side: the probe, then the bucket flat; a mirror-only prefix is still found."""
    seed(runtime, "src-a", {"only/1": b"1", "only/2": b"2", "root": b"r", "gone/1": b"g"})
    seed(runtime, "src-b", {})
    run_daily(runtime, spec)
    runtime.aws.client("s3").delete_object(Bucket="src-a", Key="gone/1")
    again = make_runtime(runtime.environment)
    summary = run_daily(again, spec, DailyOptions(mirror_deletes=True))
    assert (summary["skipped"], summary["deleted_at_source"], summary["deleted"]) == (3, 1, 1)
    assert _listings(again, 0) == 2 + 1  # src-a: the probe, then one flat page; src-b: the probe
    store = open_store(runtime, spec)
    names = {b.name for b in store.blobs.list(store.layout.mirror_prefix("src-a"))}
    assert names == {"daily/src-a/only/1", "daily/src-a/only/2", "daily/src-a/root"}


def test_the_manifest_is_staged_in_blocks_and_committed_last(runtime: Any, spec: Any) -> None:
    objects = {f"k/{i:03d}": os.urandom(64) for i in range(60)}
    seed(runtime, "src-a", objects)
    seed(runtime, "src-b", {"only": b"b"})
    small = spec.model_copy(update={"manifest_block_size": 1024})
    summary = run_daily(runtime, small)
    store = open_store(runtime, small)
    name = store.layout.manifest_blob(summary["id"])
    committed, uncommitted = store.blobs.blob(name).get_block_list("all")
    assert len(committed) > 10 and not uncommitted  # ~250 bytes an entry: a block every few entries
    manifest = read_manifest(store.blobs, store.layout, summary["id"])
    assert manifest.objects == 61 and manifest.transfer == "stream" and manifest.version == 3
    assert sorted(e.key for e in manifest.entries) == sorted([f"s3/src-a/{k}" for k in objects] + ["s3/src-b/only"])
    listed = list_manifests(store.blobs, store.layout)
    assert [(m.id, m.objects, m.bytes) for m in listed] == [(summary["id"], 61, 60 * 64 + 1)]
    lines = store.blobs.read(name).splitlines()  # JSON Lines, whatever the block boundaries
    assert len(lines) == 63 and json.loads(lines[0])["version"] == 3 and json.loads(lines[-1])["objects"] == 61
    # ranged GETs on the real service: ranges cutting lines anywhere, the header and trailer from the edges
    reader = ManifestReader(store.blobs, store.layout, summary["id"], chunk=777, edge=300)
    assert reader.objects == 61 and list(reader.entries()) == manifest.entries
    assert verify_backup(store, summary["id"]).ok


def test_a_version_2_manifest_is_still_read_and_verified(runtime: Any, spec: Any) -> None:
    """A manifest an earlier release wrote (one JSON document) is read by the same streaming reader."""
    seed(runtime, "src-a", {f"k/{i}": os.urandom(32) for i in range(30)})
    seed(runtime, "src-b", {})
    summary = run_daily(runtime, spec)
    store = open_store(runtime, spec)
    manifest = read_manifest(store.blobs, store.layout, summary["id"])
    manifest.version = 2
    write_legacy_manifest(store.blobs, store.layout, manifest)
    assert store.blobs.read(store.layout.manifest_blob(manifest.id)).startswith(b'{"id":')
    reader = ManifestReader(store.blobs, store.layout, manifest.id, chunk=500, edge=100)
    assert (reader.version, reader.objects) == (2, 30) and list(reader.entries()) == manifest.entries
    report = verify_backup(store, manifest.id)
    assert report.ok and report.checked == 30
    # and a corrupt object is still found through it (the check can fail)
    victim = manifest.entries[7]
    store.blobs.upload(victim.blob, b"not the bytes", dict(store.blobs.properties(victim.blob).metadata))
    report = verify_backup(store, manifest.id, record=False)
    assert (report.ok, report.corrupt, report.corrupt_count) == (False, [victim.key], 1)


def test_dry_run_counts_through_the_same_pipeline(backup_env: Any, spec: Any) -> None:
    seeder = make_runtime(backup_env)
    seed(seeder, "src-a", {"a/1": b"1", "a/2": b"2", "b": b"3"})
    seed(seeder, "src-b", {})
    run_daily(seeder, spec)
    seed(seeder, "src-a", {"a/2": b"two", "c/1": b"new"})
    result = run_daily(make_runtime(backup_env, dry_run=True), spec)
    assert (result["to_copy"], result["unchanged"], result["bytes_to_copy"]) == (2, 2, 6)
    assert result["buckets"]["src-a"]["listed"] == 4
    assert result["mutating_calls"]["azure_sent"] == 0 and result["mutating_calls"]["aws_sent"] == 0


def test_closing_the_listing_early_stops_its_threads(runtime: Any, spec: Any) -> None:
    import threading

    from multicloud_ctl.operations.backup.compare import decisions

    seed(runtime, "src-a", {f"p{i % 4}/k{i:04d}": b"x" for i in range(120)})
    seed(runtime, "src-b", {})
    stream = decisions(open_store(runtime, spec), ["src-a", "src-b"], workers=4, queue_size=8)
    first = [next(stream) for _ in range(10)]
    assert len(first) == 10
    assert [t for t in threading.enumerate() if t.name.startswith("mcctl-list-")]  # blocked on the full queue
    stream.close()  # the copy stage failed or was interrupted
    assert not [t for t in threading.enumerate() if t.name.startswith("mcctl-list-")]
