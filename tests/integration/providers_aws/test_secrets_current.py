"""Secrets Manager `current` against moto: what resolves `aws-secretsmanager:` references (engine/runtime.py)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from multicloud_ctl.engine.runtime import Runtime
from multicloud_ctl.errors import NotFound
from multicloud_ctl.providers.aws.secretsmanager import SecretsManager

pytestmark = pytest.mark.integration

REGION = "us-east-1"


def boto(aws: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=aws, region_name=REGION)


def test_secret_current_value_string_binary_and_missing(local_env: Any, aws: str) -> None:
    sm = boto(aws, "secretsmanager")
    arn = sm.create_secret(Name="db-url", SecretString="postgresql://one")["ARN"]
    sm.put_secret_value(SecretId=arn, SecretString="postgresql://two")
    binary = sm.create_secret(Name="blob", SecretBinary=b"bytes-value")["ARN"]
    rt = Runtime(local_env)
    secrets = SecretsManager(rt.aws)
    assert secrets.current(arn) == "postgresql://two"
    assert secrets.current("db-url") == "postgresql://two"
    assert secrets.current(binary) == "bytes-value"
    with pytest.raises(NotFound):
        secrets.current("arn:aws:secretsmanager:us-east-1:123456789012:secret:gone-AbCdEf")
    # and the runtime's resolver goes through it
    assert rt.secrets.resolve(f"aws-secretsmanager:{arn}") == "postgresql://two"
    assert rt.aws.counter.mutating == 0
