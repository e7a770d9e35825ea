"""A plan reads per collection, not per resource (issue 20 item 1): the calls of a plan from empty and of a
no-op plan over the whole sandbox, the listings' pagination on the fakes, and a write dropping a listing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from multicloud_ctl.config.playbook import load_playbook
from multicloud_ctl.operations import provision

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def spec(sandbox_vpn_psk: str) -> Any:
    return load_playbook(REPO / "playbooks" / "provision.yaml", "Provision").spec


def calls(rt: Any) -> int:
    return int(rt.aws.counter.total + rt.azure.guard.total + rt.cloudflare.guard.total)


def test_plan_calls_from_empty_and_when_nothing_changes(full_runtime: Any, spec: Any) -> None:
    """From empty: one listing per resource group, per region's tables and queues, one DescribeAlarms; no
    read by name of what a listing shows absent (212 calls before, one or more per resource). No-op: only
    what exists is described, and queue URLs come from the listing."""
    rt = full_runtime(dry_run=True)
    plans = provision.plan_resources(rt, spec)
    assert sum(p.action == "create" for p in plans) > 150  # (zone settings exist with any zone)
    ops = rt.aws.counter.by_operation
    regions = {p.resource.region for p in plans if p.resource.kind == "dynamodb_table"}
    assert ops["ListTables"] == len(regions) and ops["DescribeTable"] == 0
    assert ops["ListQueues"] >= 1 and ops["GetQueueUrl"] == 0
    assert ops["DescribeAlarms"] == 1
    groups = {p.resource.inputs["id"].split("/")[4].lower() for p in plans if p.resource.kind.startswith("azure_")}
    assert rt.azure.guard.total == len(groups) == 2  # ResourceGroupNotFound answers for everything in a group
    assert rt.aws.counter.mutating == rt.azure.guard.mutating == rt.cloudflare.guard.mutating == 0
    assert calls(rt) <= 60, (calls(rt), ops)

    provision.apply(full_runtime(), spec, parallelism=10)
    rt = full_runtime(dry_run=True)
    plans = provision.plan_resources(rt, spec)
    assert [p.resource.address for p in plans if p.action != "noop"] == []
    ops = rt.aws.counter.by_operation
    tables = sum(p.resource.kind == "dynamodb_table" for p in plans)
    assert ops["DescribeTable"] == tables and ops["ListTables"] == len(regions)
    assert ops["GetQueueUrl"] == 0 and ops["DescribeAlarms"] == 1
    assert rt.aws.counter.blocked == rt.azure.guard.blocked == rt.cloudflare.guard.blocked == 0
    assert calls(rt) < 412, calls(rt)  # 412 with a read by name per resource


def test_listings_follow_every_page(full_runtime: Any, arm: Any) -> None:
    """Each listing follows the API's paging (nextLink, LastEvaluatedTableName, NextToken) to the end."""
    from multicloud_ctl.providers.aws.cloudwatch import CloudWatchAdmin
    from multicloud_ctl.providers.aws.dynamodb_admin import DynamoDbAdmin
    from multicloud_ctl.providers.aws.sqs_admin import SqsAdmin
    from multicloud_ctl.providers.azure.resources import ArmResources, group_of

    rt = full_runtime()
    region = rt.aws.primary_region
    ddb, sqs, cw = (rt.aws.client(s, region) for s in ("dynamodb", "sqs", "cloudwatch"))
    for i in range(5):
        ddb.create_table(
            TableName=f"tab{i}",
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        sqs.create_queue(QueueName=f"q{i}")
    for alarm in [*(f"mcctl-test-a{i}" for i in range(5)), "other-a"]:  # the last outside the env's prefix
        cw.put_metric_alarm(
            AlarmName=alarm,
            MetricName="Errors",
            Namespace="AWS/Lambda",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1.0,
            ComparisonOperator="GreaterThanThreshold",
        )
    first = cw.describe_alarms(MaxRecords=2)  # the sandbox pages as CloudWatch does (moto alone does not)
    assert len(first["MetricAlarms"]) == 2 and first["NextToken"]
    assert DynamoDbAdmin(rt.aws, region).table_names(page_size=2) == {f"tab{i}" for i in range(5)}
    assert set(SqsAdmin(rt.aws, region).queue_urls(page_size=2)) == {f"q{i}" for i in range(5)}
    assert set(CloudWatchAdmin(rt.aws, region).alarms_with_prefix("mcctl-test-", page_size=2)) == {
        f"mcctl-test-a{i}" for i in range(5)
    }
    before = rt.aws.counter.by_operation.copy()
    assert DynamoDbAdmin(rt.aws, region).table_names() == {f"tab{i}" for i in range(5)}  # served from the listing
    assert rt.aws.counter.by_operation == before

    arm_res = ArmResources(rt.azure)
    group = arm_res.resource_id("rg", "")
    arm_res.put(group, "2021-04-01", {"location": "eastus", "tags": {}})
    sites = [arm_res.resource_id("rg", f"Microsoft.Web/sites/app-{i}") for i in range(5)]
    for site in sites:
        arm_res.put(site, "2023-12-01", {"location": "eastus"})
    arm.server.store.list_page_size = 2
    try:
        exists, ids = arm_res.group_listing(group_of(group) or "")
    finally:
        arm.server.store.list_page_size = 1000
    assert exists and ids == {s.lower() for s in sites}


def test_a_write_drops_the_listing(full_runtime: Any, arm: Any) -> None:
    """A create or delete through the clients drops the collection's listing: the next read lists again and
    sees the change; a resource absent from a fresh listing is answered without a call of its own."""
    from multicloud_ctl.providers.aws.dynamodb_admin import DynamoDbAdmin
    from multicloud_ctl.providers.aws.sqs_admin import SqsAdmin
    from multicloud_ctl.providers.azure.resources import ArmResources

    rt = full_runtime()
    region = rt.aws.primary_region
    tables = DynamoDbAdmin(rt.aws, region)
    assert tables.table_names() == frozenset()
    tables.create(
        "Fresh",
        {
            "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
        [],
    )
    assert tables.table_names() == {"Fresh"}
    tables.delete("Fresh")
    assert tables.table_names() == frozenset()
    queues = SqsAdmin(rt.aws, region)
    assert queues.queue_urls() == {}
    url = queues.create("fresh", {}, {})
    assert queues.queue_urls() == {"fresh": url}

    arm_res = ArmResources(rt.azure)
    group = arm_res.resource_id("rg", "")
    site = arm_res.resource_id("rg", "Microsoft.Web/sites/app")
    assert arm_res.get(site, "2023-12-01", listed=True) is None  # the group's listing: ResourceGroupNotFound
    guard_calls = rt.azure.guard.total
    assert arm_res.get(site + "/config/web", "2023-12-01", listed=True) is None
    assert rt.azure.guard.total == guard_calls  # known absent from the listing, no call
    arm_res.put(group, "2021-04-01", {"location": "eastus", "tags": {}})
    assert arm_res.get(group, "2021-04-01", listed=True) is not None
    arm_res.put(site, "2023-12-01", {"location": "eastus"})
    assert arm_res.get(site, "2023-12-01", listed=True) is not None  # listed again after the write
    arm_res.delete(site, "2023-12-01")
    assert arm_res.get(site, "2023-12-01", listed=True) is None
