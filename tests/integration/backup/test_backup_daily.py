"""Daily incremental backup against moto + Azurite: copy, skip, change, keep deletions, dry run, verify."""

from __future__ import annotations

import os
from typing import Any

import pytest
from backup_testkit import make_runtime, seed

from multicloud_ctl.operations.backup import run_daily
from multicloud_ctl.operations.backup.daily import DailyOptions
from multicloud_ctl.operations.backup.store import open_store
from multicloud_ctl.operations.backup.verify import verify_backup

pytestmark = pytest.mark.integration


def _objects(n: int, size: int = 100, tag: bytes = b"") -> dict[str, bytes]:
    return {f"k/{i:04d}.bin": os.urandom(size) + tag for i in range(n)}


def test_daily_copies_then_skips_unchanged(runtime: Any, spec: Any) -> None:
    a = _objects(20) | {"big/one.bin": os.urandom(700 * 1024)}  # > block_size: staged in blocks
    seed(runtime, "src-a", a)
    seed(runtime, "src-b", _objects(5))
    first = run_daily(runtime, spec)
    assert (first["copied"], first["skipped"], first["failed"]) == (26, 0, 0)
    second = run_daily(make_runtime(runtime.environment), spec)
    assert (second["copied"], second["skipped"]) == (0, 26)
    store = open_store(runtime, spec)
    blob = store.blobs.read(store.layout.mirror_blob("src-a", "big/one.bin"))
    assert blob == a["big/one.bin"]
    report = verify_backup(store, second["id"])
    assert report.ok and report.checked == 26


def test_changed_object_is_recopied_and_old_manifest_still_verifies(runtime: Any, spec: Any) -> None:
    seed(runtime, "src-a", {"x.txt": b"v1", "y.txt": b"same"})
    seed(runtime, "src-b", {})
    old = run_daily(runtime, spec)
    seed(runtime, "src-a", {"x.txt": b"version two"})
    new = run_daily(make_runtime(runtime.environment), spec)
    assert (new["copied"], new["skipped"]) == (1, 1)
    store = open_store(runtime, spec)
    assert store.blobs.read(store.layout.mirror_blob("src-a", "x.txt")) == b"version two"
    assert verify_backup(store, old["id"]).ok  # resolved to the blob snapshot holding v1
    assert verify_backup(store, new["id"]).ok


def test_source_deletions_stay_unless_mirror_deletes(runtime: Any, spec: Any) -> None:
    seed(runtime, "src-a", {"keep.txt": b"k", "gone.txt": b"g"})
    seed(runtime, "src-b", {})
    run_daily(runtime, spec)
    runtime.aws.client("s3").delete_object(Bucket="src-a", Key="gone.txt")
    store = open_store(runtime, spec)
    name = store.layout.mirror_blob("src-a", "gone.txt")
    kept = run_daily(make_runtime(runtime.environment), spec)
    assert kept["deleted_at_source"] == 1 and kept["deleted"] == 0
    assert store.blobs.read(name) == b"g"
    mirrored = run_daily(make_runtime(runtime.environment), spec, DailyOptions(mirror_deletes=True))
    assert mirrored["deleted"] == 1
    assert name not in {b.name for b in store.blobs.list(store.layout.mirror_prefix("src-a"))}


def test_dry_run_makes_zero_mutating_calls(backup_env: Any, spec: Any) -> None:
    seeder = make_runtime(backup_env)
    seed(seeder, "src-a", _objects(3))
    seed(seeder, "src-b", {})
    dry = make_runtime(backup_env, dry_run=True)
    result = run_daily(dry, spec)
    assert result["dry_run"] is True and result["to_copy"] == 3
    assert result["mutating_calls"] == {"aws_sent": 0, "aws_refused": 0, "azure_sent": 0, "azure_refused": 0}
    assert dry.aws.counter.mutating == 0 and dry.aws.counter.total > 0
    store = open_store(seeder, spec)
    assert not store.blobs.exists()  # not even the container was created


def test_verify_finds_corrupt_and_missing_blobs(runtime: Any, spec: Any) -> None:
    seed(runtime, "src-a", {"a.txt": b"alpha", "b.txt": b"bravo", "c.txt": b"charlie"})
    seed(runtime, "src-b", {})
    run = run_daily(runtime, spec)
    store = open_store(runtime, spec)
    a = store.layout.mirror_blob("src-a", "a.txt")
    store.blobs.upload(a, b"alpXa", store.blobs.properties(a).metadata)  # same metadata, other bytes
    store.blobs.delete(store.layout.mirror_blob("src-a", "b.txt"))
    report = verify_backup(store, run["id"])
    assert report.corrupt == ["s3/src-a/a.txt"] and report.missing == ["s3/src-a/b.txt"]
    listed = {
        r.id: r
        for r in __import__("multicloud_ctl.operations.backup.manifest", fromlist=["x"]).list_manifests(
            store.blobs, store.layout
        )
    }
    assert listed[run["id"]].verify_status == "failed"


def test_restore_an_older_daily_brings_back_the_bytes_it_recorded(runtime: Any, spec: Any) -> None:
    from backup_testkit import bucket_contents

    from multicloud_ctl.operations.backup.run import run_restore

    seed(runtime, "src-a", {"x.txt": b"monday", "y.txt": b"stable"})
    seed(runtime, "src-b", {"z.txt": b"b-side"})
    monday = run_daily(runtime, spec)["id"]
    seed(runtime, "src-a", {"x.txt": b"tuesday", "new.txt": b"added"})
    run_daily(make_runtime(runtime.environment), spec)
    s3 = runtime.aws.client("s3")
    for key in ("x.txt", "y.txt", "new.txt"):
        s3.delete_object(Bucket="src-a", Key=key)
    result = run_restore(open_store(runtime, spec), monday, make_runtime(runtime.environment), buckets=["src-a"])
    assert result["comparison"]["ok"] and result["tables"] == {}
    assert bucket_contents(runtime, "src-a") == {"x.txt": b"monday", "y.txt": b"stable"}


def test_last_backup_age_for_the_health_check(backup_env: Any, spec: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from multicloud_ctl.engine.clock import Clock
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.backup import last_backup_age_seconds

    t0 = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)
    seed(make_runtime(backup_env), "src-a", {"a": b"1"})
    seed(make_runtime(backup_env), "src-b", {})
    assert last_backup_age_seconds(Runtime(backup_env, clock=Clock.frozen(t0)), "daily", spec) is None
    run_daily(Runtime(backup_env, clock=Clock.frozen(t0)), spec)
    later = Runtime(backup_env, clock=Clock.frozen(t0 + timedelta(hours=25)))
    assert last_backup_age_seconds(later, "daily", spec) == 25 * 3600
    assert last_backup_age_seconds(later, "weekly", spec) is None
