"""The IAM policy `mcctl permissions --cloud aws` prints is one IAM accepts (moto's policy validator)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]


def test_moto_iam_accepts_the_policy(cli: Any, aws: str) -> None:
    """IAM (moto's validator) takes the printed document as a managed policy: it is syntactically valid."""
    import boto3

    res = cli("--config-dir", str(REPO / "config"), "permissions", "--cloud", "aws", "-o", "json")
    assert res.exit_code == 0, res.stderr
    policy = res.stdout
    iam = boto3.client(
        "iam", endpoint_url=aws, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    arn = iam.create_policy(PolicyName="mcctl-operator", PolicyDocument=policy)["Policy"]["Arn"]
    stored = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]["Document"]
    assert (json.loads(stored) if isinstance(stored, str) else stored) == json.loads(policy)
