"""`backup daily`: copy new and changed S3 objects to the mirror in the backup container, then commit.

Plan (read-only): list each bucket and its mirror prefix side by side; an object whose blob recorded the
same size and ETag is skipped, so a no-change pass costs two listings and nothing else, and a rerun after
a crash copies only what the crashed run had not finished. Apply: copy on a thread pool (see `transfer`),
freezing a changed blob's old content as a blob snapshot first, then write the manifest (the commit
marker). Objects deleted at the source stay in the mirror unless `mirror_deletes` (which also drops their
blob snapshots: earlier manifests then report them missing).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import ProviderError
from multicloud_ctl.operations.backup.layout import META_ETAG, META_SHA256, matches_source, new_backup_id
from multicloud_ctl.operations.backup.manifest import BackupManifest, ManifestEntry, write_manifest
from multicloud_ctl.operations.backup.parallel import for_each, interleave
from multicloud_ctl.operations.backup.ratelimit import RateLimiter
from multicloud_ctl.operations.backup.transfer import Copied, choose_mode, make_transfer

if TYPE_CHECKING:
    from multicloud_ctl.operations.backup.store import BackupStore
    from multicloud_ctl.providers.aws.s3 import S3Object
    from multicloud_ctl.providers.azure.blob import BlobInfo

MIB = 1024 * 1024


@dataclass(frozen=True)
class DailyOptions:
    transfer: str | None = None  # auto | server | stream; None: the playbook's
    bwlimit: int | None = None  # bytes/s; None: the playbook's
    mirror_deletes: bool = False


@dataclass(frozen=True)
class CopyTask:
    bucket: str
    obj: S3Object
    blob: str
    previous: BlobInfo | None  # the current blob when the object changed


@dataclass
class BucketPlan:
    bucket: str
    listed: int = 0
    copy: list[CopyTask] = field(default_factory=list)
    keep: list[ManifestEntry] = field(default_factory=list)
    gone_at_source: list[str] = field(default_factory=list)

    @property
    def copy_bytes(self) -> int:
        return sum(t.obj.size for t in self.copy)


@dataclass
class DailyPlan:
    id: str
    created: datetime
    mode: str
    mirror_deletes: bool
    buckets: list[BucketPlan]

    def tasks(self) -> list[CopyTask]:
        return [t for b in self.buckets for t in b.copy]

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": "daily",
            "transfer": self.mode,
            "to_copy": sum(len(b.copy) for b in self.buckets),
            "bytes_to_copy": sum(b.copy_bytes for b in self.buckets),
            "unchanged": sum(len(b.keep) for b in self.buckets),
            "deleted_at_source": sum(len(b.gone_at_source) for b in self.buckets),
            "to_delete": sum(len(b.gone_at_source) for b in self.buckets) if self.mirror_deletes else 0,
            "buckets": {
                b.bucket: {
                    "listed": b.listed,
                    "to_copy": len(b.copy),
                    "bytes_to_copy": b.copy_bytes,
                    "unchanged": len(b.keep),
                    "deleted_at_source": len(b.gone_at_source),
                }
                for b in self.buckets
            },
        }


def _plan_bucket(store: BackupStore, bucket: str, pool: ThreadPoolExecutor) -> BucketPlan:
    layout = store.layout
    prefix = layout.mirror_prefix(bucket)
    existing_f = pool.submit(lambda: {b.name: b for b in store.blobs.list(prefix)})
    objects = store.s3().list_all(bucket, workers=store.spec.parallelism)
    existing = existing_f.result()
    plan = BucketPlan(bucket, listed=len(objects))
    for obj in objects:
        name = layout.mirror_blob(bucket, obj.key)
        current = existing.pop(name, None)
        if current is not None and matches_source(current.metadata, obj.size, obj.etag):
            plan.keep.append(
                ManifestEntry(f"s3/{bucket}/{obj.key}", name, obj.size, current.metadata[META_SHA256], obj.etag)
            )
        else:
            plan.copy.append(CopyTask(bucket, obj, name, current))
    plan.gone_at_source = sorted(existing)
    return plan


def plan_daily(store: BackupStore, options: DailyOptions) -> DailyPlan:
    """What a daily run would copy, skip and delete (read-only calls only)."""
    mode = choose_mode(options.transfer or store.spec.transfer, store.runtime.environment)
    buckets = store.spec.buckets
    with ThreadPoolExecutor(max_workers=max(2, 2 * len(buckets))) as pool:
        plans = [pool.submit(_plan_bucket, store, b, pool) for b in buckets]
        results = [p.result() for p in plans]
    now = store.now()
    return DailyPlan(new_backup_id("daily", now), now, mode, options.mirror_deletes, results)


@dataclass
class DailyOutcome:
    copied: list[Copied] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)
    deleted: int = 0


def execute_daily(
    store: BackupStore, plan: DailyPlan, options: DailyOptions, advance: Any = None
) -> tuple[DailyOutcome, BackupManifest | None, str]:
    """Copy, delete (mirror), then commit the manifest when every copy succeeded."""
    spec, blobs = store.spec, store.blobs
    blobs.ensure()
    limiter = RateLimiter(float(options.bwlimit or spec.bwlimit or 0) or None)
    transfer = make_transfer(
        plan.mode,
        store.s3(),
        blobs,
        block_size=spec.block_size,
        limiter=limiter,
        presign_seconds=spec.presign_seconds,
    )
    outcome = DailyOutcome()

    def copy(task: CopyTask) -> Copied:
        if task.previous is not None and task.previous.metadata.get(META_ETAG):
            blobs.snapshot(task.blob)  # earlier manifests still resolve to the old bytes
        return transfer.copy(task.bucket, task.obj, task.blob)

    def done(task: CopyTask, result: Copied | None, error: BaseException | None) -> None:
        if error is not None:
            if not isinstance(error, ProviderError):
                raise error
            outcome.failures.append(
                {"bucket": task.bucket, "key": task.obj.key, "error": str(error), "status": str(error.status or "")}
            )
        elif result is not None:
            outcome.copied.append(result)
        if advance is not None:
            advance(1, task.obj.size)

    for_each(interleave(plan.tasks(), lambda t: t.obj.size), copy, workers=spec.parallelism, on_done=done)
    if options.mirror_deletes:
        for bucket in plan.buckets:
            for name in bucket.gone_at_source:
                blobs.delete(name, with_snapshots=True)
                outcome.deleted += 1
    if outcome.failures:
        return outcome, None, getattr(transfer, "mode", plan.mode)
    entries = [e for b in plan.buckets for e in b.keep]
    entries += [ManifestEntry(f"s3/{c.bucket}/{c.key}", c.blob, c.size, c.sha256, c.etag) for c in outcome.copied]
    manifest = BackupManifest(
        plan.id,
        "daily",
        store.runtime.environment.name,
        plan.created,
        store.now(),
        sorted(entries, key=lambda e: e.key),
        [],
        list(spec.buckets),
        getattr(transfer, "mode", plan.mode),
    )
    write_manifest(blobs, store.layout, manifest)
    return outcome, manifest, manifest.transfer


def outcome_summary(
    plan: DailyPlan, outcome: DailyOutcome, manifest: BackupManifest | None, mode: str, seconds: float
) -> dict[str, Any]:
    copied_bytes = sum(c.size for c in outcome.copied)
    listed = sum(b.listed for b in plan.buckets)
    return {
        "id": plan.id,
        "kind": "daily",
        "status": "ok" if manifest else "incomplete",
        "transfer": mode,
        "listed": listed,
        "copied": len(outcome.copied),
        "skipped": sum(len(b.keep) for b in plan.buckets),
        "failed": len(outcome.failures),
        "bytes_copied": copied_bytes,
        "deleted_at_source": sum(len(b.gone_at_source) for b in plan.buckets),
        "deleted": outcome.deleted,
        "seconds": round(seconds, 3),
        "objects_per_s": round(listed / seconds, 1) if seconds > 0 else None,
        "mib_per_s": round(copied_bytes / MIB / seconds, 2) if seconds > 0 else None,
        "manifest": manifest is not None,
        "failures": outcome.failures[:20],
    }
