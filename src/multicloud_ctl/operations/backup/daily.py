"""`backup daily`: copy new and changed S3 objects to the mirror in the backup container, then commit.

One streaming pipeline, with memory bounded whatever the bucket size:

    list (pages, by prefix, both sides in parallel: `compare`) -> compare (merge join)
        -> bounded queue -> copy (worker threads, `transfer`) -> manifest (`ManifestWriter`, a block at a time)

An object whose blob recorded the same size and ETag is kept (no request), so a no-change pass costs the
two listings and the manifest, and a rerun after a crash copies only what the crashed run had not finished.
A changed blob's old content is frozen as a blob snapshot before it is overwritten. The manifest's blocks
are staged as entries arrive and committed by one Put Block List at the very end, and only when every copy
succeeded: it is still the commit marker. An object deleted at the source between listing and copy is not
a failure: it is counted as `vanished` and left out of the manifest. Objects deleted at the source stay in
the mirror unless `mirror_deletes` (which also drops their blob snapshots: earlier manifests then report
them missing).

Nothing is listed up front, so the plan only names the buckets; a dry run (`count_daily`) walks the same
listing and comparison and counts, without copying.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import NotFound, ProviderError
from multicloud_ctl.operations.backup.compare import CopyTask, Decision, Gone, Keep, decisions
from multicloud_ctl.operations.backup.layout import META_ETAG, META_MD5, META_SHA256, new_backup_id
from multicloud_ctl.operations.backup.manifest import BackupManifest, ManifestEntry, ManifestWriter
from multicloud_ctl.operations.backup.parallel import for_each, interleave
from multicloud_ctl.operations.backup.ratelimit import RateLimiter
from multicloud_ctl.operations.backup.transfer import Copied, choose_mode, make_transfer
from multicloud_ctl.providers.azure.blobnames import BlobNameRefused, check_writable

if TYPE_CHECKING:
    from multicloud_ctl.operations.backup.store import BackupStore

MIB = 1024 * 1024
WINDOW = 512  # copy tasks interleaved (large among small) per window
KEEP_FIRST = 20  # failures and vanished keys kept for the summary
# kept objects reported to the progress bar together: one event per object was ~0.1 s of CPU per 8,000 objects
# of a no-change pass (event bus, journal sink, progress render), for a bar that redraws a few times a second
KEEP_REPORT = 256


@dataclass(frozen=True)
class DailyOptions:
    transfer: str | None = None  # auto | server | stream; None: the playbook's
    bwlimit: int | None = None  # bytes/s; None: the playbook's
    mirror_deletes: bool = False


@dataclass
class DailyPlan:
    """What planning knows without listing: the id, the transfer mode, the buckets."""

    id: str
    created: datetime
    mode: str
    mirror_deletes: bool
    buckets: list[str]

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": "daily",
            "transfer": self.mode,
            "buckets": list(self.buckets),
            "mirror_deletes": self.mirror_deletes,
        }


def plan_daily(store: BackupStore, options: DailyOptions) -> DailyPlan:
    """The run's id and transfer mode (no listing: the pipeline lists as it copies)."""
    mode = choose_mode(options.transfer or store.spec.transfer, store.runtime.environment)
    now = store.now()
    return DailyPlan(new_backup_id("daily", now), now, mode, options.mirror_deletes, list(store.spec.buckets))


@dataclass
class BucketCounts:
    listed: int = 0
    to_copy: int = 0
    bytes_to_copy: int = 0
    unchanged: int = 0
    deleted_at_source: int = 0

    def add(self, decision: Keep | CopyTask | Gone) -> None:
        if isinstance(decision, Gone):
            self.deleted_at_source += 1
            return
        self.listed += 1
        if isinstance(decision, Keep):
            self.unchanged += 1
        else:
            self.to_copy += 1
            self.bytes_to_copy += decision.obj.size


