"""A thin typed DynamoDB client for whole tables: describe, parallel scan segments, batch write, create, export.

BatchWriteItem may accept a request and still leave items unprocessed (throttling, partition limits). The
API reference asks callers to resend `UnprocessedItems` with exponential backoff; `BatchRetry` bounds that:
a few attempts with capped, jittered backoff, then `Throttled` naming the table and how many items are left
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from multicloud_ctl.errors import NotFound, ProviderError, Throttled
from multicloud_ctl.providers.aws.errors import aws_errors


def _seeded() -> Any:
    from multicloud_ctl.engine.clock import seeded_random

    return seeded_random()


Item = dict[str, Any]  # low-level, typed attribute values: {"id": {"S": "p1"}, "price": {"N": "9.5"}}


@dataclass(frozen=True)
class TableShape:
    """What it takes to recreate a table: key schema and the attribute definitions of its keys."""

    name: str
    key_schema: list[dict[str, str]]
    attribute_definitions: list[dict[str, str]]
    item_count: int = 0

    @property
    def key_names(self) -> list[str]:
        return [k["AttributeName"] for k in self.key_schema]


@dataclass(frozen=True)
class BatchRetry:
    """How often and how patiently unprocessed batch items are resent.

    `attempts` counts every BatchWriteItem call for one batch (the first included); the wait before the
    n-th resend is uniform in [0, min(cap, base * 2**n)] ("full jitter"), drawn from `jitter` so tests
    replay it, and slept with `sleep` so tests need not wait.
    """

    attempts: int = 8
    base: float = 0.05
    cap: float = 2.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    jitter: Callable[[], float] = field(default_factory=lambda: _seeded().random, compare=False)

    def delay(self, resend: int) -> float:
        return min(self.cap, self.base * 2**resend) * self.jitter()


@dataclass
class DynamoDbClient:
    """The DynamoDB calls mcctl's backup and restore use, over one guarded boto3 client."""

    client: Any
    retry: BatchRetry = field(default_factory=BatchRetry)

    def describe(self, table: str) -> TableShape:
        with aws_errors("DescribeTable", table):
            desc = self.client.describe_table(TableName=table)["Table"]
        keys = {k["AttributeName"] for k in desc["KeySchema"]}
        return TableShape(
            table,
            list(desc["KeySchema"]),
            [a for a in desc["AttributeDefinitions"] if a["AttributeName"] in keys],
            int(desc.get("ItemCount", 0)),
        )

    def exists(self, table: str) -> bool:
        try:
            self.describe(table)
        except NotFound:
            return False
        return True

    def create(self, shape: TableShape, tags: dict[str, str]) -> None:
        """Create an on-demand table with `shape`'s keys and wait until it is active."""
        with aws_errors("CreateTable", shape.name):
            self.client.create_table(
                TableName=shape.name,
                BillingMode="PAY_PER_REQUEST",
                KeySchema=shape.key_schema,
                AttributeDefinitions=shape.attribute_definitions,
                Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
            )
            self.client.get_waiter("table_exists").wait(TableName=shape.name, WaiterConfig={"Delay": 1})

    def scan_segment(self, table: str, segment: int, total: int, page_size: int = 1000) -> Iterator[Item]:
        """Every item of one parallel-scan segment (consistent reads)."""
        kwargs: dict[str, Any] = {
            "TableName": table,
            "Segment": segment,
            "TotalSegments": total,
            "ConsistentRead": True,
            "Limit": page_size,
        }
        while True:
            with aws_errors("Scan", table):
                page = self.client.scan(**kwargs)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def batch_put(self, table: str, items: list[Item]) -> int:
        """Put items in batches of 25, resending unprocessed items with bounded backoff; returns calls made.

        Raises `Throttled` (one line: table, items left, attempts) when a batch still has unprocessed items
        after `retry.attempts` calls; the items of earlier batches are written (puts are idempotent, so
        running the restore again completes it).
        """
        calls = 0
        for start in range(0, len(items), 25):
            pending = [{"PutRequest": {"Item": it}} for it in items[start : start + 25]]
            for attempt in range(self.retry.attempts):
                if attempt:
                    self.retry.sleep(self.retry.delay(attempt - 1))
                with aws_errors("BatchWriteItem", table):
                    out = self.client.batch_write_item(RequestItems={table: pending})
                calls += 1
                pending = out.get("UnprocessedItems", {}).get(table, [])
                if not pending:
                    break
            else:
                raise Throttled(
                    f"dynamodb: BatchWriteItem on {table}: {len(pending)} item(s) still unprocessed after "
                    f"{self.retry.attempts} attempts (throttled)",
                    hint="the table is short of write capacity: raise it (or switch to on-demand) and run the "
                    "restore again; restored items are simply put again",
                    provider="aws",
                    operation="BatchWriteItem",
                )
        return calls

    def arn(self, table: str) -> str:
        with aws_errors("DescribeTable", table):
            return str(self.client.describe_table(TableName=table)["Table"]["TableArn"])

    def point_in_time_recovery(self, table: str) -> bool:
        """Whether PITR is on (ExportTableToPointInTime needs it: ContinuousBackups, PointInTimeRecoveryStatus)."""
        with aws_errors("DescribeContinuousBackups", table):
            desc = self.client.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
        return bool(desc.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus") == "ENABLED")

    def start_export(self, table: str, bucket: str, prefix: str, client_token: str) -> str:
        """Start a full DYNAMODB_JSON export of the table's current state; returns the export ARN.

        Server-side and outside the table's capacity. `client_token` makes a resend after a lost answer the same
        export (valid 8 hours). https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ExportTableToPointInTime.html
        """
        with aws_errors("ExportTableToPointInTime", table):
            out = self.client.export_table_to_point_in_time(
                TableArn=self.arn(table),
                S3Bucket=bucket,
                S3Prefix=prefix,
                ExportFormat="DYNAMODB_JSON",
                ClientToken=client_token,
            )
        return str(out["ExportDescription"]["ExportArn"])

    def wait_export(
        self,
        table: str,
        export_arn: str,
        *,
        timeout: float,
        poll: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> dict[str, Any]:
        """The export's description once COMPLETED; ProviderError when it FAILED or is not done in `timeout` s."""
        waited = 0.0
        while True:
            with aws_errors("DescribeExport", table):
                desc: dict[str, Any] = self.client.describe_export(ExportArn=export_arn)["ExportDescription"]
            status = desc.get("ExportStatus")
            if status == "COMPLETED":
                return desc
            if status == "FAILED":
                why = f"{desc.get('FailureCode', '')} {desc.get('FailureMessage', '')}".strip()
                raise ProviderError(
                    f"dynamodb: export of {table} failed: {why}",
                    provider="aws",
                    operation="ExportTableToPointInTime",
                )
            if waited >= timeout:
                raise ProviderError(
                    f"dynamodb: export of {table} not finished after {timeout:.0f} s ({export_arn})",
                    hint="exports of large tables take minutes to hours; raise spec.export_timeout",
                    provider="aws",
                    operation="DescribeExport",
                )
            sleep(poll)
            waited += poll
