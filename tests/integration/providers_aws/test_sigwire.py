"""`sigwire.py` against moto server: S3 listings and the lease's UpdateItems signed without botocore, the
same answers as through boto3, the fallback to boto3 for anything but a 200, and the dry-run guard."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from multicloud_ctl.engine.runtime import Runtime
from multicloud_ctl.errors import DryRunViolation, NotFound
from multicloud_ctl.providers.aws.lease_table import LeaseTable
from multicloud_ctl.providers.aws.s3 import S3Client
from multicloud_ctl.providers.aws.sigwire import SignedWire, partition_suffix, static_credentials

pytestmark = pytest.mark.integration

KEYS = ["a b/1", "a b/2+plus", "café/é", "odd/%41=b&c", "odd/x~y_z.-", "top", *(f"many/{i:04d}" for i in range(1005))]


def seeded(aws: str, local_env: Any, bucket: str) -> Any:
    s3 = boto3.client("s3", endpoint_url=aws, region_name=local_env.aws.regions.primary)
    s3.create_bucket(Bucket=bucket)
    for key in KEYS:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    return s3


def listed(client: S3Client, bucket: str, prefix: str = "", delimiter: str = "") -> list[Any]:
    return [(objs, prefixes) for objs, prefixes, _ in client.pages(bucket, prefix, delimiter=delimiter)]


def test_listings_on_the_wire_equal_botocore_s3s_and_never_make_a_boto3_client(local_env: Any, aws: str) -> None:
    boto = seeded(aws, local_env, "wire-src")
    runtime = Runtime(local_env)
    wire = S3Client.of(runtime.aws)
    assert wire.wire is not None
    plain = S3Client(boto)
    for prefix, delimiter in (("", ""), ("", "/"), ("a b/", ""), ("odd/", "/"), ("many/", ""), ("café/", "")):
        ours, theirs = listed(wire, "wire-src", prefix, delimiter), listed(plain, "wire-src", prefix, delimiter)
        assert [[(o.key, o.size, o.etag) for o in objs] for objs, _ in ours] == [
            [(o.key, o.size, o.etag) for o in objs] for objs, _ in theirs
        ]
        assert [p for _, p in ours] == [p for _, p in theirs]
    assert len(listed(wire, "wire-src", "many/")) == 2  # 1,005 keys: two pages, the continuation token signed
    assert wire.client is None and runtime.aws._clients == {}  # no boto3 client was made
    assert runtime.aws.counter.by_operation["ListObjectsV2"] == 10


def test_a_listing_not_answered_200_is_asked_again_through_boto3_and_mapped_as_before(local_env: Any, aws: str) -> None:
    runtime = Runtime(local_env)
    client = S3Client.of(runtime.aws)
    with pytest.raises(NotFound):
        list(client.list("no-such-bucket"))
    assert runtime.aws.counter.by_operation["ListObjectsV2"] == 2  # the wire's 404, then botocore's
    assert client.client is not None


def lease(local_env: Any, aws: str, dry_run: bool = False) -> tuple[LeaseTable, Runtime]:
    ddb = boto3.client("dynamodb", endpoint_url=aws, region_name=local_env.aws.regions.primary)
    name = local_env.aws.tables.locks
    if name not in ddb.list_tables()["TableNames"]:
        ddb.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "lock", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "lock", "AttributeType": "S"}],
        )
    runtime = Runtime(local_env, dry_run=dry_run)
    return LeaseTable(runtime.aws, name), runtime


def test_the_lease_updates_go_on_the_wire_with_conditions_answered(local_env: Any, aws: str) -> None:
    leases, runtime = lease(local_env, aws)
    assert leases.grant("backup", "alice", "t0", 2000, 1000) == 1
    assert leases.grant("backup", "bob", "t0", 2000, 1000) is None  # ConditionalCheckFailed: an answer
    assert leases.renew("backup", "alice", 1, 2500) and not leases.renew("backup", "bob", 1, 2500)
    assert leases.expire("backup", "alice") and not leases.expire("backup", "bob")
    assert leases.grant("backup", "bob", "t1", 3000, 1001) == 2  # released: bob's, the token grows
    assert runtime.aws._clients == {}  # every call signed by sigwire, none through boto3
    assert runtime.aws.counter.by_operation["UpdateItem"] == 8  # a refused grant tries both conditions
    assert runtime.aws.counter.mutating == 8


def test_a_missing_table_is_asked_again_through_boto3_and_is_not_found(local_env: Any, aws: str) -> None:
    runtime = Runtime(local_env)
    with pytest.raises(NotFound):
        LeaseTable(runtime.aws, "no-such-table").grant("backup", "alice", "t0", 2000, 1000)


def test_a_wire_update_under_dry_run_is_refused_before_it_is_sent(local_env: Any, aws: str) -> None:
    leases, runtime = lease(local_env, aws, dry_run=True)
    with pytest.raises(DryRunViolation):
        leases.grant("backup", "alice", "t0", 2000, 1000)
    assert runtime.aws.counter.blocked == 1 and runtime.aws.counter.mutating == 0
    ddb = boto3.client("dynamodb", endpoint_url=aws, region_name=local_env.aws.regions.primary)
    assert ddb.scan(TableName=leases.name)["Items"] == []


def test_who_gets_the_wire(local_env: Any, aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = Runtime(local_env)
    assert static_credentials(runtime.aws) is not None  # the sandbox's configured key pair
    monkeypatch.setenv("MCCTL_AWS_SIGNER", "botocore")
    assert SignedWire.make(runtime.aws, "s3", "us-east-1") is None
    monkeypatch.delenv("MCCTL_AWS_SIGNER")
    profiled = local_env.model_copy(update={"aws": local_env.aws.model_copy(update={"profile": "ops"})})
    assert static_credentials(Runtime(profiled).aws) is None  # a profile: botocore's credential chain
    assert partition_suffix("us-gov-west-1") == "amazonaws.com" and partition_suffix("cn-north-1") is None
