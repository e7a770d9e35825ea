"""DynamoDB restore in parallel batches against moto, with throttled UnprocessedItems resent and bounded."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dynamodb_throttle_support import ThrottlingDynamoDb
from multicloud_ctl.errors import ExitCode, Throttled
from multicloud_ctl.operations.backup.dynamo import dump_table, restore_table
from multicloud_ctl.providers.aws.dynamodb import BatchRetry, DynamoDbClient
from multicloud_ctl.providers.azure.blob import backup_container

pytestmark = pytest.mark.integration


@pytest.fixture
def proxy(aws: str) -> Iterator[ThrottlingDynamoDb]:
    p = ThrottlingDynamoDb(aws)
    yield p
    p.stop()


def _client(url: str, retry: BatchRetry) -> DynamoDbClient:
    import boto3

    client = boto3.client(
        "dynamodb", endpoint_url=url, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )
    return DynamoDbClient(client, retry)


def _snapshot(runtime: Any, container: str, items: int) -> tuple[Any, Any, str]:
    """A table of `items` items in moto, dumped to a snapshot blob; the source table is then deleted."""
    ddb = runtime.aws.client("dynamodb")
    ddb.create_table(
        TableName="Orders",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for start in range(0, items, 25):
        ddb.batch_write_item(
            RequestItems={
                "Orders": [
                    {"PutRequest": {"Item": {"id": {"S": f"o{i:05d}"}, "qty": {"N": str(i)}}}}
                    for i in range(start, min(items, start + 25))
                ]
            }
        )
    blobs = backup_container(runtime, container)
    blobs.ensure()
    record, _, _ = dump_table(
        DynamoDbClient(ddb),
        blobs,
        "Orders",
        "snap/Orders.jsonl",
        "dynamodb/Orders.jsonl",
        segments=2,
        block_size=1 << 16,
    )
    ddb.delete_table(TableName="Orders")
    return blobs, record, "snap/Orders.jsonl"


def test_parallel_restore_resends_throttled_items_and_loses_none(
    runtime: Any, container: str, proxy: ThrottlingDynamoDb
) -> None:
    blobs, record, blob = _snapshot(runtime, container, 600)
    slept: list[float] = []
    proxy.throttle(calls=6, keep_unprocessed=10)  # six calls leave 10 items each unprocessed
    ddb = _client(proxy.url, BatchRetry(attempts=4, sleep=slept.append, jitter=lambda: 1.0))

    assert restore_table(ddb, blobs, record, blob, {}, workers=4) == 600

    assert proxy.throttled_calls == 6 and proxy.batch_calls == 24 + 6  # 24 batches of 25, six resends
    assert len(slept) == 6 and set(slept) <= {0.05, 0.1, 0.2}  # a resend may itself be throttled: it waits longer
    live = runtime.aws.client("dynamodb").scan(TableName="Orders", Select="COUNT")["Count"]
    assert live == 600


def test_restore_stops_with_one_clear_line_when_the_bound_is_exhausted(
    runtime: Any, container: str, proxy: ThrottlingDynamoDb
) -> None:
    blobs, record, blob = _snapshot(runtime, container, 60)
    slept: list[float] = []
    proxy.throttle()  # nothing is ever written
    ddb = _client(proxy.url, BatchRetry(attempts=5, base=0.5, cap=2.0, sleep=slept.append, jitter=lambda: 1.0))

    with pytest.raises(Throttled) as caught:
        restore_table(ddb, blobs, record, blob, {}, workers=1)

    message = str(caught.value)
    assert message == "dynamodb: BatchWriteItem on Orders: 25 item(s) still unprocessed after 5 attempts (throttled)"
    assert "\n" not in message and caught.value.exit_code == ExitCode.FAILED
    assert slept[:4] == [0.5, 1.0, 2.0, 2.0]  # exponential, capped
    assert proxy.batch_calls <= 3 * 5  # bounded: at most every batch's attempts, never an endless loop
