"""`backup weekly`: one full snapshot under one id: S3 objects, DynamoDB tables, SQL tables, the config.

Every part is written under `snapshots/<id>/`; the manifest (every object's key, size and SHA-256, and
each table's item count and digest) is staged as the parts are written and committed last, as the commit
marker. Buckets are listed page by page into the copy workers, as in the daily pipeline: memory stays flat
whatever their size (the plan counts them in a first listing pass). A crashed weekly leaves an
uncommitted prefix that nothing reads and `backup prune` removes.

DynamoDB tables go by ExportTableToPointInTime where the playbook names `export_bucket` and the table has
point-in-time recovery on (server-side, no table capacity), by parallel Scan otherwise; the plan shows and
the manifest records which (`dynamo.py`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import ProviderError
from multicloud_ctl.operations.backup.dynamo import ExportTarget, dump_table, export_table, snapshot_method
from multicloud_ctl.operations.backup.manifest import BackupManifest, ManifestEntry, ManifestWriter, TableRecord
from multicloud_ctl.operations.backup.names import blob_name
from multicloud_ctl.operations.backup.parallel import for_each, interleave_windows
from multicloud_ctl.operations.backup.ratelimit import RateLimiter
from multicloud_ctl.operations.backup.sqltables import dump_sql_table, reflect, sql_engine
from multicloud_ctl.operations.backup.transfer import Copied, choose_mode, make_transfer
from multicloud_ctl.providers.azure.blobnames import check_writable

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

    from multicloud_ctl.operations.backup.store import BackupStore
    from multicloud_ctl.providers.aws.s3 import S3Object


@dataclass
class WeeklyPlan:
    id: str
    created: datetime
    mode: str
    objects: dict[str, tuple[int, int]] = field(default_factory=dict)  # bucket -> (objects, bytes) when planned
    tables: dict[str, int] = field(default_factory=dict)
    table_methods: dict[str, tuple[str, str]] = field(default_factory=dict)  # table -> (export|scan, why scan)
    sql_tables: list[str] = field(default_factory=list)

    @property
    def object_count(self) -> int:
        return sum(n for n, _ in self.objects.values())

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": "weekly",
            "transfer": self.mode,
            "objects": self.object_count,
            "bytes": sum(b for _, b in self.objects.values()),
            "tables": self.tables,
            "dynamodb_snapshot": {t: f"{m} ({why})" if why else m for t, (m, why) in self.table_methods.items()},
            "sql_tables": self.sql_tables,
        }


def plan_weekly(store: BackupStore, transfer: str | None = None) -> WeeklyPlan:
    """Count what the snapshot will hold (read-only, listing pages); fails early on a missing bucket or table.

    The buckets are counted, not kept: the copy lists them again as it goes (`execute_weekly`), so memory
    stays flat whatever their size, for one more ListObjectsV2 per 1,000 objects.
    """
    from multicloud_ctl.operations.backup.layout import new_backup_id
    from multicloud_ctl.providers.aws.dynamodb import DynamoDbClient

    now = store.now()
    plan = WeeklyPlan(
        new_backup_id("weekly", now),
        now,
        choose_mode(transfer or store.spec.transfer, store.runtime.environment),
    )
    s3 = store.s3()
    for bucket in store.spec.buckets:
        count = size = 0
        for page, _, _ in s3.pages(bucket):
            count += len(page)
            size += sum(o.size for o in page)
        plan.objects[bucket] = (count, size)
    ddb = DynamoDbClient(store.runtime.aws.client("dynamodb"))
    for table in store.spec.tables:
        plan.tables[table] = ddb.describe(table).item_count
        plan.table_methods[table] = snapshot_method(ddb, table, store.spec.export_bucket)
    if store.spec.sql_tables:
        engine = sql_engine(store.runtime)
        for name in store.spec.sql_tables:
            reflect(engine, name)
        plan.sql_tables = list(store.spec.sql_tables)
    return plan


URL_PASSWORD = re.compile(r"(://[^/:@\s\"]+:)[^@/\s\"]+@")  # a password inlined in a URL


def effective_config(store: BackupStore) -> bytes:
    """The environment and the playbook spec as JSON, secrets redacted (references stay references)."""
    runtime = store.runtime
    data = {
        "environment": runtime.environment.model_dump(mode="json"),
        "playbook": store.spec.model_dump(mode="json"),
    }
    text = json.dumps(runtime.secrets.redactor.data(data), indent=2, sort_keys=True)
    return URL_PASSWORD.sub(r"\1***@", text).encode()


@dataclass
class WeeklyFailures:
    """Objects that failed to copy: all counted, the first `KEEP` described."""

    count: int = 0
    first: list[dict[str, str]] = field(default_factory=list)

    def add(self, failure: dict[str, str]) -> None:
        self.count += 1
        if len(self.first) < KEEP:
            self.first.append(failure)


KEEP = 20


def execute_weekly(
    store: BackupStore, plan: WeeklyPlan, *, bwlimit: int | None = None, advance: Any = None
) -> tuple[BackupManifest | None, WeeklyFailures]:
    """Write every part of the snapshot, then commit the manifest; (None, failures) when an object failed.

    The buckets are listed page by page into the copy workers (bounded: `for_each` keeps 2 x parallelism in
    flight), and each copied object's entry goes straight into the manifest's staged blocks (`ManifestWriter`),
    as in the daily pipeline; the tables and the config follow; the Put Block List commits it all last.
    """
    from multicloud_ctl.providers.aws.dynamodb import DynamoDbClient

    spec, blobs, layout = store.spec, store.blobs, store.layout
    blobs.ensure()
    s3 = store.s3()
    transfer = make_transfer(
        plan.mode,
        s3,
        blobs,
        block_size=spec.block_size,
        limiter=RateLimiter(float(bwlimit or spec.bwlimit or 0) or None),
        presign_seconds=spec.presign_seconds,
        verify=spec.verify,
    )
    header = BackupManifest(
        plan.id, "weekly", store.runtime.environment.name, plan.created, plan.created, buckets=list(spec.buckets)
    )
    writer = ManifestWriter(blobs, layout, header, block_size=spec.manifest_block_size)
    failures = WeeklyFailures()

    def listed() -> Iterator[tuple[str, S3Object]]:
        for bucket in spec.buckets:
            for page, _, _ in s3.pages(bucket):
                yield from ((bucket, o) for o in page)

    def copy(task: tuple[str, S3Object]) -> Copied:
        bucket, obj = task
        # the key as a blob name (`names`): a backslash, a control character or a segment's final dot would be
        # changed or refused by the Blob service; the manifest keeps the key and the blob it went to
        name = layout.snapshot_blob(plan.id, f"s3/{bucket}/{blob_name(obj.key)}")
        check_writable(name, "copy")  # before the source is read
        return transfer.copy(bucket, obj, name)

    def done(task: tuple[str, S3Object], result: Copied | None, error: BaseException | None) -> None:
        if error is not None:
            if not isinstance(error, ProviderError):
                raise error
            failures.add(
                {"bucket": task[0], "key": task[1].key, "error": str(error), "status": str(error.status or "")}
            )
        elif result is not None:
            writer.add(
                ManifestEntry(
                    f"s3/{result.bucket}/{result.key}", result.blob, result.size, result.sha256, result.etag, result.md5
                )
            )
        if advance is not None:
            advance(1, task[1].size)

    for_each(interleave_windows(listed(), lambda o: o[1].size), copy, workers=spec.parallelism, on_done=done)
    if failures.count:
        return None, failures
    tables: list[TableRecord] = []
    ddb = DynamoDbClient(store.runtime.aws.client("dynamodb"))
    for table in plan.tables:
        method, why = plan.table_methods.get(table, ("scan", ""))
        if method == "export":
            assert spec.export_bucket is not None
            key = f"dynamodb/{table}/export/"
            target = ExportTarget(
                spec.export_bucket,
                f"mcctl-exports/{plan.id}/{table}",
                key,
                layout.snapshot_blob(plan.id, key),
                f"{plan.id}-{table}",
                spec.export_timeout,
                store.now(),
            )
            record, files = export_table(ddb, s3, transfer, blobs, table, target)
            tables.append(record)
            for entry in files:
                writer.add(entry)
            continue
        key = f"dynamodb/{table}.jsonl"
        record, size, sha = dump_table(
            ddb,
            blobs,
            table,
            layout.snapshot_blob(plan.id, key),
            key,
            segments=spec.scan_segments,
            block_size=spec.block_size,
            scan_reason=why,
        )
        tables.append(record)
        writer.add(ManifestEntry(key, layout.snapshot_blob(plan.id, key), size, sha))
    if plan.sql_tables:
        engine = sql_engine(store.runtime)
        try:
            for name in plan.sql_tables:
                key = f"sql/{name}.jsonl"
                record, size, sha = dump_sql_table(
                    engine, blobs, name, layout.snapshot_blob(plan.id, key), key, block_size=spec.block_size
                )
                tables.append(record)
                writer.add(ManifestEntry(key, layout.snapshot_blob(plan.id, key), size, sha))
        finally:
            engine.dispose()
    import hashlib

    config = effective_config(store)
    blobs.upload(layout.snapshot_blob(plan.id, "config.json"), config, {})
    writer.add(
        ManifestEntry(
            "config.json",
            layout.snapshot_blob(plan.id, "config.json"),
            len(config),
            hashlib.sha256(config).hexdigest(),
        )
    )
    writer.commit(store.now(), getattr(transfer, "mode", plan.mode), tables)
    return header, failures
