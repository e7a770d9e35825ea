"""`backup prune`: keep the newest backup of each of the last N days / weeks / months, remove the rest.

Daily backups are subject to `keep_daily`; weekly snapshots to `keep_weekly` and `keep_monthly` (the
newest snapshot of each ISO week / calendar month, UTC). The newest *verified* backup of each kind is never
removed, whatever the numbers say. Removing a backup deletes its manifest first (so it stops existing as a
backup at once), then its data: a weekly's `snapshots/<id>/` prefix; for dailies, the mirror's blob
snapshots that no remaining daily manifest refers to (the mirror's current blobs always stay). Uncommitted
weekly prefixes (a crashed run: no manifest) are removed too; the backup lock guarantees none is running.

Deletes go out as Blob Batch requests (256 per request, several in flight: `bulkdelete.py`). A manifest whose
delete failed keeps its data (the backup still exists and stays restorable); any delete still failing after
the resends fails the run with one line counting them, and a rerun finds and removes what is left.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import OperationFailed
from multicloud_ctl.operations.backup.bulkdelete import BatchPolicy, DeleteReport, Target, delete_all
from multicloud_ctl.operations.backup.layout import metadata_version_key, version_key
from multicloud_ctl.operations.backup.manifest import ManifestSummary, list_manifests
from multicloud_ctl.operations.backup.manifest_reader import ManifestReader
from multicloud_ctl.operations.sync.spill import SpillFile

if TYPE_CHECKING:
    from multicloud_ctl.operations.backup.store import BackupStore


def _newest_per(
    backups: list[ManifestSummary],
    period: Callable[[datetime], Any],
    n: int,
    reason: str,
    keep: dict[str, list[str]],
) -> None:
    seen: list[Any] = []
    for b in sorted(backups, key=lambda s: s.created, reverse=True):
        p = period(b.created)
        if p in seen:
            continue
        if len(seen) >= n:
            return
        seen.append(p)
        keep.setdefault(b.id, []).append(reason)


def select_keep(
    backups: list[ManifestSummary], *, keep_daily: int, keep_weekly: int, keep_monthly: int
) -> dict[str, list[str]]:
    """id -> reasons to keep it; every backup not in the result is to be removed."""
    keep: dict[str, list[str]] = {}
    dailies = [b for b in backups if b.kind == "daily"]
    weeklies = [b for b in backups if b.kind == "weekly"]
    _newest_per(dailies, lambda t: t.date(), keep_daily, "daily", keep)
    _newest_per(weeklies, lambda t: t.isocalendar()[:2], keep_weekly, "weekly", keep)
    _newest_per(weeklies, lambda t: (t.year, t.month), keep_monthly, "monthly", keep)
    for kind in ("daily", "weekly"):
        verified = [b for b in backups if b.kind == kind and b.verify_status == "ok"]
        if verified:
            keep.setdefault(max(verified, key=lambda s: s.created).id, []).append("newest verified")
    return keep


@dataclass
class PrunePlan:
    keep: dict[str, list[str]]
    remove: list[ManifestSummary]
    orphan_snapshots: list[str] = field(default_factory=list)  # snapshot ids without a manifest
    stale_versions: list[tuple[str, str]] = field(default_factory=list)  # (mirror blob, snapshot id)

    def summary(self) -> dict[str, Any]:
        return {
            "keep": [{"id": i, "reasons": r} for i, r in sorted(self.keep.items())],
            "remove": [b.id for b in self.remove],
            "orphan_snapshots": self.orphan_snapshots,
            "stale_mirror_versions": len(self.stale_versions),
        }


def plan_prune(store: BackupStore, *, keep_daily: int, keep_weekly: int, keep_monthly: int) -> PrunePlan:
    """Decide what goes (read-only calls only)."""
    blobs, layout = store.blobs, store.layout
    backups = list_manifests(blobs, layout)
    keep = select_keep(backups, keep_daily=keep_daily, keep_weekly=keep_weekly, keep_monthly=keep_monthly)
    plan = PrunePlan(keep, [b for b in backups if b.id not in keep])
    committed = {b.id for b in backups}
    root = layout.snapshots_root()
    ids = {b.name[len(root) :].split("/", 1)[0] for b in blobs.list(root, metadata=False)}
    plan.orphan_snapshots = sorted(ids - committed)
    buckets: set[str] = set(store.spec.buckets)
    with SpillFile() as spill:  # the kept dailies' (blob, version) pairs: millions of them, on disk
        for bid in keep:
            if bid.startswith("daily-"):
                reader = ManifestReader(blobs, layout, bid)
                buckets |= set(reader.manifest.buckets)
                for batch in _batches(
                    _version_ref(e.blob, version_key(e.sha256, e.md5, e.etag)) for e in reader.entries()
                ):
                    spill.add_keys("referenced", batch)
        for bucket in sorted(buckets):
            for page, _ in blobs.pages(layout.mirror_prefix(bucket), snapshots=True):
                snapshots = [b for b in page if b.snapshot]
                found = [_version_ref(b.name, metadata_version_key(b.metadata)) for b in snapshots]
                kept = spill.present("referenced", list(found)) if found else set()
                pairs = zip(snapshots, found, strict=True)
                plan.stale_versions += [(b.name, b.snapshot or "") for b, r in pairs if r not in kept]
    return plan


ORPHAN_GRACE = timedelta(hours=24)  # a snapshot younger than this may still be written by a run without the lease


def orphan_snapshot_ids(store: BackupStore, *, before: datetime, keep: set[str]) -> list[str]:
    """Snapshot ids under the snapshots root with no committed manifest, created before `before` (read-only).

    One delimited List Blobs over the snapshots root (the ids, not their blobs) and the manifests' listing. An
    id names its creation time (`layout.new_backup_id`); one that does not parse is left to `backup prune`.
    """
    from multicloud_ctl.operations.backup.layout import parse_backup_id

    blobs, layout = store.blobs, store.layout
    committed = {b.id for b in list_manifests(blobs, layout)}
    root = layout.snapshots_root()
    found: list[str] = []
    for _, prefixes in blobs.pages(root, delimiter="/", metadata=False):
        for prefix in prefixes:
            bid = prefix[len(root) :].rstrip("/")
            try:
                created = parse_backup_id(bid)[1]
            except ValueError:
                continue
            if bid not in committed and bid not in keep and created < before:
                found.append(bid)
    return sorted(found)


def remove_orphan_snapshots(store: BackupStore, ids: list[str]) -> dict[str, Any]:
    """Delete the blobs of uncommitted snapshots (a weekly killed before its manifest) in Blob Batch requests."""
    if not ids:
        return {"orphan_snapshots": [], "blobs": 0}
    result = apply_prune(store, PrunePlan({}, [], orphan_snapshots=list(ids)))
    return {"orphan_snapshots": list(ids), "blobs": result["snapshot_blobs"]}


def _version_ref(blob: str, version: str) -> str:
    return f"{blob}\x00{version}"


def _batches(items: Iterator[str], size: int = 10_000) -> Iterator[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def apply_prune(store: BackupStore, plan: PrunePlan, policy: BatchPolicy | None = None) -> dict[str, Any]:
    """Delete manifests first, then their data, in Blob Batch requests; returns counts and requests sent."""
    blobs, layout = store.blobs, store.layout
    policy = policy or BatchPolicy(workers=min(store.spec.parallelism, 8))
    manifests = {layout.manifest_blob(b.id): b for b in plan.remove}
    first = delete_all(blobs, ((name, None) for name in manifests), policy)
    kept = {manifests[f["blob"]].id for f in first.failed}  # still a backup: its data must stay

    def snapshot_blobs() -> Iterator[Target]:
        gone = [b.id for b in plan.remove if b.kind == "weekly" and b.id not in kept]
        for bid in gone + plan.orphan_snapshots:
            for blob in blobs.list(layout.snapshot_prefix(bid), metadata=False):
                yield blob.name, None

    data = delete_all(blobs, snapshot_blobs(), policy)
    versions = delete_all(blobs, iter(plan.stale_versions), policy)
    report = DeleteReport()
    for part in (first, data, versions):
        report.merge(part)
    result: dict[str, Any] = {
        "manifests": first.removed,
        "snapshot_blobs": data.removed,
        "mirror_versions": versions.removed,
        "batch_requests": report.batches,
        "resent": report.resent,
        "failed": len(report.failed),
    }
    if report.failed:
        worst = report.failed[0]
        raise OperationFailed(
            f"backup prune: {len(report.failed)} blob delete(s) still failing after {policy.attempts} attempts "
            f"(first: {worst['blob']} HTTP {worst['status']} {worst['code']}".rstrip()
            + f"); removed {report.removed}",
            hint="nothing that is kept was touched; run `mcctl backup prune` again to remove the rest",
        )
    return result
