"""`backup restore`: put a backup's objects and tables back (same or another environment), then compare.

S3 objects are written back byte for byte; DynamoDB items are put in parallel batches with bounded resends
of unprocessed items (the table is created from the recorded key schema when missing), from either snapshot
format (a scan's JSON lines or a point-in-time export's files); SQL tables get the snapshot's rows in
batches with a resumable position (`sqltables.py`). Afterwards every restored object is read back and
hashed, and every restored table is counted and digested, against the manifest.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import UsageError
from multicloud_ctl.operations.backup.checksum import bytes_match
from multicloud_ctl.operations.backup.dynamo import restore_table, table_digest
from multicloud_ctl.operations.backup.locate import blob_versions
from multicloud_ctl.operations.backup.parallel import for_each, interleave_windows
from multicloud_ctl.operations.backup.sqltables import restore_sql_table, sql_engine, sql_table_digest

if TYPE_CHECKING:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.backup.manifest import BackupManifest, ManifestEntry, TableRecord
    from multicloud_ctl.operations.backup.manifest_reader import ManifestReader
    from multicloud_ctl.operations.backup.store import BackupStore

KEEP = 1000  # keys named per kind of problem in the report (all of them are counted)


@dataclass
class BucketTotals:
    objects: int = 0
    bytes: int = 0


@dataclass
class RestorePlan:
    """What to restore: the buckets (counted in one pass over the manifest) and tables; entries are streamed."""

    manifest: BackupManifest
    target_env: str
    reader: ManifestReader | None = None
    objects: dict[str, BucketTotals] = field(default_factory=dict)
    tables: list[TableRecord] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.manifest.id,
            "kind": self.manifest.kind,
            "target_env": self.target_env,
            "buckets": {b: {"objects": t.objects, "bytes": t.bytes} for b, t in self.objects.items()},
            "tables": {f"{t.source}:{t.name}": t.items for t in self.tables},
        }

    def entries(self) -> Iterator[ManifestEntry]:
        """The manifest's S3 entries in the chosen buckets, streamed from the manifest blob."""
        if self.reader is None or not self.objects:
            return
        for entry in self.reader.entries():
            if entry.key.startswith("s3/") and _bucket_of(entry)[0] in self.objects:
                yield entry


def _bucket_of(entry: ManifestEntry) -> tuple[str, str]:
    _, bucket, key = entry.key.split("/", 2)
    return bucket, key


def plan_restore(
    reader: ManifestReader, target_env: str, *, buckets: list[str] | None, tables: list[str] | None
) -> RestorePlan:
    """Choose what to restore; unknown bucket or table names are usage errors naming what exists."""
    manifest = reader.manifest
    plan = RestorePlan(manifest, target_env, reader)
    for entry in reader.entries():
        if entry.key.startswith("s3/"):
            totals = plan.objects.setdefault(_bucket_of(entry)[0], BucketTotals())
            totals.objects += 1
            totals.bytes += entry.size
    known_buckets, known_tables = set(plan.objects) | set(manifest.buckets), {t.name for t in manifest.tables}
    if buckets is not None:
        unknown = sorted(set(buckets) - known_buckets)
        if unknown:
            raise UsageError(
                f"backup {manifest.id} has no bucket(s) {', '.join(unknown)}",
                hint=f"it holds: {', '.join(sorted(known_buckets)) or 'none'}",
            )
        plan.objects = {b: t for b, t in plan.objects.items() if b in buckets}
    if tables is not None:
        unknown = sorted(set(tables) - known_tables)
        if unknown:
            raise UsageError(
                f"backup {manifest.id} has no table(s) {', '.join(unknown)}",
                hint=f"it holds: {', '.join(sorted(known_tables)) or 'none'}",
            )
    plan.tables = [t for t in manifest.tables if tables is None or t.name in tables]
    if buckets is not None and tables is None:
        plan.tables = []
    if tables is not None and buckets is None:
        plan.objects = {}
    return plan


def _raise_errors(_: Any, __: Any, error: BaseException | None) -> None:
    if error is not None:
        raise error


