"""GetRecords sent and parsed by `providers/aws/jsonwire.py`: the same records boto3 reads, signed as AWS checks
signatures (the fake recomputes them), errors still decided by boto3, and never a mutating call."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from typing import Any

import boto3
import pytest

from multicloud_ctl.errors import EndpointUnreachable

pytestmark = pytest.mark.integration


def _clients(local_env: Any, url: str) -> Any:
    from multicloud_ctl.config.secrets import SecretResolver
    from multicloud_ctl.providers.aws.session import AwsClients

    aws = local_env.aws.model_copy(update={"endpoint_url": url, "max_attempts": 2})
    return AwsClients(local_env.model_copy(update={"aws": aws}), SecretResolver())


def _boto(url: str) -> Any:
    return boto3.client(
        "dynamodbstreams",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_records_match_what_boto3_reads_and_normalize_the_same(local_env: Any, fake: Any) -> None:
    from multicloud_ctl.functions.cdc.apply import normalize_record
    from multicloud_ctl.providers.aws.dynamodb_streams import DynamoStreamsClient

    arn = fake.create_stream("Orders", "order_id", shards=1)
    (shard,) = fake.open_shards("Orders")
    fake.put("Orders", shard, "a", {"status": {"S": "new"}, "blob": {"B": "AAEC/w=="}, "total": {"N": "1.5"}})
    fake.put("Orders", shard, "b", None)
    fake.put("Orders", shard, "c", {"status": {"S": "päid"}, "tags": {"SS": ["x", "y"]}, "n": {"NULL": True}})
    clients = _clients(local_env, fake.url)
    ours = DynamoStreamsClient(clients)
    page = ours.get_records(ours.shard_iterator(arn, shard), 100)
    theirs = _boto(fake.url)
    it = theirs.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    reference = theirs.get_records(ShardIterator=it, Limit=100)

    assert len(page.records) == len(reference["Records"]) == 3
    assert page.next_iterator  # an open shard always has a next iterator
    for raw, ref in zip(page.records, reference["Records"], strict=True):
        a, b = normalize_record(raw), normalize_record(ref)
        assert (a.event, a.seq, a.created, a.key_id) == (b.event, b.seq, b.created, b.key_id)
        assert a.created is not None and a.created.tzinfo is not None
    first = normalize_record(page.records[0])
    assert first.new_image is not None and first.new_image["blob"] == {"B": "AAEC/w=="}  # base64, as in a Lambda event
    assert clients.counter.by_operation["GetRecords"] == 1  # counted where the client's calls are


def test_an_error_answer_is_asked_again_through_boto3_and_mapped(local_env: Any, fake: Any) -> None:
    from multicloud_ctl.providers.aws.dynamodb_streams import DynamoStreamsClient, IteratorExpired

    arn = fake.create_stream("Orders", "order_id", shards=1)
    (shard,) = fake.open_shards("Orders")
    fake.put("Orders", shard, "a", {"status": {"S": "new"}})
    fake.expire_every = 1  # every GetRecords answers ExpiredIteratorException
    clients = _clients(local_env, fake.url)
    ours = DynamoStreamsClient(clients)
    with pytest.raises(IteratorExpired):
        ours.get_records(ours.shard_iterator(arn, shard), 100)
    assert clients.counter.by_operation["GetRecords"] == 2  # ours, then boto3's whose error code decides


def test_only_reads_are_sent_this_way(local_env: Any, fake: Any) -> None:
    from multicloud_ctl.providers.aws.jsonwire import JsonWire

    clients = _clients(local_env, fake.url)
    wire = JsonWire(clients.client("dynamodbstreams"), clients)
    with pytest.raises(ValueError, match="not a read"):
        wire.call("PutItem", {})
    assert clients.counter.total == 0


def test_a_dead_endpoint_is_one_line_not_a_hang(local_env: Any) -> None:
    from multicloud_ctl.providers.aws.dynamodb_streams import DynamoStreamsClient

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: connections are refused
        ours = DynamoStreamsClient(_clients(local_env, f"http://127.0.0.1:{port}"))
        with pytest.raises(EndpointUnreachable) as exc:
            ours.get_records("some-iterator", 10)
    assert "GetRecords" in str(exc.value) and "\n" not in str(exc.value)
    assert exc.value.hint and "local up" in exc.value.hint


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(f"{url}/", data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _signed(url: str, body: bytes, *, service: str = "dynamodb", key: str = "testing", secret: str = "testing") -> Any:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    headers = {"X-Amz-Target": "DynamoDBStreams_20120810.ListStreams", "Content-Type": "application/x-amz-json-1.0"}
    request = AWSRequest(method="POST", url=f"{url}/", data=body, headers=headers)
    SigV4Auth(Credentials(key, secret), service, "us-east-1").add_auth(request)
    return dict(request.headers.items())


@pytest.mark.violations_expected
@pytest.mark.parametrize(
    ("how", "code"),
    [
        ("unsigned", "MissingAuthenticationTokenException"),
        ("scoped to dynamodbstreams", "InvalidSignatureException"),
        ("wrong secret", "InvalidSignatureException"),
        ("body changed after signing", "InvalidSignatureException"),
        ("unknown key", "UnrecognizedClientException"),
    ],
)
def test_the_fake_refuses_what_aws_refuses_of_a_signature(fake: Any, how: str, code: str) -> None:
    body = b"{}"
    headers = {
        "unsigned": {
            "X-Amz-Target": "DynamoDBStreams_20120810.ListStreams",
            "Content-Type": "application/x-amz-json-1.0",
        },
        "scoped to dynamodbstreams": _signed(fake.url, body, service="dynamodbstreams"),
        "wrong secret": _signed(fake.url, body, secret="nope"),
        "body changed after signing": _signed(fake.url, b'{"Limit":1}'),
        "unknown key": _signed(fake.url, body, key="AKIAEXAMPLE"),
    }[how]
    status, answer = _post(fake.url, body, headers)
    assert status == 400
    assert answer["__type"].endswith(f"#{code}")
    status, answer = _post(fake.url, body, _signed(fake.url, body))
    assert status == 200 and "Streams" in answer  # the same request, signed properly, passes
