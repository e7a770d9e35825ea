"""Enhanced AWS capacity: a failover to AWS raises Lambda reserved concurrency, and a rollback restores it."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
from test_failover_cli import lb_state, run, write_playbook

from aws_support import create_function
from multicloud_ctl.providers.cloudflare.client import CloudflareClient

pytestmark = pytest.mark.integration

CAPACITY = """  enhanced_capacity:
    lambda:
      - {function: order-service, reserved_concurrency: 50}
"""


@pytest.fixture
def function(aws: str) -> Any:
    iam = boto3.client("iam", endpoint_url=aws, region_name="us-east-1")
    role = iam.create_role(
        RoleName="lambda",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )["Role"]["Arn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", "def handler(e, c):\n    return e\n")
    client = boto3.client("lambda", endpoint_url=aws, region_name="us-east-1")
    create_function(
        client,
        FunctionName="order-service",
        Runtime="python3.11",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": buf.getvalue()},
    )
    return client


def serve_azure_first(env: Any, lb: dict[str, str]) -> None:
    CloudflareClient(env).edit_load_balancer(lb["lb"], default_pools=[lb["azure"], lb["aws"]], fallback_pool=lb["aws"])


def test_failover_to_aws_raises_reserved_concurrency(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], function: Any, tmp_path: Path
) -> None:
    serve_azure_first(fo_env, lb)
    book = write_playbook(tmp_path, "aws", extra=CAPACITY)
    res = run(cli, fo_config, "failover", "--to", "aws", "--playbook", str(book), "--yes")
    assert res.exit_code == 0, res.stderr
    assert lb_state(fo_env, lb)[0] == ("aws", "azure")
    assert function.get_function_concurrency(FunctionName="order-service")["ReservedConcurrentExecutions"] == 50


def test_rollback_restores_concurrency(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], function: Any, tmp_path: Path
) -> None:
    serve_azure_first(fo_env, lb)
    book = write_playbook(tmp_path, "aws", deadline=1, extra=CAPACITY)
    book.write_text(book.read_text().replace("verify: {", "verify: {origin_header: x-not-set, "))
    res = run(cli, fo_config, "failover", "--to", "aws", "--playbook", str(book), "--yes")
    assert res.exit_code == 1
    assert lb_state(fo_env, lb)[0] == ("azure", "aws")
    assert "ReservedConcurrentExecutions" not in function.get_function_concurrency(FunctionName="order-service")
