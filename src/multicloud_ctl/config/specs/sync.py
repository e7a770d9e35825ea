"""Spec of the Sync playbook kind: which DynamoDB tables stream into which SQL tables, and how.

spec:
  tables:
    - source: Orders            # DynamoDB table (its stream must include new images)
      target: orders            # SQL table (default: source in lower case)
      keys: [{attribute: order_id, type: S, length: 64}]
      columns:                  # projected columns, besides the full typed JSON document
        - {attribute: status, length: 32}
        - {attribute: total_cents, type: number}
      delete_mode: remove       # remove (row deleted, tombstone kept) | mark (row kept, _deleted set)
  batch_size: 500               # GetRecords limit and rows per SQL transaction
  segments: 4                   # parallel Scan segments in backfill
  retention_hours: 24           # checkpoints older than this are refused: backfill again
  shard_concurrency: 32         # shards read at once in one `sync run` (parents still before children)
  idle_pages: 2                 # empty pages after which a one-shot run calls an open shard caught up
  throttle_patience_seconds: 600  # keep backing off a throttled stream this long before failing
  dead_letter: {table: sync_dead_letters, max_attempts: 5}
  stream_mapping:               # cloud environments: the CDC Lambda's event source mapping (`mcctl deploy`)
    parallelization_factor: 4   # concurrent batches per shard (1-10; per-key order is kept by Lambda)
    batch_size: 100
    batching_window_seconds: 0
    maximum_record_age_seconds: 21600   # older records go to the on-failure queue (-1 = until trimmed)
    maximum_retry_attempts: 10
    bisect_on_error: true
    report_batch_item_failures: true
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from multicloud_ctl.config.specs.base import Spec

IDENT = r"^[A-Za-z][A-Za-z0-9_]{0,62}$"
RESERVED = {"_seq", "_doc", "_hash", "_deleted", "_source_time"}


class SyncKey(Spec):
    """A key attribute (partition key, then optional sort key) and its primary-key column."""

    attribute: str = Field(min_length=1)
    type: Literal["S", "N", "B"] = "S"
    column: str | None = Field(default=None, pattern=IDENT)
    length: int = Field(default=256, ge=1, le=2048, description="max characters (S) or bytes (B)")


class SyncColumn(Spec):
    """A projected top-level attribute with its own column."""

    attribute: str = Field(min_length=1)
    column: str | None = Field(default=None, pattern=IDENT)
    type: Literal["string", "number", "boolean", "json", "plain_json"] = "string"
    length: int | None = Field(default=None, ge=1, le=8000, description="max characters (string)")


class SyncTable(Spec):
    source: str = Field(min_length=3, max_length=255)
    target: str | None = Field(default=None, pattern=IDENT)
    keys: list[SyncKey] = Field(min_length=1, max_length=2)
    columns: list[SyncColumn] = []
    delete_mode: Literal["remove", "mark"] = "remove"

    @model_validator(mode="after")
    def _unique_columns(self) -> SyncTable:
        names = [k.column or k.attribute for k in self.keys] + [c.column or c.attribute for c in self.columns]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"column names used twice: {', '.join(dupes)}")
        clash = sorted(set(names) & RESERVED)
        if clash:
            raise ValueError(f"column names reserved for the sync bookkeeping: {', '.join(clash)}")
        return self


class DeadLetter(Spec):
    table: str = Field(default="sync_dead_letters", pattern=IDENT)
    max_attempts: int = Field(default=5, ge=1, le=100)


class StreamMappingSpec(Spec):
    """The CDC Lambda's event source mapping on each table's stream, in cloud environments.

    Ranges are the CreateEventSourceMapping API reference's for a DynamoDB stream source
    (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html): BatchSize 1-10,000,
    MaximumBatchingWindowInSeconds 0-300, ParallelizationFactor 1-10, MaximumRecordAgeInSeconds -1 or
    60-604,800, MaximumRetryAttempts -1 (until the record expires) to 10,000. A batch that still fails after the
    retries, or a record older than the age limit, is not lost: its position goes to the environment's
    `aws.cdc_failure_queue` and `mcctl sync replay` reads it back from the stream (within the stream's 24 h).
    """

    parallelization_factor: int = Field(default=4, ge=1, le=10)
    batch_size: int = Field(default=100, ge=1, le=10_000)
    batching_window_seconds: int = Field(default=0, ge=0, le=300)
    maximum_record_age_seconds: int = Field(default=21_600, ge=-1, le=604_800)
    maximum_retry_attempts: int = Field(default=10, ge=-1, le=10_000)
    bisect_on_error: bool = True
    report_batch_item_failures: bool = True

    @field_validator("maximum_record_age_seconds")
    @classmethod
    def _age(cls, value: int) -> int:
        if value != -1 and value < 60:
            raise ValueError("must be -1 (no limit) or between 60 and 604800 seconds")
        return value


class SyncSpec(Spec):
    """CDC from DynamoDB Streams to Azure SQL (SQLite/PostgreSQL in the sandbox)."""

    tables: list[SyncTable] = Field(min_length=1)
    batch_size: int = Field(default=500, ge=1, le=1000)
    segments: int = Field(default=4, ge=1, le=64)
    retention_hours: float = Field(default=24.0, gt=0, le=24 * 7)
    poll_seconds: float = Field(default=1.0, gt=0, le=60)
    shard_concurrency: int = Field(
        default=32, ge=1, le=256, description="shards read at once by one `sync run` (parents before children)"
    )
    idle_pages: int = Field(
        default=2,
        ge=1,
        le=1000,
        description="consecutive empty GetRecords pages after which a one-shot `sync run` treats an open shard "
        "as caught up (with --follow a pass stops at the first empty page and the next pass carries on from the "
        "same iterator, so no run of empty pages stalls it)",
    )
    throttle_patience_seconds: float = Field(
        default=600.0, gt=0, le=86_400, description="how long a throttled stream call is retried with backoff"
    )
    checkpoint_table: str = Field(default="sync_checkpoints", pattern=IDENT)
    tombstone_table: str = Field(
        default="sync_tombstones",
        pattern=IDENT,
        description="keys deleted in `remove` mode, with the sequence number of the delete",
    )
    dead_letter: DeadLetter = DeadLetter()
    stream_mapping: StreamMappingSpec = StreamMappingSpec()

    @field_validator("tables")
    @classmethod
    def _unique_tables(cls, tables: list[SyncTable]) -> list[SyncTable]:
        sources = [t.source for t in tables]
        targets = [(t.target or t.source.lower()) for t in tables]
        for what, names in (("source", sources), ("target", targets)):
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"{what} tables listed twice: {', '.join(dupes)}")
        return tables
