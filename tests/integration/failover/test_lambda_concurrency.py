"""LambdaConcurrency (failover's enhanced capacity) against moto: reserved get/put/delete, dry-run guard."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import boto3
import pytest

from aws_support import create_function
from multicloud_ctl import errors
from multicloud_ctl.engine.runtime import Runtime
from multicloud_ctl.providers.aws.lambda_concurrency import LambdaConcurrency

pytestmark = pytest.mark.integration


@pytest.fixture
def fn(aws: str) -> str:
    iam = boto3.client("iam", endpoint_url=aws, region_name="us-east-1")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = iam.create_role(RoleName="lambda", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", "def handler(e, c):\n    return e\n")
    create_function(
        boto3.client("lambda", endpoint_url=aws, region_name="us-east-1"),
        FunctionName="order-service",
        Runtime="python3.11",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": buf.getvalue()},
    )
    return "order-service"


def test_reserved_concurrency_put_get_delete(local_env: Any, fn: str) -> None:
    lc = LambdaConcurrency(Runtime(local_env).aws)
    assert lc.reserved(fn) is None
    assert lc.put_reserved(fn, 25) == 25
    assert lc.reserved(fn) == 25
    lc.delete_reserved(fn)
    assert lc.reserved(fn) is None


def test_missing_function_maps_to_not_found(local_env: Any, aws: str) -> None:
    with pytest.raises(errors.NotFound) as info:
        LambdaConcurrency(Runtime(local_env).aws).put_reserved("nope", 5)
    assert info.value.provider == "aws" and "PutFunctionConcurrency" in str(info.value)


def test_dry_run_refuses_changes_and_allows_reads(local_env: Any, fn: str) -> None:
    rt = Runtime(local_env, dry_run=True)
    lc = LambdaConcurrency(rt.aws)
    assert lc.reserved(fn) is None
    for change in (
        lambda: lc.put_reserved(fn, 5),
        lambda: lc.delete_reserved(fn),
        lambda: lc.put_provisioned(fn, "live", 2),
        lambda: lc.delete_provisioned(fn, "live"),
    ):
        with pytest.raises(errors.DryRunViolation):
            change()
    assert rt.aws.counter.mutating == 0 and rt.aws.counter.blocked == 4
    assert LambdaConcurrency(Runtime(local_env).aws).reserved(fn) is None
