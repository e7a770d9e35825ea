"""DynamoDB + S3 against moto: apply from empty, second apply no-op, drift, repair, dry-run."""

from __future__ import annotations

from typing import Any

import pytest

from multicloud_ctl.operations import provision

pytestmark = pytest.mark.integration


def actions(plans: list[Any]) -> dict[str, str]:
    return {p.address: p.action for p in plans}


def test_apply_from_empty_then_noop(runtime_for: Any, aws_spec: Any) -> None:
    spec = aws_spec("dynamodb_table", "s3_bucket")
    first = provision.plan_resources(runtime_for(dry_run=True), spec)
    assert set(actions(first).values()) == {"create"}
    assert "dynamodb_table/Products@us-east-1" in actions(first)
    assert "s3_bucket/static-assets-us-west-2" in actions(first)
    provision.apply(runtime_for(), spec)
    second = provision.plan_resources(runtime_for(dry_run=True), spec)
    assert {a: p for a, p in actions(second).items() if p != "noop"} == {}
    plan = provision.apply_plan(runtime_for(dry_run=True), spec)
    assert plan.is_empty


def test_s3_replication_and_billing_mode_change(runtime_for: Any, aws_spec: Any, local_env: Any) -> None:
    env = local_env.model_copy(update={"aws": local_env.aws.model_copy(update={"s3_replication": True})})
    spec = aws_spec("s3_bucket")
    provision.apply(runtime_for(env=env), spec)
    assert {p.action for p in provision.plan_resources(runtime_for(env=env, dry_run=True), spec)} == {"noop"}
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=env.endpoints().aws,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    rule = s3.get_bucket_replication(Bucket="product-images")["ReplicationConfiguration"]["Rules"][0]
    assert rule["Destination"]["Bucket"] == "arn:aws:s3:::product-images-us-west-2"

    ddb_spec = aws_spec(
        "dynamodb_table",
        features={"secondary_region": False},
        kinds={"dynamodb_table": {"billing_mode": "PROVISIONED"}},
    )
    provision.apply(runtime_for(), aws_spec("dynamodb_table", features={"secondary_region": False}))
    plans = provision.plan_resources(runtime_for(dry_run=True), ddb_spec)
    assert {str(c) for p in plans for c in p.changes} == {"billing_mode: 'PAY_PER_REQUEST' -> 'PROVISIONED'"}