def count_daily(store: BackupStore, plan: DailyPlan) -> dict[str, Any]:
    """What a daily run would copy, skip and delete: the pipeline's listing and comparison, counted only."""
    counts = {b: BucketCounts() for b in plan.buckets}
    for decision in decisions(store, plan.buckets, workers=store.spec.parallelism):
        counts[decision.bucket].add(decision)
    gone = sum(c.deleted_at_source for c in counts.values())
    return {
        **plan.summary(),
        "to_copy": sum(c.to_copy for c in counts.values()),
        "bytes_to_copy": sum(c.bytes_to_copy for c in counts.values()),
        "unchanged": sum(c.unchanged for c in counts.values()),
        "deleted_at_source": gone,
        "to_delete": gone if plan.mirror_deletes else 0,
        "buckets": {b: dict(c.__dict__) for b, c in counts.items()},
        "sources": dict(store.sources),
    }


@dataclass
class DailyOutcome:
    counts: dict[str, BucketCounts] = field(default_factory=dict)
    copied: int = 0
    bytes_copied: int = 0
    fallbacks: int = 0
    vanished: int = 0
    vanished_keys: list[str] = field(default_factory=list)
    unnamable: int = 0  # objects whose key cannot be a blob name: not copied, reported, the manifest commits
    unnamable_keys: list[dict[str, str]] = field(default_factory=list)
    failed: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)
    deleted: int = 0
    mode: str = ""
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def listed(self) -> int:
        return sum(c.listed for c in self.counts.values())


def _entry(bucket: str, key: str, blob: str, size: int, sha256: str, etag: str, md5: str) -> ManifestEntry:
    return ManifestEntry(f"s3/{bucket}/{key}", blob, size, sha256, etag, md5)


def _windows(tasks: Iterable[CopyTask | Gone], size: int = WINDOW) -> Iterator[CopyTask | Gone]:
    """The tasks, large objects spread among small ones within each window (see `parallel.interleave`)."""
    window: list[CopyTask | Gone] = []
    for task in tasks:
        window.append(task)
        if len(window) >= size:
            yield from interleave(window, _size)
            window = []
    yield from interleave(window, _size)


def _size(task: CopyTask | Gone) -> int:
    return task.obj.size if isinstance(task, CopyTask) else 0


