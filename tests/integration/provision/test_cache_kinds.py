"""The caches, both clouds, against moto (strict ElastiCache, local/moto_elasticache.py) and the fake ARM
(local/arm/redis.py) through the real SDKs: converge in both regions, no drift, the AUTH token only ever as its
reference (plans, journals, drift), what deploy gives the functions, refusals as the services refuse, destroy."""

from __future__ import annotations

import json
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from botocore.exceptions import ClientError

from multicloud_ctl.operations import provision

pytestmark = pytest.mark.integration

CACHE_KINDS = (
    "vpc",
    "subnet",
    "elasticache_subnet_group",
    "elasticache_replication_group",
    "azure_resource_group",
    "azure_redis_cache",
)
NEW_KINDS = {"elasticache_subnet_group", "elasticache_replication_group", "azure_redis_cache"}
TOKEN = "Sandbox-token-for-tests-0123456789"


def pending(plans: list[Any]) -> dict[str, Any]:
    return {p.address: [str(c) for c in p.changes] or p.action for p in plans if p.action != "noop"}


def elasticache(env: Any, region: str) -> Any:
    import boto3

    return boto3.client("elasticache", endpoint_url=env.endpoints().aws, region_name=region)


def journals(env: Any) -> str:
    return "".join(p.read_text() for p in (env.env_state_dir / "journal").rglob("*") if p.is_file())


