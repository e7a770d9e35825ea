"""AWS failures mid-apply (moto behind a fault-injecting proxy): one 500 is retried by the client; a
persistent one is reported with the resource and the request id; what was applied stays; rerun converges."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from multicloud_ctl.errors import ProviderError
from multicloud_ctl.operations import provision

sys.path.insert(0, str(Path(__file__).parent))
from faultproxy import FaultProxy

pytestmark = pytest.mark.integration
PITR = "DynamoDB_20120810.UpdateContinuousBackups"


@pytest.fixture
def proxy(aws: str) -> Iterator[FaultProxy]:
    p = FaultProxy(aws)
    yield p
    p.stop()


def test_aws_500_retried_then_reported_then_rerun_converges(local_env: Any, proxy: FaultProxy, aws_spec: Any) -> None:
    from multicloud_ctl.engine.runtime import Runtime

    env = local_env.model_copy(update={"aws": local_env.aws.model_copy(update={"endpoint_url": proxy.url})})
    spec = aws_spec("dynamodb_table", features={"secondary_region": False})
    only = ["dynamodb_table/Products"]

    proxy.fail(PITR, 1)  # one 500: botocore's retry absorbs it
    provision.apply(Runtime(env), spec, only)
    assert proxy.injected == [PITR]
    assert [p.action for p in provision.plan_resources(Runtime(env, dry_run=True), spec, only)] == ["noop"]

    proxy.fail(PITR, 100)  # persistent: every attempt fails
    with pytest.raises(ProviderError) as failed:
        provision.apply(Runtime(env), spec, ["dynamodb_table/Orders"])
    err = failed.value
    assert err.message.startswith("dynamodb_table/Orders@us-east-1: AWS UpdateContinuousBackups Orders")
    assert err.request_id and err.request_id.startswith("injected-") and err.status == 500
    # botocore's retries.max_attempts counts retries: 1 + max_attempts attempts, after the earlier single fault
    assert len(proxy.injected) == 1 + (1 + env.aws.max_attempts)
    # the table was created before the failing call; the rerun only fixes PITR
    plans = provision.plan_resources(Runtime(env, dry_run=True), spec, ["dynamodb_table/Orders"])
    assert [(p.action, [c.path for c in p.changes]) for p in plans] == [("update", ["pitr"])]
    proxy.fail(PITR, 0)
    provision.apply(Runtime(env), spec, ["dynamodb_table/Orders"])
    both = provision.plan_resources(Runtime(env, dry_run=True), spec, [*only, "dynamodb_table/Orders"])
    assert [p.action for p in both] == ["noop", "noop"]
