"""Spec of the Backup playbook kind: what to back up, where the blobs go, how fast, how long to keep them.

spec:
  mode: daily                # daily (incremental S3 -> Blob) or weekly (full snapshot)
  schedule: "30 2 * * *"     # cron, used by `mcctl schedule export`
  buckets: [product-images, static-assets]
  tables: [Products, Users]  # DynamoDB (weekly)
  export_bucket: shop-ddb-exports  # weekly tables by ExportTableToPointInTime when PITR is on (else Scan)
  sql_tables: [Transactions] # Azure SQL (weekly)
  retention: {keep_daily: 7, keep_weekly: 4, keep_monthly: 6}
  transfer: auto             # auto | server | stream
  verify: checksums          # checksums (the clouds' own, nothing downloaded) | download (hash the source here)
  parallelism: 8
  block_size: 8MiB
  source:
    inventory:               # S3 Inventory reports instead of listing (buckets past a million objects)
      bucket: shop-inventory # the inventory's destination bucket
      prefix: inventory      # its destination prefix (optional)
      config_id: mcctl-daily # the inventory configuration's ID
      max_age_hours: 36      # an older report is stale
      if_unusable: list      # missing, stale or corrupt report: list the bucket (list) or fail the run (fail)
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from multicloud_ctl.config.specs.base import BucketName, ContainerName, Spec

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)?(/s)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
_CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$")


def parse_size(value: str | int | float) -> int:
    """Bytes from `4194304`, `4MiB`, `512K`, `1.5G` (binary units; `/s` allowed for rates)."""
    if isinstance(value, int | float):
        return int(value)
    match = _SIZE.match(value)
    if not match:
        raise ValueError(f"not a size: {value!r} (use bytes or a unit: 512K, 8MiB, 1G)")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


# (name, lowest, highest) of the five cron fields, as crontab(5) allows them (day of week: 0 and 7 are Sunday)
_CRON_RANGES = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7))


def check_cron(expr: str) -> str:
    """Accept a 5-field cron expression (numbers, *, ranges, lists, steps) that can ever run.

    Each number must lie in its field's range (`99 25 31 2 *`: "minute 99 is out of range 0-59"), and croniter
    must find a next run, so a date that never occurs (`0 0 31 2 *`) is refused as well. Cron runs a job when
    *either* day field matches once both are restricted, so that case always has a next run.
    """
    fields = expr.split()
    if len(fields) != 5 or not all(_CRON_FIELD.match(f) for f in fields):
        raise ValueError(f"not a 5-field cron expression: {expr!r} (e.g. '30 2 * * *')")
    for value, (name, low, high) in zip(fields, _CRON_RANGES, strict=True):
        for part in value.split(","):
            span, _, step = part.partition("/")
            if step and int(step) == 0:
                raise ValueError(f"{name} {part!r} in {expr!r}: a step must be at least 1")
            if span == "*":
                continue
            first, _, last = span.partition("-")
            for number in (first, last) if last else (first,):
                if not low <= int(number) <= high:
                    raise ValueError(f"{name} {int(number)} is out of range {low}-{high} in {expr!r}")
            if last and int(first) > int(last):
                raise ValueError(f"{name} range {span} in {expr!r} runs backwards")
    from datetime import UTC, datetime

    from croniter import CroniterBadDateError, CroniterError, croniter

    try:
        # a fixed start, not the clock: whether a schedule can ever run does not depend on today
        runs = croniter(expr, datetime(2000, 1, 1, tzinfo=UTC))
        if fields[4] == "*":  # with a day of week as well, every month has a matching day
            runs.get_next(datetime)
    except CroniterBadDateError:
        raise ValueError(f"{expr!r} never runs: day of month {fields[2]} does not occur in month {fields[3]}") from None
    except CroniterError as exc:
        raise ValueError(f"not a valid cron expression: {expr!r} ({exc})") from None
    return expr


class Retention(Spec):
    """How many backups `backup prune` keeps (restic-style: the newest of each day/week/month)."""

    keep_daily: int = Field(default=7, ge=0)
    keep_weekly: int = Field(default=4, ge=0)
    keep_monthly: int = Field(default=6, ge=0)


class Layout(Spec):
    """Where things go inside the backup container (all under `prefix`)."""

    prefix: str = Field(default="", description="root prefix inside the container, e.g. 'shop/'")
    daily: str = "daily"
    snapshots: str = "snapshots"
    manifests: str = "manifests"

    @field_validator("prefix")
    @classmethod
    def _slash(cls, value: str) -> str:
        value = value.strip("/")
        return f"{value}/" if value else ""


class InventorySource(Spec):
    """Where S3 Inventory delivers the source buckets' reports, and how old one may be.

    A report lives at `{prefix}/{source bucket}/{config_id}/YYYY-MM-DDTHH-MMZ/manifest.json` in `bucket`
    (AWS S3 User Guide, "Locating your inventory list"); CSV format, with at least Key, Size and ETag.
    """

    bucket: BucketName = Field(description="the destination bucket the inventory reports are delivered to")
    prefix: str = Field(default="", description="the destination prefix of the inventory configuration")
    config_id: str = Field(min_length=1, description="the inventory configuration's ID (the report's name)")
    max_age_hours: float = Field(
        default=36.0, gt=0, description="a report older than this is stale (a daily report lands once a day)"
    )
    if_unusable: Literal["list", "fail"] = Field(
        default="list", description="missing, stale or corrupt report: list the bucket instead, or fail the run"
    )
    buckets: list[BucketName] | None = Field(
        default=None, description="source buckets read from reports (default: all)"
    )

    @field_validator("prefix")
    @classmethod
    def _slash(cls, value: str) -> str:
        value = value.strip("/")
        return f"{value}/" if value else ""

    def covers(self, bucket: str) -> bool:
        return self.buckets is None or bucket in self.buckets


class BackupSource(Spec):
    """What the daily run reads the source buckets from: ListObjectsV2 (default) or S3 Inventory reports."""

    inventory: InventorySource | None = None


class BackupSpec(Spec):
    """One backup playbook (backup-daily.yaml, backup-weekly.yaml)."""

    mode: Literal["daily", "weekly"] = "daily"
    schedule: str | None = Field(default=None, description="5-field cron, for `mcctl schedule export`")
    buckets: list[BucketName] = Field(default_factory=list, description="S3 buckets to back up")
    tables: list[str] = Field(default_factory=list, description="DynamoDB tables (weekly snapshot)")
    sql_tables: list[str] = Field(default_factory=list, description="Azure SQL tables (weekly snapshot)")
    container: ContainerName | None = Field(
        default=None, description="blob container; default azure.storage.backups_container of the environment"
    )
    layout: Layout = Layout()
    retention: Retention = Retention()
    transfer: Literal["auto", "server", "stream"] = "auto"
    verify: Literal["checksums", "download"] = Field(
        default="checksums",
        description="how a server-side copy is checked: the clouds' own checksums, or by downloading the source",
    )
    parallelism: int = Field(default=8, ge=1, le=64)
    block_size: int = Field(default=8 * 1024**2, description="bytes per block; smaller objects go in one request")
    bwlimit: int | None = Field(default=None, description="bytes/s cap on streamed bytes (e.g. 50MiB)")
    manifest_block_size: int = Field(
        default=1024**2, ge=1024, le=64 * 1024**2, description="bytes per manifest block (Put Block)"
    )
    scan_segments: int = Field(default=4, ge=1, le=64, description="DynamoDB parallel scan segments")
    export_bucket: BucketName | None = Field(
        default=None,
        description="S3 bucket for DynamoDB point-in-time exports (weekly); tables without PITR, or no bucket: Scan",
    )
    export_timeout: float = Field(default=3600.0, gt=0, description="seconds to wait for one table's export")
    presign_seconds: int = Field(default=3600, ge=60, le=7 * 86400)
    max_age_hours: float = Field(default=26.0, gt=0, description="health: the newest backup must be younger")
    source: BackupSource = BackupSource()

    @model_validator(mode="after")
    def _something_to_back_up(self, info: ValidationInfo) -> BackupSpec:
        """A playbook that names nothing to back up would commit an empty backup, which then counts as fresh
        for health's backup age and failover's preflight. Checked for playbook files (code that builds a spec
        for `backup list` or `verify` needs no buckets)."""
        if (info.context or {}).get("source") != "playbook":
            return self
        if self.mode == "daily" and not self.buckets:
            raise ValueError("a daily backup copies S3 buckets: list at least one under spec.buckets")
        if self.mode == "weekly" and not (self.buckets or self.tables or self.sql_tables):
            raise ValueError("a weekly backup needs at least one of spec.buckets, spec.tables, spec.sql_tables")
        return self

    @field_validator("block_size", mode="before")
    @classmethod
    def _block_size(cls, value: str | int) -> int:
        size = parse_size(value)
        if not 64 * 1024 <= size <= 64 * 1024**2:
            raise ValueError("must be between 64KiB and 64MiB")
        return size

    @field_validator("bwlimit", mode="before")
    @classmethod
    def _bwlimit(cls, value: str | int | None) -> int | None:
        if value is None:
            return None
        rate = parse_size(value)
        if rate <= 0:
            raise ValueError("must be > 0")
        return rate

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        return None if value is None else check_cron(value)
