"""Retention against Azurite: old backups and their data go, the newest verified one always stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from backup_testkit import seed

from multicloud_ctl.config.specs.backup import BackupSpec
from multicloud_ctl.engine.clock import Clock
from multicloud_ctl.engine.runtime import Runtime
from multicloud_ctl.operations.backup import run_daily, run_weekly
from multicloud_ctl.operations.backup.manifest import list_manifests
from multicloud_ctl.operations.backup.run import run_prune
from multicloud_ctl.operations.backup.store import open_store
from multicloud_ctl.operations.backup.verify import verify_backup

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 1, 2, 30, tzinfo=UTC)


def at(env: Any, when: datetime, *, dry_run: bool = False) -> Runtime:
    return Runtime(environment=env, dry_run=dry_run, clock=Clock.frozen(when))


def test_prune_keeps_retention_and_newest_verified_and_collects_data(backup_env: Any, container: str) -> None:
    spec = BackupSpec(buckets=["src-a"], container=container)
    weekly_spec = spec.model_copy(update={"mode": "weekly"})
    seed(at(backup_env, T0), "src-a", {"x": b"day0"})
    ids = []
    for day in range(4):  # four dailies; x changes every day -> three frozen blob versions
        seed(at(backup_env, T0), "src-a", {"x": f"day{day}".encode()})
        ids.append(run_daily(at(backup_env, T0 + timedelta(days=day)), spec)["id"])
    weeklies = [run_weekly(at(backup_env, T0 + timedelta(days=d)), weekly_spec)["id"] for d in (0, 8)]
    store = open_store(at(backup_env, T0 + timedelta(days=9)), spec)
    assert verify_backup(store, ids[0]).ok  # the oldest daily is the only verified one

    dry = run_prune(
        open_store(at(backup_env, T0 + timedelta(days=9), dry_run=True), spec),
        keep_daily=1,
        keep_weekly=1,
        keep_monthly=0,
    )
    assert sorted(dry["remove"]) == sorted([ids[1], ids[2], weeklies[0]])
    assert dry["stale_mirror_versions"] == 2 and dry["mutating_calls"]["azure_sent"] == 0
    assert len(list_manifests(store.blobs, store.layout)) == 6

    done = run_prune(store, keep_daily=1, keep_weekly=1, keep_monthly=0)
    left = {b.id: b for b in list_manifests(store.blobs, store.layout)}
    assert set(left) == {ids[0], ids[3], weeklies[1]}
    assert done["deleted"]["manifests"] == 3 and done["deleted"]["mirror_versions"] == 2
    assert not list(store.blobs.list(store.layout.snapshot_prefix(weeklies[0])))
    assert verify_backup(store, ids[0]).ok and verify_backup(store, ids[3]).ok  # both still restorable
    assert verify_backup(store, weeklies[1]).ok


def test_prune_removes_uncommitted_snapshot_prefixes(backup_env: Any, container: str) -> None:
    spec = BackupSpec(buckets=["src-a"], container=container, mode="weekly")
    seed(at(backup_env, T0), "src-a", {"x": b"1"})
    kept = run_weekly(at(backup_env, T0), spec)["id"]
    store = open_store(at(backup_env, T0), spec)
    store.blobs.upload(store.layout.snapshot_blob("weekly-20261102T000000Z", "s3/src-a/x"), b"half", {})
    result = run_prune(store, keep_daily=7, keep_weekly=4, keep_monthly=6)
    assert result["orphan_snapshots"] == ["weekly-20261102T000000Z"] and result["remove"] == []
    assert not list(store.blobs.list(store.layout.snapshot_prefix("weekly-20261102T000000Z")))
    assert [b.id for b in list_manifests(store.blobs, store.layout)] == [kept]


def test_the_next_weekly_removes_a_killed_weeklys_orphans_once_they_are_a_day_old(
    backup_env: Any, container: str
) -> None:
    """A weekly killed before its manifest leaves blobs; the next weekly (holding the lease) removes the ones
    older than a day after committing its own snapshot, keeps a younger one (a run without the lease may still
    be writing it) and says so in its plan and result."""
    spec = BackupSpec(buckets=["src-a"], container=container, mode="weekly")
    seed(at(backup_env, T0), "src-a", {"x": b"1", "y": b"2"})
    store = open_store(at(backup_env, T0), spec)
    store.blobs.ensure()
    old, young = "weekly-20261025T023000000Z", "weekly-20261031T230000000Z"  # 7 days and 3.5 h before T0
    for bid in (old, young):
        for key in ("x", "y"):
            store.blobs.upload(store.layout.snapshot_blob(bid, f"s3/src-a/{key}"), b"half", {})
    dry = run_weekly(at(backup_env, T0, dry_run=True), spec)
    assert dry["orphan_snapshots"] == [old]
    result = run_weekly(at(backup_env, T0), spec)
    assert result["status"] == "ok"
    assert result["orphans_removed"] == {"orphan_snapshots": [old], "blobs": 2}
    assert not list(store.blobs.list(store.layout.snapshot_prefix(old)))
    assert len(list(store.blobs.list(store.layout.snapshot_prefix(young)))) == 2
    assert [b.id for b in list_manifests(store.blobs, store.layout)] == [result["id"]]
    again = run_weekly(at(backup_env, T0 + timedelta(days=7)), spec)  # now the young one is a week old too
    assert again["orphans_removed"]["orphan_snapshots"] == [young]