def execute_restore(store: BackupStore, plan: RestorePlan, target: Runtime) -> dict[str, Any]:
    """Write everything in the plan into `target`, then compare; returns the comparison report."""
    from multicloud_ctl.providers.aws.dynamodb import DynamoDbClient
    from multicloud_ctl.providers.aws.s3 import S3Client

    blobs, manifest = store.blobs, plan.manifest
    s3 = S3Client(target.aws.client("s3"), target.aws.counter, target.environment.network)
    region = target.environment.aws.regions.primary
    missing: list[str] = []
    missing_count = 0

    if plan.objects:
        for bucket in plan.objects:
            s3.ensure_bucket(bucket, region)
        with blob_versions(store, manifest) as versions:

            def put(entry: ManifestEntry) -> bool:
                found, snapshot = versions.locate(entry)
                if not found:
                    return False
                bucket, key = _bucket_of(entry)
                s3.put(bucket, key, blobs.read(entry.blob, snapshot))
                return True

            def done(entry: ManifestEntry, put_it: bool | None, error: BaseException | None) -> None:
                nonlocal missing_count
                _raise_errors(entry, put_it, error)
                if not put_it:
                    missing_count += 1
                    if len(missing) < KEEP:
                        missing.append(entry.key)

            entries = interleave_windows(plan.entries(), lambda e: e.size)
            for_each(entries, put, workers=store.spec.parallelism, on_done=done)
    ddb = DynamoDbClient(target.aws.client("dynamodb"))
    engine = sql_engine(target) if any(t.source == "sql" for t in plan.tables) else None
    restored: dict[str, int] = {}
    try:
        for record in plan.tables:
            blob = store.layout.snapshot_blob(manifest.id, record.key)
            if record.source == "dynamodb":
                restored[f"dynamodb:{record.name}"] = restore_table(
                    ddb, blobs, record, blob, target.environment.resource_tags(), workers=store.spec.parallelism
                )
            else:
                assert engine is not None
                restored[f"sql:{record.name}"] = restore_sql_table(engine, blobs, record, blob, backup_id=manifest.id)
        report = compare(store, plan, target, engine)
    finally:
        if engine is not None:
            engine.dispose()
    report["restored"] = restored
    report["missing_in_backup"] = sorted(missing)
    report["missing_in_backup_count"] = missing_count
    report["ok"] = report["ok"] and not missing_count
    return report


def compare(store: BackupStore, plan: RestorePlan, target: Runtime, engine: Any) -> dict[str, Any]:
    """Read back every restored object and table and compare counts and hashes with the manifest."""
    from multicloud_ctl.providers.aws.dynamodb import DynamoDbClient
    from multicloud_ctl.providers.aws.s3 import S3Client

    s3 = S3Client(target.aws.client("s3"), target.aws.counter, target.environment.network)
    mismatched: list[str] = []
    mismatched_count = 0

    def check(entry: ManifestEntry) -> bool:
        bucket, key = _bucket_of(entry)
        return bytes_match(entry, [s3.read(bucket, key)])[0]

    def done(entry: ManifestEntry, same: bool | None, error: BaseException | None) -> None:
        nonlocal mismatched_count
        if error is not None or not same:
            mismatched_count += 1
            if len(mismatched) < KEEP:
                mismatched.append(entry.key)

    for_each(plan.entries(), check, workers=store.spec.parallelism, on_done=done)
    buckets = {
        bucket: {"expected": totals.objects, "live": sum(1 for _ in s3.list(bucket))}
        for bucket, totals in plan.objects.items()
    }
    tables: dict[str, dict[str, Any]] = {}
    ddb = DynamoDbClient(target.aws.client("dynamodb"))
    for record in plan.tables:
        digest = (
            table_digest(ddb, record.name, store.spec.scan_segments)
            if record.source == "dynamodb"
            else sql_table_digest(engine, record.name)
        )
        tables[f"{record.source}:{record.name}"] = {
            "expected": record.items,
            "live": digest.count,
            "digest_match": digest.hexdigest == record.digest,
        }
    ok = not mismatched_count and all(t["digest_match"] for t in tables.values())
    return {
        "ok": ok,
        "buckets": buckets,
        "mismatched": sorted(mismatched),
        "mismatched_count": mismatched_count,
        "tables": tables,
    }
