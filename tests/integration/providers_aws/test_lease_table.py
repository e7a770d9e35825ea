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


def test_missing_table_put_is_not_found_and_items_is_empty(local_env: Any, aws: str) -> None:
    leases = table(local_env)
    with pytest.raises(NotFound):
        leases.put("failover", "alice", since=NOW, expires=NOW + timedelta(minutes=5), now=NOW)
    assert leases.items() == []


def test_put_is_conditional_on_free_or_expired(local_env: Any, aws: str) -> None:
    leases = table(local_env)
    leases.ensure({})
    later = NOW + timedelta(minutes=5)
    assert leases.put("failover", "alice", since=NOW, expires=later, now=NOW)
    assert not leases.put("failover", "bob", since=NOW, expires=later, now=NOW)  # held
    assert leases.items() == [LeaseItem("failover", "alice", NOW.isoformat(), int(later.timestamp()))]
    after = later + timedelta(seconds=1)
    assert leases.put("failover", "bob", since=after, expires=after + timedelta(minutes=5), now=after)
    assert [i.owner for i in leases.items()] == ["bob"]


def test_delete_by_owner_only_unless_broken(local_env: Any, aws: str) -> None:
    leases = table(local_env)
    leases.ensure({})
    leases.put("backup", "alice", since=NOW, expires=NOW + timedelta(minutes=5), now=NOW)
    assert not leases.delete("backup", "bob")  # not the owner: condition fails, nothing deleted
    assert [i.owner for i in leases.items()] == ["alice"]
    assert leases.delete("backup", "alice")
    assert leases.items() == []
    leases.put("backup", "alice", since=NOW, expires=NOW + timedelta(minutes=5), now=NOW)
    assert leases.delete("backup")  # `lock break`: unconditional
    assert leases.items() == []


def test_the_table_is_per_region(local_env: Any, aws: str) -> None:
    primary, secondary = local_env.aws.regions.primary, local_env.aws.regions.secondary
    table(local_env, primary).ensure({})
    table(local_env, primary).put("drill", "alice", since=NOW, expires=NOW + timedelta(minutes=5), now=NOW)
    assert table(local_env, secondary).items() == []
    with pytest.raises(NotFound):
        table(local_env, secondary).put("drill", "bob", since=NOW, expires=NOW + timedelta(minutes=5), now=NOW)
