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
