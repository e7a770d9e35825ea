"""DynamoDB control-plane calls provision uses: describe/create/update/delete tables, PITR, tags, replicas.

(Item reads and writes live in `dynamodb.py`, owned by the backup code.) Every call maps botocore errors
to ours with the request id; `describe` returns None for a missing table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import NotFound
from multicloud_ctl.providers.aws.errors import aws_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.aws.session import AwsClients


@dataclass
class DynamoDbAdmin:
    """Table administration in one region."""

    clients: AwsClients
    region: str

    @property
    def _c(self) -> Any:
        return self.clients.client("dynamodb", self.region)

    def table_names(self, page_size: int = 100) -> frozenset[str]:
        """Every table of the region (ListTables, paged: at most 100 a page), listed once per run for
        provision's reads (`AwsClients.listings`); a create or delete in the region drops the listing."""

        def listing() -> frozenset[str]:
            with aws_errors("ListTables", self.region):
                pages = self._c.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": page_size})
                return frozenset(name for page in pages for name in page.get("TableNames", []))

        found: frozenset[str] = self.clients.listings.fetch(f"aws:dynamodb:{self.region}:tables", listing)
        return found

    def describe(self, table: str) -> dict[str, Any] | None:
        try:
            with aws_errors("DescribeTable", table):
                return dict(self._c.describe_table(TableName=table)["Table"])
        except NotFound:
            return None

    def create(self, table: str, spec: dict[str, Any], tags: list[dict[str, str]]) -> dict[str, Any]:
        """`spec` carries KeySchema, AttributeDefinitions, BillingMode, indexes, streams and SSE."""
        with aws_errors("CreateTable", table):
            out = self._c.create_table(TableName=table, Tags=tags, **spec)["TableDescription"]
        with aws_errors("DescribeTable", table):
            self._c.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        return {"arn": out.get("TableArn"), "status": out.get("TableStatus")}

    def pitr_enabled(self, table: str) -> bool:
        with aws_errors("DescribeContinuousBackups", table):
            desc = self._c.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
        return bool(desc.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus") == "ENABLED")

    def set_pitr(self, table: str, enabled: bool) -> None:
        with aws_errors("UpdateContinuousBackups", table):
            self._c.update_continuous_backups(
                TableName=table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": enabled}
            )

    def set_stream(self, table: str, view_type: str | None) -> None:
        spec = {"StreamEnabled": True, "StreamViewType": view_type} if view_type else {"StreamEnabled": False}
        with aws_errors("UpdateTable", table):
            self._c.update_table(TableName=table, StreamSpecification=spec)

    def set_billing_mode(self, table: str, mode: str) -> None:
        with aws_errors("UpdateTable", table):
            self._c.update_table(TableName=table, BillingMode=mode)

    def set_sse(self, table: str, enabled: bool) -> None:
        with aws_errors("UpdateTable", table):
            self._c.update_table(TableName=table, SSESpecification={"Enabled": enabled, "SSEType": "KMS"})

    def add_replica(self, table: str, region: str) -> None:
        """A global-table (2019.11.21) replica of `table` in `region`."""
        with aws_errors("UpdateTable", table):
            self._c.update_table(TableName=table, ReplicaUpdates=[{"Create": {"RegionName": region}}])

    def tags(self, arn: str) -> dict[str, str]:
        with aws_errors("ListTagsOfResource", arn):
            tags = self._c.list_tags_of_resource(ResourceArn=arn).get("Tags", [])
        return {t["Key"]: t["Value"] for t in tags}

    def tag(self, arn: str, tags: list[dict[str, str]]) -> None:
        with aws_errors("TagResource", arn):
            self._c.tag_resource(ResourceArn=arn, Tags=tags)

    def delete(self, table: str) -> None:
        with aws_errors("DeleteTable", table):
            self._c.delete_table(TableName=table)
