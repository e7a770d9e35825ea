"""A thin typed DynamoDB client for whole tables: describe, parallel scan segments, batch write, create."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from multicloud_ctl.errors import NotFound
from multicloud_ctl.providers.aws.errors import aws_errors

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


@dataclass
class DynamoDbClient:
    """The DynamoDB calls mcctl's backup and restore use, over one guarded boto3 client."""

    client: Any

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

    def batch_put(self, table: str, items: list[Item]) -> None:
        """Put items in batches of 25, retrying unprocessed items with backoff."""
        for start in range(0, len(items), 25):
            pending = [{"PutRequest": {"Item": it}} for it in items[start : start + 25]]
            delay = 0.05
            while pending:
                with aws_errors("BatchWriteItem", table):
                    out = self.client.batch_write_item(RequestItems={table: pending})
                pending = out.get("UnprocessedItems", {}).get(table, [])
                if pending:
                    time.sleep(delay)
                    delay = min(delay * 2, 2.0)