def test_caches_converge_in_both_regions_token_never_shown_and_destroy(
    cloud_runtime: Any, aws_spec: Any, arm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MCCTL_REDIS_AUTH_TOKEN", TOKEN)
    spec = aws_spec(*CACHE_KINDS)
    dry = provision.apply_plan(cloud_runtime(dry_run=True), spec)
    planned = json.dumps([s.params for s in dry.steps], default=str)
    assert "env:MCCTL_REDIS_AUTH_TOKEN" in planned and TOKEN not in planned  # the reference, never the token
    provision.apply(cloud_runtime(), spec)
    assert pending(provision.plan_resources(cloud_runtime(dry_run=True), spec)) == {}
    assert provision.find_drift(cloud_runtime(dry_run=True), spec) == []
    env = cloud_runtime().environment
    assert journals(env) and TOKEN not in journals(env)

    for region, short in (("us-east-1", "use1"), ("us-west-2", "usw2")):
        group = elasticache(env, region).describe_replication_groups(ReplicationGroupId="mcctl-local-sessions")
        g = group["ReplicationGroups"][0]
        assert (g["MultiAZ"], g["AutomaticFailover"]) == ("enabled", "enabled")
        assert g["TransitEncryptionEnabled"] and g["AtRestEncryptionEnabled"] and g["AuthTokenEnabled"]
        assert len(g["MemberClusters"]) == 2 and TOKEN not in json.dumps(g, default=str)
        assert f".{short}.cache.amazonaws.com" in g["NodeGroups"][0]["PrimaryEndpoint"]["Address"]
        subnets = elasticache(env, region).describe_cache_subnet_groups(CacheSubnetGroupName="mcctl-local-cache")
        assert len(subnets["CacheSubnetGroups"][0]["Subnets"]) == 2
    caches = {r["location"]: r for r in arm.server.store.resources.values() if r["type"] == "Microsoft.Cache/redis"}
    assert set(caches) == {"eastus", "westus"}
    for cache in caches.values():
        props = cache["properties"]
        assert props["enableNonSslPort"] is False and props["minimumTlsVersion"] == "1.2"
        assert props["sslPort"] == 6380 and props["hostName"] == f"{cache['name']}.redis.cache.windows.net"
        assert "accessKeys" not in props

    # a changed playbook shows as drift without the token, and the functions' settings name the caches
    changed = aws_spec(*CACHE_KINDS, kinds={"elasticache_replication_group": {"node_type": "cache.r7g.large"}})
    drift = json.dumps(
        [
            d.to_dict() if hasattr(d, "to_dict") else d
            for d in provision.find_drift(cloud_runtime(dry_run=True), changed)
        ],
        default=str,
    )
    assert "cache.r7g.large" in drift and TOKEN not in drift
    _functions_settings_name_the_provisioned_caches(cloud_runtime())

    rt = cloud_runtime()
    destroy = provision.destroy_plan(rt, spec)
    assert {s.resource.split("/")[0] for s in destroy.steps} >= NEW_KINDS
    from multicloud_ctl.engine.run import Operation, run

    assert run(rt, Operation("provision destroy", lambda _rt: destroy)).status == "ok"
    assert {p.action for p in provision.plan_resources(cloud_runtime(dry_run=True), spec)} == {"create"}
    for region in ("us-east-1", "us-west-2"):
        assert elasticache(env, region).describe_replication_groups()["ReplicationGroups"] == []
        assert elasticache(env, region).describe_cache_subnet_groups()["CacheSubnetGroups"] == []
    assert arm.server.store.resources == {}


def _functions_settings_name_the_provisioned_caches(rt: Any) -> None:
    """Deploy's settings: the Lambdas get the ElastiCache primary endpoint over TLS and the token's reference,
    the Azure functions the cache's TLS port; on the sandbox both are the machine's Redis."""
    from multicloud_ctl.operations.deploy.cache_endpoint import find_cache
    from multicloud_ctl.operations.deploy.fnenv import function_env

    cloud = rt.environment.model_copy(update={"kind": "cloud"})  # a cloud environment's settings, same caches
    aws = function_env(cloud, "aws", None, find_cache(rt, "aws"))
    assert aws["MCCTL_FN_REDIS_URL"].startswith("rediss://master.mcctl-local-sessions.")
    assert aws["MCCTL_FN_REDIS_URL"].endswith(".use1.cache.amazonaws.com:6379/0")
    assert aws["MCCTL_FN_REDIS_PASSWORD"] == "env:MCCTL_REDIS_AUTH_TOKEN"
    azure = function_env(cloud, "azure", None, find_cache(rt, "azure"))
    assert azure["MCCTL_FN_REDIS_URL"] == "rediss://mcctl-local-cache.redis.cache.windows.net:6380/0"
    assert "MCCTL_FN_REDIS_PASSWORD" not in azure
    for fn in ("aws", "azure"):
        local = function_env(rt.environment, fn, None, find_cache(rt, fn))
        assert local["MCCTL_FN_REDIS_URL"] == "redis://127.0.0.1:6379/0" and "MCCTL_FN_REDIS_PASSWORD" not in local


def test_a_token_elasticache_refuses_fails_the_apply_without_showing_it(
    cloud_runtime: Any, aws_spec: Any, arm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = "has/slash@and-is-long-enough"
    monkeypatch.setenv("MCCTL_REDIS_AUTH_TOKEN", bad)
    from multicloud_ctl.errors import McctlError

    with pytest.raises(McctlError) as err:
        provision.apply(cloud_runtime(), aws_spec(*CACHE_KINDS))
    assert "refused by ElastiCache" in str(err.value) and bad not in str(err.value)
    assert bad not in journals(cloud_runtime().environment)


def test_moto_refuses_what_elasticache_refuses(local_env: Any) -> None:
    import boto3

    ec2 = boto3.client("ec2", endpoint_url=local_env.endpoints().aws, region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.30.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]
    c = elasticache(local_env, "us-east-1")
    c.create_cache_subnet_group(
        CacheSubnetGroupName="g", CacheSubnetGroupDescription="d", SubnetIds=[subnet["SubnetId"]]
    )
    base = {"ReplicationGroupId": "rg", "ReplicationGroupDescription": "d", "CacheNodeType": "cache.t4g.small"}
    cases = [
        ({"Engine": "memcached"}, "InvalidParameterValue"),
        ({"NumCacheClusters": 7}, "InvalidParameterValue"),
        ({"NumCacheClusters": 1, "AutomaticFailoverEnabled": True}, "InvalidParameterCombination"),
        ({"NumCacheClusters": 2, "MultiAZEnabled": True}, "InvalidParameterCombination"),
        ({"AuthToken": "a-long-enough-token-123"}, "InvalidParameterCombination"),  # no TLS
        ({"AuthToken": "short", "TransitEncryptionEnabled": True}, "InvalidParameterValue"),
        ({"AuthToken": 'with"quote-and-long-enough', "TransitEncryptionEnabled": True}, "InvalidParameterValue"),
        ({"CacheSubnetGroupName": "missing"}, "CacheSubnetGroupNotFoundFault"),
    ]
    for extra, code in cases:
        with pytest.raises(ClientError) as err:
            c.create_replication_group(**base, **extra)
        assert err.value.response["Error"]["Code"] == code, extra
    made = c.create_replication_group(
        **base,
        NumCacheClusters=3,
        AutomaticFailoverEnabled=True,
        MultiAZEnabled=True,
        TransitEncryptionEnabled=True,
        AuthToken="Fine-token&with$specials42",
        CacheSubnetGroupName="g",
    )["ReplicationGroup"]
    assert len(made["MemberClusters"]) == 3 and made["AuthTokenEnabled"]
    with pytest.raises(ClientError, match="CacheSubnetGroupInUse"):
        c.delete_cache_subnet_group(CacheSubnetGroupName="g")
    assert c.delete_replication_group(ReplicationGroupId="rg")["ReplicationGroup"]["Status"] == "deleting"
    with pytest.raises(ClientError, match="ReplicationGroupNotFoundFault"):
        c.describe_replication_groups(ReplicationGroupId="rg")
    c.delete_cache_subnet_group(CacheSubnetGroupName="g")
    with pytest.raises(ClientError, match="CacheSubnetGroupNotFoundFault"):
        c.delete_cache_subnet_group(CacheSubnetGroupName="g")


@pytest.mark.violations_expected  # every PUT here is refused on purpose
def test_the_fake_arm_refuses_what_the_cache_rp_refuses(cloud_runtime: Any, aws_spec: Any, arm: Any) -> None:
    provision.apply(cloud_runtime(), aws_spec("azure_resource_group"))
    az = cloud_runtime().azure.resources.resources
    env = cloud_runtime().environment
    base = f"/subscriptions/{env.azure.subscription_id}/resourceGroups/{env.azure.resource_group}/providers"
    cache = f"{base}/Microsoft.Cache/redis"

    def refused(name: str, props: dict[str, Any]) -> tuple[int, str]:
        with pytest.raises(HttpResponseError) as err:
            body = {"location": "eastus", "properties": props}
            az.begin_create_or_update_by_id(f"{cache}/{name}", body, api_version="2024-11-01").result()
        return err.value.status_code, str(err.value.error.code if err.value.error else "")

    standard = {"name": "Standard", "family": "C", "capacity": 1}
    assert refused("c1", {"sku": {**standard, "family": "P"}})[0] == 400
    assert refused("c1", {"sku": {**standard, "capacity": 7}})[0] == 400
    assert refused("c1", {"sku": standard, "shardCount": 2})[0] == 400
    assert refused("c1", {"sku": standard, "minimumTlsVersion": "1.3"})[1] == "InvalidRequestContent"  # the schema
    assert refused("c1", {"enableNonSslPort": False})[1] == "InvalidRequestContent"  # sku is required
    assert refused("double--hyphen", {"sku": standard}) == (400, "InvalidResourceName")
