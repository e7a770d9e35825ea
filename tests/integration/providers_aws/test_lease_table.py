"""`LeaseTable` against moto server: the DynamoDB calls behind the environment lease (`engine/lock.py`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from multicloud_ctl.engine.runtime import Runtime
from multicloud_ctl.errors import NotFound
from multicloud_ctl.providers.aws.lease_table import LeaseItem, LeaseTable

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def table(local_env: Any, region: str | None = None) -> LeaseTable:
    return LeaseTable(Runtime(local_env).aws, local_env.aws.tables.locks, region)


def test_ensure_creates_the_table_once_with_tags(local_env: Any, aws: str) -> None:
    leases = table(local_env)
    leases.ensure({"app": "mcctl"})
    leases.ensure({"app": "mcctl"})  # already there: described, not created again
    ddb = boto3.client("dynamodb", endpoint_url=aws, region_name=local_env.aws.regions.primary)
    described = ddb.describe_table(TableName=leases.name)["Table"]
    assert described["TableStatus"] == "ACTIVE"
    assert described["KeySchema"] == [{"AttributeName": "lock", "KeyType": "HASH"}]
    tags = ddb.list_tags_of_resource(ResourceArn=described["TableArn"])["Tags"]
    assert {"Key": "app", "Value": "mcctl"} in tags


def test_missing_table_grant_is_not_found_and_items_is_empty(local_env: Any, aws: str) -> None:
    leases = table(local_env)
    with pytest.raises(NotFound):
        leases.grant("failover", "alice", NOW.isoformat(), int((NOW + timedelta(minutes=5)).timestamp()), T0)
    assert leases.items() == []


T0 = int(NOW.timestamp())
LATER = T0 + 300


def test_grant_is_conditional_and_the_token_grows_when_the_lease_changes_hands(local_env: Any, aws: str) -> None:
    leases = table(local_env)
    leases.ensure({})
    assert leases.grant("failover", "alice", NOW.isoformat(), LATER, T0) == 1
    assert leases.grant("failover", "bob", NOW.isoformat(), LATER, T0) is None  # held
    assert leases.grant("failover", "alice", NOW.isoformat(), LATER + 60, T0) == 1  # ours: extended, same token
    assert leases.items() == [LeaseItem("failover", "alice", NOW.isoformat(), LATER + 60, 1)]
    assert leases.grant("failover", "bob", NOW.isoformat(), LATER + 400, LATER + 61) == 2  # expired: bob's, token 2
    assert [(i.owner, i.token) for i in leases.items()] == [("bob", 2)]


def test_renew_needs_owner_and_token_and_release_keeps_the_token(local_env: Any, aws: str) -> None:
    leases = table(local_env)
    leases.ensure({})
    assert leases.grant("backup", "alice", NOW.isoformat(), LATER, T0) == 1
    assert leases.renew("backup", "alice", 1, LATER + 60)
    assert not leases.renew("backup", "alice", 7, LATER + 120)  # a stale token
    assert not leases.renew("backup", "bob", 1, LATER + 120)
    assert not leases.expire("backup", "bob")  # not the owner: condition fails
    assert leases.expire("backup", "alice")
    assert leases.items()[0].expires == 0
    assert leases.grant("backup", "bob", NOW.isoformat(), LATER, T0) == 2  # released: free, and the token grew
    assert leases.expire("backup")  # `lock break`: unconditional
    assert not leases.expire("nothing-here")


def test_the_table_is_per_region(local_env: Any, aws: str) -> None:
    primary, secondary = local_env.aws.regions.primary, local_env.aws.regions.secondary
    table(local_env, primary).ensure({})
    table(local_env, primary).grant("drill", "alice", NOW.isoformat(), LATER, T0)
    assert table(local_env, secondary).items() == []
    with pytest.raises(NotFound):
        table(local_env, secondary).grant("drill", "bob", NOW.isoformat(), LATER, T0)
