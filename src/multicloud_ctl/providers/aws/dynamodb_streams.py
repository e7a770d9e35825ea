"""A thin typed client over DynamoDB Streams and the DynamoDB calls the sync needs (Scan, DescribeTable).

Returns small dataclasses; boto3's record dicts are passed through untouched (the apply core normalizes
them). Errors are mapped by `aws_errors`; two stream conditions get their own errors because the reader
acts on them: a position past retention raises `StreamTrimmed` (the caller says "backfill again"), and an
iterator older than 15 minutes raises `IteratorExpired` (the caller asks for a new one from its position).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import OperationFailed, ProviderError
from multicloud_ctl.providers.aws.errors import aws_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.aws.session import AwsClients


class StreamTrimmed(OperationFailed):
    """The requested stream position is older than the stream's retention (TrimmedDataAccessException)."""


class IteratorExpired(ProviderError):
    """A shard iterator was used more than 15 minutes after it was issued (ExpiredIteratorException)."""


def _code(exc: OperationFailed) -> str:
    """The AWS error code behind a mapped error ('' when it did not come from a ClientError)."""
    cause = exc.__cause__
    response = getattr(cause, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


@dataclass(frozen=True)
class ShardInfo:
    shard_id: str
    parent_shard_id: str | None
    starting_seq: str
    ending_seq: str | None  # None while the shard is open

    @property
    def closed(self) -> bool:
        return self.ending_seq is not None


@dataclass(frozen=True)
class StreamInfo:
    table: str
    arn: str
    view_type: str
    shards: list[ShardInfo] = field(default_factory=list)


@dataclass(frozen=True)
class TableInfo:
    name: str
    key_schema: list[tuple[str, str]]  # (attribute, HASH|RANGE)
    attribute_types: dict[str, str]
    stream_arn: str | None
    stream_view: str | None
    item_count: int


@dataclass(frozen=True)
class RecordPage:
    records: list[dict[str, Any]]
    next_iterator: str | None  # None: the shard is closed and fully read


class DynamoStreamsClient:
    """DescribeTable / Scan on DynamoDB, DescribeStream / GetShardIterator / GetRecords on its stream."""

    def __init__(self, clients: AwsClients, region: str | None = None) -> None:
        from multicloud_ctl.providers.aws.jsonwire import JsonWire

        self._ddb = clients.client("dynamodb", region)
        self._streams = clients.client("dynamodbstreams", region)
        self._wire = JsonWire(self._streams, clients)

    def describe_table(self, table: str) -> TableInfo:
        with aws_errors("DescribeTable", table):
            t = self._ddb.describe_table(TableName=table)["Table"]
        spec = t.get("StreamSpecification") or {}
        return TableInfo(
            name=table,
            key_schema=[(k["AttributeName"], k["KeyType"]) for k in t["KeySchema"]],
            attribute_types={a["AttributeName"]: a["AttributeType"] for a in t.get("AttributeDefinitions", [])},
            stream_arn=t.get("LatestStreamArn") if spec.get("StreamEnabled") else None,
            stream_view=spec.get("StreamViewType") if spec.get("StreamEnabled") else None,
            item_count=int(t.get("ItemCount", 0)),
        )

    def describe_stream(self, table: str, arn: str) -> StreamInfo:
        """The stream with all its shards (paginated)."""
        shards: list[ShardInfo] = []
        kwargs: dict[str, Any] = {"StreamArn": arn}
        view = ""
        while True:
            with aws_errors("DescribeStream", arn):
                desc = self._streams.describe_stream(**kwargs)["StreamDescription"]
            view = desc.get("StreamViewType", view)
            for s in desc.get("Shards", []):
                rng = s.get("SequenceNumberRange", {})
                shards.append(
                    ShardInfo(
                        s["ShardId"],
                        s.get("ParentShardId"),
                        rng.get("StartingSequenceNumber", "0"),
                        rng.get("EndingSequenceNumber"),
                    )
                )
            last = desc.get("LastEvaluatedShardId")
            if not last:
                return StreamInfo(table, arn, view, shards)
            kwargs["ExclusiveStartShardId"] = last

    def shard_iterator(
        self, arn: str, shard_id: str, after_seq: str | None = None, latest: bool = False, at_seq: str | None = None
    ) -> str:
        """An iterator just after `after_seq`, at `at_seq`, at TRIM_HORIZON when neither is given, or at LATEST."""
        kwargs: dict[str, Any] = {"StreamArn": arn, "ShardId": shard_id}
        if latest:
            kwargs["ShardIteratorType"] = "LATEST"
        elif at_seq is not None:
            kwargs.update(ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=at_seq)
        elif after_seq is None:
            kwargs["ShardIteratorType"] = "TRIM_HORIZON"
        else:
            kwargs.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=after_seq)
        try:
            with aws_errors("GetShardIterator", shard_id):
                return str(self._streams.get_shard_iterator(**kwargs)["ShardIterator"])
        except OperationFailed as exc:
            if _code(exc) == "TrimmedDataAccessException":
                raise StreamTrimmed(
                    f"stream position {at_seq or after_seq} in shard {shard_id} is past retention",
                    hint="run `mcctl sync backfill` for this table again",
                ) from exc
            raise

    def get_records(self, iterator: str, limit: int) -> RecordPage:
        """One page; `next_iterator` None means the shard is closed and read to its end.

        Sent and parsed by `JsonWire` (botocore's parsing of the records was most of a record's CPU); any answer
        but a 200 is asked again through boto3, whose retries and error codes decide what it means.
        """
        status, page = self._wire.call("GetRecords", {"ShardIterator": iterator, "Limit": limit})
        if status == 200:
            return RecordPage(list(page.get("Records", [])), page.get("NextShardIterator"))
        try:
            with aws_errors("GetRecords"):
                page = self._streams.get_records(ShardIterator=iterator, Limit=limit)
        except OperationFailed as exc:
            code = _code(exc)
            if code == "TrimmedDataAccessException":
                raise StreamTrimmed(
                    "the shard iterator points at records trimmed past retention",
                    hint="run `mcctl sync backfill` for this table again",
                ) from exc
            if code == "ExpiredIteratorException":
                raise IteratorExpired(str(exc), provider="aws", operation="GetRecords") from exc
            raise
        return RecordPage(list(page.get("Records", [])), page.get("NextShardIterator"))

    def scan_page(
        self, table: str, *, segment: int, total: int, limit: int, start_key: dict[str, Any] | None = None
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """One page of a parallel Scan segment (strongly consistent)."""
        kwargs: dict[str, Any] = {"TableName": table, "Limit": limit, "ConsistentRead": True}
        if total > 1:
            kwargs.update(Segment=segment, TotalSegments=total)
        if start_key:
            kwargs["ExclusiveStartKey"] = start_key
        with aws_errors("Scan", table):
            page = self._ddb.scan(**kwargs)
        return list(page.get("Items", [])), page.get("LastEvaluatedKey")
