"""The DynamoDB Streams fake speaks the wire protocol: boto3 reads it, its errors have AWS's shapes, and a
request the service model does not allow is refused (and recorded as a violation)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.integration


@pytest.fixture
def fake() -> Iterator[tuple[Any, Any]]:
    from multicloud_ctl.local.streams_fake import start_streams_fake

    handle, state = start_streams_fake()
    client = boto3.client(
        "dynamodbstreams",
        endpoint_url=handle.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=__import__("botocore.config").config.Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )
    state.url = handle.url
    yield state, client
    handle.stop()


def test_boto3_reads_shards_lineage_and_closed_ends(fake: tuple[Any, Any]) -> None:
    state, client = fake
    arn = state.create_stream("Orders", "order_id", shards=1)
    (root,) = state.open_shards("Orders")
    state.put("Orders", root, "a", {"status": {"S": "new"}})
    children = state.split("Orders", root, 3)
    assert client.list_streams(TableName="Orders")["Streams"][0]["StreamArn"] == arn
    shards = {s["ShardId"]: s for s in client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]}
    assert "EndingSequenceNumber" in shards[root]["SequenceNumberRange"]
    assert all(shards[c]["ParentShardId"] == root for c in children)
    it = client.get_shard_iterator(StreamArn=arn, ShardId=root, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    page = client.get_records(ShardIterator=it, Limit=10)
    assert [r["dynamodb"]["Keys"] for r in page["Records"]] == [{"order_id": {"S": "a"}}]
    assert "NextShardIterator" not in page  # closed and read to its end
    it = client.get_shard_iterator(StreamArn=arn, ShardId=children[0], ShardIteratorType="LATEST")["ShardIterator"]
    page = client.get_records(ShardIterator=it)
    assert page["Records"] == [] and page["NextShardIterator"]  # open: always a next iterator


def test_errors_have_the_aws_shapes(fake: tuple[Any, Any]) -> None:
    state, client = fake
    arn = state.create_stream("Orders", "order_id", shards=1)
    (root,) = state.open_shards("Orders")
    for key in "abc":
        state.put("Orders", root, key, {"status": {"S": "new"}})
    it = client.get_shard_iterator(StreamArn=arn, ShardId=root, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    state.expire_iterators()
    with pytest.raises(ClientError) as exc:
        client.get_records(ShardIterator=it)
    assert exc.value.response["Error"]["Code"] == "ExpiredIteratorException"
    first = state.stream_of("Orders").shards[root].records[0]["dynamodb"]["SequenceNumber"]
    state.trim("Orders", root, keep=1)
    with pytest.raises(ClientError) as exc:
        client.get_shard_iterator(
            StreamArn=arn, ShardId=root, ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=first
        )
    assert exc.value.response["Error"]["Code"] == "TrimmedDataAccessException"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    state.throttle(calls=1)
    with pytest.raises(ClientError) as exc:
        client.get_records(ShardIterator=it)
    assert exc.value.response["Error"]["Code"] == "LimitExceededException"
    with pytest.raises(ClientError) as exc:
        client.describe_stream(StreamArn=arn.replace("Orders", "Nope"))
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"


@pytest.mark.violations_expected
def test_a_request_the_model_forbids_is_refused(fake: tuple[Any, Any]) -> None:
    state, _ = fake
    state.create_stream("Orders", "order_id", shards=1)
    body = json.dumps({"ShardIterator": "x", "Limit": 0, "Bogus": 1}).encode()
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    headers = {"X-Amz-Target": "DynamoDBStreams_20120810.GetRecords", "Content-Type": "application/x-amz-json-1.0"}
    signing = AWSRequest(method="POST", url=f"{state.url}/", data=body, headers=headers)
    SigV4Auth(Credentials("testing", "testing"), "dynamodb", "us-east-1").add_auth(signing)
    req = urllib.request.Request(f"{state.url}/", data=body, method="POST", headers=dict(signing.headers.items()))
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(req, timeout=5)
    assert exc.value.code == 400
    answer = json.loads(exc.value.read())
    assert answer["__type"] == "com.amazonaws.dynamodb.v20120810#ValidationException"
    assert "Bogus: unknown member" in answer["message"] and "Limit: below 1" in answer["message"]
