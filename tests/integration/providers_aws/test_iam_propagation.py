"""IAM is eventually consistent: Lambda refuses a role created a moment ago, and mcctl waits for it.

The session's moto (local/moto_strict.py) refuses the first CreateFunction naming a new role with Lambda's own
error, as AWS does for a few seconds after CreateRole; `LambdaClient` retries that error (and only that error).
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from multicloud_ctl.engine.runtime import Runtime
from multicloud_ctl.errors import ProviderError
from multicloud_ctl.providers.aws.lambda_ import LambdaClient, LambdaRole, not_yet_propagated

pytestmark = pytest.mark.integration


def code(aws: str) -> tuple[str, str]:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", "def handler(e, c):\n    return e\n")
    s3 = boto3.client("s3", endpoint_url=aws, region_name="us-east-1")
    s3.create_bucket(Bucket="artifacts")
    s3.put_object(Bucket="artifacts", Key="fn.zip", Body=buf.getvalue())
    return "artifacts", "fn.zip"


def test_the_sandbox_refuses_a_role_that_has_not_propagated(aws: str) -> None:
    iam = boto3.client("iam", endpoint_url=aws, region_name="us-east-1")
    trust = {"Version": "2012-10-17", "Statement": []}
    role = iam.create_role(RoleName="fresh", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    bucket, key = code(aws)
    lam = boto3.client("lambda", endpoint_url=aws, region_name="us-east-1")
    kwargs: dict[str, Any] = {
        "FunctionName": "f",
        "Runtime": "python3.11",
        "Role": role,
        "Handler": "app.handler",
        "Code": {"S3Bucket": bucket, "S3Key": key},
    }
    with pytest.raises(ClientError) as refused:
        lam.create_function(**kwargs)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "cannot be assumed by Lambda" in refused.value.response["Error"]["Message"]
    assert lam.create_function(**kwargs)["FunctionName"] == "f"  # propagated by now


def test_mcctl_waits_for_a_new_role_to_propagate(aws: str, local_env: Any) -> None:
    clients = Runtime(local_env).aws
    arn = LambdaRole(clients).create("mcctl-fresh", {"owner": "platform"})
    bucket, key = code(aws)
    info = LambdaClient(clients).create_function(
        "order-service",
        role_arn=arn,
        handler="app.handler",
        runtime="python3.11",
        bucket=bucket,
        key=key,
        memory=128,
        timeout=3,
        env={},
        tags={},
    )
    assert info.name == "order-service"


def test_only_the_propagation_errors_are_retried() -> None:
    assert not_yet_propagated(
        ProviderError(
            "AWS CreateFunction f: InvalidParameterValueException: "
            "The role defined for the function cannot be assumed by Lambda."
        )
    )
    assert not not_yet_propagated(ProviderError("AWS CreateFunction f: InvalidParameterValueException: bad runtime"))
    assert not not_yet_propagated(ValueError("The role defined for the function cannot be assumed by Lambda."))
