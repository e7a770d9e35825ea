"""The issue's scenarios on the whole sandbox (moto + fake ARM + fake edge + SQLite): apply from empty,
second apply no-op, drift behind the tool's back, repair, dry-run makes zero mutating calls, destroy leaves
untagged resources alone, and failures mid-apply are retried, reported with resource + request id, rerun."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from multicloud_ctl.config.playbook import load_playbook
from multicloud_ctl.engine.run import Operation, run
from multicloud_ctl.errors import ProviderError
from multicloud_ctl.local.faults import FaultRule
from multicloud_ctl.operations import provision

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[3]


def pending(plans: list[Any]) -> dict[str, Any]:
    return {p.address: [str(c) for c in p.changes] or p.action for p in plans if p.action != "noop"}


def sdk(env: Any, service: str, region: str = "us-east-1") -> Any:
    return boto3.client(
        service,
        endpoint_url=env.endpoints().aws,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def spec(sandbox_vpn_psk: str) -> Any:
    return load_playbook(REPO / "playbooks" / "provision.yaml", "Provision").spec


@pytest.mark.slow
def test_whole_system_apply_noop_drift_repair_dry_run(full_runtime: Any, spec: Any, arm: Any, edge: Any) -> None:
    # --dry-run on empty clouds: a full plan, zero mutating calls at any client boundary, nothing created
    rt = full_runtime(dry_run=True)
    plan = provision.apply_plan(rt, spec)
    run(rt, Operation("provision apply", lambda _rt: plan))
    kinds = {s.resource.split("/")[0] for s in plan.steps}
    assert {"dynamodb_table", "s3_bucket", "azure_sql_server", "cf_load_balancer", "sql_schema"} <= kinds
    assert rt.aws.counter.total > 0 and rt.aws.counter.mutating == 0 and rt.aws.counter.blocked == 0
    assert rt.azure.guard.total > 0 and rt.azure.guard.mutating == 0 and rt.azure.guard.blocked == 0
    assert rt.cloudflare.guard.total > 0 and rt.cloudflare.guard.mutating == 0
    assert arm.server.store.resources == {} and sdk(rt.environment, "dynamodb").list_tables()["TableNames"] == []

    # apply from empty, then the second plan is all no-op
    provision.apply(full_runtime(), spec)
    assert pending(provision.plan_resources(full_runtime(dry_run=True), spec)) == {}

    # behind the tool's back: PITR off, bucket encryption removed, pools reordered
    env = rt.environment
    ddb = sdk(env, "dynamodb")
    ddb.update_continuous_backups(
        TableName="Products", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}
    )
    sdk(env, "s3").delete_bucket_encryption(Bucket="product-images")
    cf = full_runtime().cloudflare
    lb = cf.find_load_balancer("api")
    cf.edit_load_balancer(lb.id, default_pools=list(reversed(lb.default_pools)))
    found = {(i.address, i.path) for i in provision.find_drift(full_runtime(dry_run=True), spec) if not i.allowed}
    assert found == {
        ("dynamodb_table/Products@us-east-1", "pitr"),
        ("s3_bucket/product-images", "encryption"),
        ("cf_load_balancer/api.shop.local", "default_pools"),
    }

    # apply repairs exactly those three
    repair = provision.apply_plan(full_runtime(dry_run=True), spec)
    assert sorted(s.resource for s in repair.steps) == [
        "cf_load_balancer/api.shop.local",
        "dynamodb_table/Products@us-east-1",
        "s3_bucket/product-images",
    ]
    provision.apply(full_runtime(), spec)
    assert provision.find_drift(full_runtime(dry_run=True), spec) == []


def test_disabled_stream_is_drift(runtime_for: Any, aws_spec: Any) -> None:
    spec = aws_spec("dynamodb_table", features={"secondary_region": False})
    provision.apply(runtime_for(), spec)
    sdk(runtime_for().environment, "dynamodb").update_table(
        TableName="Orders", StreamSpecification={"StreamEnabled": False}
    )
    items = provision.find_drift(runtime_for(dry_run=True), spec)
    assert [(i.address, i.path, i.live, i.desired) for i in items] == [
        ("dynamodb_table/Orders@us-east-1", "stream", None, "NEW_AND_OLD_IMAGES")
    ]
    # moto 5.2.5 refuses to re-enable a stream once disabled (real DynamoDB allows it): the repair fails
    # and the failure names the resource and AWS's request id.
    with pytest.raises(ProviderError) as failed:
        provision.apply(runtime_for(), spec)
    assert failed.value.message.startswith("dynamodb_table/Orders@us-east-1: AWS UpdateTable Orders")
    assert failed.value.request_id and "request id" in failed.value.message


def test_destroy_leaves_untagged_and_foreign_resources_alone(runtime_for: Any, aws_spec: Any) -> None:
    spec = aws_spec("dynamodb_table", "s3_bucket", "sqs_queue", features={"secondary_region": False})
    provision.apply(runtime_for(), spec)
    env = runtime_for().environment
    s3, ddb = sdk(env, "s3"), sdk(env, "dynamodb")
    s3.delete_bucket_tagging(Bucket="static-assets")  # lost our tags: not provably ours any more
    users_arn = ddb.describe_table(TableName="Users")["Table"]["TableArn"]
    ddb.tag_resource(ResourceArn=users_arn, Tags=[{"Key": "environment", "Value": "prod"}])  # someone else's
    ddb.create_table(
        TableName="Unrelated",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
    )
    rt = runtime_for()
    plan = provision.destroy_plan(rt, spec)
    skipped = {r["address"]: r.get("reason") for r in plan.summary["resources"] if r["action"] == "skip"}
    assert set(skipped) == {"s3_bucket/static-assets", "dynamodb_table/Users@us-east-1"}
    assert run(rt, Operation("provision destroy", lambda _rt: plan)).status == "ok"
    assert sorted(ddb.list_tables()["TableNames"]) == ["Unrelated", "Users", "mcctl-locks"]  # + the lease table
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["static-assets"]


def test_arm_failures_are_retried_then_reported_and_rerun_converges(
    cloud_runtime: Any, aws_spec: Any, arm: Any
) -> None:
    spec = aws_spec(
        "azure_resource_group", "azure_storage_account", "azure_blob_container", features={"secondary_region": False}
    )
    faults = arm.server.faults
    # one 500 on the storage account PUT: the SDK's retry policy absorbs it
    faults.arm(FaultRule(path=r"storageAccounts/devstoreaccount1$", status=500, count=1, method="PUT"))
    provision.apply(cloud_runtime(), spec)
    assert faults.rules == []  # the fault fired
    assert pending(provision.plan_resources(cloud_runtime(dry_run=True), spec)) == {}

    # a persistent failure on the container: reported with the resource and the request id
    arm.server.store.reset()
    faults.arm(FaultRule(path=r"/containers/backups$", status=503, count=50, method="PUT"))
    with pytest.raises(ProviderError) as failed:
        provision.apply(cloud_runtime(), spec)
    assert failed.value.message.startswith("azure_blob_container/devstoreaccount1/backups: ")
    assert failed.value.request_id and failed.value.status == 503
    # what was applied stays; the rerun converges
    partial = {p.address: p.action for p in provision.plan_resources(cloud_runtime(dry_run=True), spec)}
    assert partial == {
        "azure_resource_group/mcctl-local": "noop",
        "azure_storage_account/devstoreaccount1": "noop",
        "azure_blob_container/devstoreaccount1/backups": "create",
    }
    faults.clear()
    provision.apply(cloud_runtime(), spec)
    assert pending(provision.plan_resources(cloud_runtime(dry_run=True), spec)) == {}