def execute_daily(
    store: BackupStore,
    plan: DailyPlan,
    options: DailyOptions,
    advance: Callable[[int, int], None] | None = None,
    *,
    listing: Callable[..., Iterator[Decision]] = decisions,
) -> tuple[DailyOutcome, BackupManifest | None]:
    """Run the pipeline; commit the manifest when every copy succeeded (else None: a rerun resumes).

    `listing(store, buckets, workers=)` is the pipeline's input (`compare.decisions`: both sides listed and
    compared); tests replay a recorded listing through it.
    """
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
        verify=spec.verify,
    )
    header = BackupManifest(plan.id, "daily", store.runtime.environment.name, plan.created, plan.created)
    header.buckets = list(plan.buckets)
    writer = ManifestWriter(blobs, store.layout, header, block_size=spec.manifest_block_size)
    outcome = DailyOutcome(counts={b: BucketCounts() for b in plan.buckets})

    kept = [0]  # Keep decisions not yet reported to `advance`

    def report_kept() -> None:
        if kept[0] and advance is not None:
            advance(kept[0], 0)
        kept[0] = 0

    def tasks() -> Generator[CopyTask | Gone, None, None]:
        stream = listing(store, plan.buckets, workers=spec.parallelism)
        try:
            for decision in stream:
                outcome.counts[decision.bucket].add(decision)
                if isinstance(decision, Keep):
                    obj, meta = decision.obj, decision.blob.metadata
                    writer.add(
                        _entry(
                            decision.bucket,
                            obj.key,
                            decision.blob.name,
                            obj.size,
                            meta.get(META_SHA256, ""),
                            obj.etag,
                            meta.get(META_MD5, ""),
                        )
                    )
                    kept[0] += 1
                    if kept[0] >= KEEP_REPORT:
                        report_kept()
                elif isinstance(decision, CopyTask) or options.mirror_deletes:
                    report_kept()
                    yield decision
            report_kept()
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()  # stops the listing threads when the copy stage stops first (failure, Ctrl-C)

    def work(task: CopyTask | Gone) -> Copied | None:
        if isinstance(task, Gone):
            blobs.delete(task.blob, with_snapshots=True)
            return None
        check_writable(task.blob, "copy")  # before the source is read: a name Azure refuses is refused now
        obj = task.obj
        if task.refresh:  # from an inventory report (up to a day old): copy what S3 holds now, or count it gone
            obj = store.s3().head(task.bucket, obj.key)
        if task.previous is not None and task.previous.metadata.get(META_ETAG):
            blobs.snapshot(task.blob)  # earlier manifests still resolve to the old bytes
        return transfer.copy(task.bucket, obj, task.blob)

    def done(task: CopyTask | Gone, result: Copied | None, error: BaseException | None) -> None:
        if isinstance(task, Gone):
            if error is not None:
                raise error
            outcome.deleted += 1
            return
        if error is not None:
            if isinstance(error, BlobNameRefused):
                # a rerun cannot copy it either: it is reported (exit 3), and the rest of the run commits
                outcome.unnamable += 1
                if len(outcome.unnamable_keys) < KEEP_FIRST:
                    outcome.unnamable_keys.append(
                        {"bucket": task.bucket, "key": task.obj.key, "error": str(error), "reason": error.reason}
                    )
            elif isinstance(error, NotFound) and error.provider == "aws":
                # deleted at the source after it was listed: nothing to back up, nothing lost
                outcome.vanished += 1
                if len(outcome.vanished_keys) < KEEP_FIRST:
                    outcome.vanished_keys.append(f"{task.bucket}/{task.obj.key}")
            elif isinstance(error, ProviderError):
                outcome.failed += 1
                if len(outcome.failures) < KEEP_FIRST:
                    outcome.failures.append(
                        {
                            "bucket": task.bucket,
                            "key": task.obj.key,
                            "error": str(error),
                            "status": str(error.status or ""),
                        }
                    )
            else:
                raise error
        elif result is not None:
            outcome.copied += 1
            outcome.bytes_copied += result.size
            writer.add(
                _entry(result.bucket, result.key, result.blob, result.size, result.sha256, result.etag, result.md5)
            )
        if advance is not None:
            advance(1, task.obj.size)

    source = tasks()
    try:
        for_each(_windows(source), work, workers=spec.parallelism, on_done=done)
    finally:
        source.close()
    outcome.sources = dict(store.sources)
    outcome.fallbacks = int(getattr(transfer, "fallbacks", 0))
    outcome.mode = transfer.mode
    if outcome.failed:
        return outcome, None
    completed = store.now()
    writer.commit(completed, outcome.mode)
    header.completed = completed
    header.transfer = outcome.mode
    return outcome, header


def outcome_summary(
    plan: DailyPlan, outcome: DailyOutcome, manifest: BackupManifest | None, seconds: float
) -> dict[str, Any]:
    listed = outcome.listed
    counts = outcome.counts.values()
    return {
        "id": plan.id,
        "kind": "daily",
        "status": "ok" if manifest else "incomplete",
        "transfer": outcome.mode,
        "listed": listed,
        "copied": outcome.copied,
        "skipped": sum(c.unchanged for c in counts),
        "failed": outcome.failed,
        "vanished": outcome.vanished,
        "fell_back": outcome.fallbacks,
        "bytes_copied": outcome.bytes_copied,
        "deleted_at_source": sum(c.deleted_at_source for c in counts),
        "deleted": outcome.deleted,
        "seconds": round(seconds, 3),
        "objects_per_s": round(listed / seconds, 1) if seconds > 0 else None,
        "mib_per_s": round(outcome.bytes_copied / MIB / seconds, 2) if seconds > 0 else None,
        "manifest": manifest is not None,
        "sources": outcome.sources,
        "failures": outcome.failures,
        "vanished_keys": outcome.vanished_keys,
        "unnamable": outcome.unnamable,
        "unnamable_keys": outcome.unnamable_keys,
    }
