"""A thin typed client for the status of DynamoDB tables and their streams (read-only calls only).

Used by `mcctl health`; the sync's own client lives in `dynamodb_streams.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import NotFound
from multicloud_ctl.providers.aws.errors import aws_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.aws.session import AwsClients


@dataclass(frozen=True)
class TableStatus:
    """A table's lifecycle status (`ACTIVE`, `CREATING`...) and its latest stream, if one is enabled."""

    name: str
    status: str | None
    stream_arn: str | None  # LatestStreamArn, only when StreamSpecification.StreamEnabled

    @property
    def active(self) -> bool:
        return self.status == "ACTIVE"


class DynamoStatus:
    """DescribeTable on DynamoDB, DescribeStream on DynamoDB Streams."""

    def __init__(self, clients: AwsClients, region: str | None = None) -> None:
        self._clients = clients
        self._region = region

    def _client(self, service: str) -> Any:
        return self._clients.client(service, self._region)

    def table(self, name: str) -> TableStatus | None:
        """The table's status, or None when the table does not exist."""
        try:
            with aws_errors("DescribeTable", name):
                desc = self._client("dynamodb").describe_table(TableName=name)["Table"]
        except NotFound:
            return None
        enabled = bool((desc.get("StreamSpecification") or {}).get("StreamEnabled"))
        arn = desc.get("LatestStreamArn") if enabled else None
        return TableStatus(name, desc.get("TableStatus"), arn or None)

    def stream_status(self, arn: str) -> str:
        """`ENABLING`, `ENABLED`, `DISABLING` or `DISABLED`."""
        with aws_errors("DescribeStream", arn):
            got = self._client("dynamodbstreams").describe_stream(StreamArn=arn)
        return str(got["StreamDescription"]["StreamStatus"])
