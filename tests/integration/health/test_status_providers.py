"""The health checks' AWS provider clients against moto: SQS queue depth, DynamoDB table and stream status."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from multicloud_ctl import errors
from multicloud_ctl.engine.runtime import Runtime
from multicloud_ctl.providers.aws.dynamodb_status import DynamoStatus, TableStatus
from multicloud_ctl.providers.aws.sqs import QueueDepth, SqsQueues

pytestmark = pytest.mark.integration


def make_table(aws: str, name: str, *, stream: bool) -> None:
    kw: dict[str, Any] = {}
    if stream:
        kw["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    boto3.client("dynamodb", endpoint_url=aws, region_name="us-east-1").create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        **kw,
    )


def test_queue_depth_and_a_missing_queue(local_env: Any, aws: str) -> None:
    sqs = boto3.client("sqs", endpoint_url=aws, region_name="us-east-1")
    url = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
    sqs.create_queue(QueueName="empty-dlq")
    for i in range(4):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    queues = SqsQueues(Runtime(local_env).aws)
    assert queues.depth("orders-dlq") == QueueDepth("orders-dlq", url, 4)
    empty = queues.depth("empty-dlq")
    assert empty is not None and empty.messages == 0
    assert queues.depth("nope-dlq") is None
    assert queues.queue_url("nope-dlq") is None


def test_table_and_stream_status(local_env: Any, aws: str) -> None:
    make_table(aws, "Orders", stream=True)
    make_table(aws, "Plain", stream=False)
    ddb = DynamoStatus(Runtime(local_env).aws)
    orders = ddb.table("Orders")
    assert orders is not None and orders.active and orders.status == "ACTIVE"
    assert orders.stream_arn and "Orders/stream/" in orders.stream_arn
    assert ddb.stream_status(orders.stream_arn) == "ENABLED"
    assert ddb.table("Plain") == TableStatus("Plain", "ACTIVE", None)
    assert ddb.table("Missing") is None


def test_unknown_stream_maps_to_not_found(local_env: Any, aws: str) -> None:
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/Gone/stream/2026-01-01T00:00:00.000"
    with pytest.raises(errors.McctlError) as info:
        DynamoStatus(Runtime(local_env).aws).stream_status(arn)
    assert "DescribeStream" in str(info.value)


def test_status_reads_make_no_mutating_call_under_dry_run(local_env: Any, aws: str) -> None:
    make_table(aws, "Orders", stream=True)
    boto3.client("sqs", endpoint_url=aws, region_name="us-east-1").create_queue(QueueName="orders-dlq")
    rt = Runtime(local_env, dry_run=True)
    table = DynamoStatus(rt.aws).table("Orders")
    assert table is not None and table.stream_arn
    assert DynamoStatus(rt.aws).stream_status(table.stream_arn) == "ENABLED"
    assert SqsQueues(rt.aws).depth("orders-dlq") is not None
    assert rt.aws.counter.total >= 4 and rt.aws.counter.mutating == 0 and rt.aws.counter.blocked == 0
