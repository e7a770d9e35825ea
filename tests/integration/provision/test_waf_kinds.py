"""WAF on both clouds (issue 18 item 3): the Front Door WAF policy and its security policy on the fake ARM
(local/arm/frontdoor.py), the CLOUDFRONT-scope web ACL set as the distribution's WebACLId on moto (strict:
local/moto_waf.py), through the real SDKs: converge, no drift, drift when detached, refusals as the clouds
refuse, destroy."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from botocore.exceptions import ClientError

from multicloud_ctl.operations import provision

pytestmark = pytest.mark.integration

AFD_KINDS = ("azure_resource_group", "azure_frontdoor", "azure_frontdoor_waf")
PREMIUM = {"azure_frontdoor": {"sku": "Premium_AzureFrontDoor"}}


def changes(plans: list[Any]) -> dict[str, Any]:
    return {p.address: sorted(c.path for c in p.changes) or p.action for p in plans if p.action != "noop"}


def client(env: Any, service: str, region: str = "us-east-1") -> Any:
    import boto3

    return boto3.client(
        service,
        endpoint_url=env.endpoints().aws,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _by_type(store: Any, rtype: str) -> list[dict[str, Any]]:
    return [r for r in store.resources.values() if r["type"] == rtype]


def test_front_door_waf_converges_is_associated_drifts_and_destroys(
    cloud_runtime: Any, aws_spec: Any, arm: Any
) -> None:
    spec = aws_spec(*AFD_KINDS, kinds=PREMIUM)
    provision.apply(cloud_runtime(), spec)
    assert changes(provision.plan_resources(cloud_runtime(dry_run=True), spec)) == {}
    assert provision.find_drift(cloud_runtime(dry_run=True), spec) == []

    store = arm.server.store
    [waf] = _by_type(store, "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies")
    [security] = _by_type(store, "Microsoft.Cdn/profiles/securityPolicies")
    [endpoint] = _by_type(store, "Microsoft.Cdn/profiles/afdEndpoints")
    assert waf["name"] == "mcctllocalwaf" and waf["sku"]["name"] == "Premium_AzureFrontDoor"
    assert waf["properties"]["policySettings"]["mode"] == "Prevention"
    sets = [(s["ruleSetType"], s["ruleSetVersion"]) for s in waf["properties"]["managedRules"]["managedRuleSets"]]
    assert sets == [("Microsoft_DefaultRuleSet", "2.1"), ("Microsoft_BotManagerRuleSet", "1.1")]
    [rule] = waf["properties"]["customRules"]["rules"]
    assert rule["ruleType"] == "RateLimitRule" and rule["rateLimitDurationInMinutes"] == 1
    assert waf["properties"]["securityPolicyLinks"] == [{"id": security["id"]}]
    params = security["properties"]["parameters"]
    assert params["wafPolicy"]["id"].lower() == waf["id"].lower()
    assert params["associations"][0]["domains"][0]["id"].lower() == endpoint["id"].lower()
    assert security["properties"]["deploymentStatus"] == "Succeeded"
    assert waf["tags"]  # the environment's tags: destroy checks them

    # someone switches the policy to Detection: drift, and apply puts it back
    az = cloud_runtime().azure.resources.resources
    live = {k: waf[k] for k in ("location", "sku", "tags", "properties")}
    live["properties"] = {**live["properties"], "policySettings": {"enabledState": "Enabled", "mode": "Detection"}}
    az.begin_create_or_update_by_id(waf["id"], live, api_version="2024-02-01").result()
    drift = changes(provision.plan_resources(cloud_runtime(dry_run=True), spec))
    assert drift == {
        "azure_frontdoor_waf/mcctllocalwaf": [
            "properties.policySettings.mode",
            "properties.policySettings.requestBodyCheck",
        ]
    }
    provision.apply(cloud_runtime(), spec)
    assert changes(provision.plan_resources(cloud_runtime(dry_run=True), spec)) == {}

    # the association removed: the endpoint is unprotected, drift shows it
    az.begin_delete_by_id(security["id"], api_version="2023-05-01").result()
    drift = changes(provision.plan_resources(cloud_runtime(dry_run=True), spec))
    assert drift == {"azure_frontdoor_waf/mcctl-local-afd/waf": "create"}
    provision.apply(cloud_runtime(), spec)

    rt = cloud_runtime()
    destroy = provision.destroy_plan(rt, spec)
    assert {s.resource.split("/")[0] for s in destroy.steps} >= {"azure_frontdoor_waf"}
    from multicloud_ctl.engine.run import Operation, run

    assert run(rt, Operation("provision destroy", lambda _rt: destroy)).status == "ok"
    assert {p.action for p in provision.plan_resources(cloud_runtime(dry_run=True), spec)} == {"create"}
    assert store.resources == {}


def test_a_standard_profile_gets_a_standard_policy_without_managed_rules(
    cloud_runtime: Any, aws_spec: Any, arm: Any
) -> None:
    spec = aws_spec(*AFD_KINDS)
    provision.apply(cloud_runtime(), spec)
    [waf] = _by_type(arm.server.store, "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies")
    assert waf["sku"]["name"] == "Standard_AzureFrontDoor"
    assert waf["properties"]["managedRules"]["managedRuleSets"] == []
    assert changes(provision.plan_resources(cloud_runtime(dry_run=True), spec)) == {}


def test_managed_rules_on_a_standard_profile_are_refused_at_validate_time(aws_spec: Any) -> None:
    from pydantic import ValidationError

    rules = {"managed_rule_sets": [{"type": "Microsoft_DefaultRuleSet", "version": "2.1"}]}
    with pytest.raises(ValidationError, match=r"azure_frontdoor_waf\.managed_rule_sets: managed rule sets need"):
        aws_spec(*AFD_KINDS, kinds={"azure_frontdoor_waf": rules})
    aws_spec(*AFD_KINDS, kinds={"azure_frontdoor_waf": rules, **PREMIUM})  # Premium takes them


@pytest.mark.violations_expected  # every write here is refused on purpose
def test_the_fake_arm_refuses_what_front_door_refuses(cloud_runtime: Any, aws_spec: Any, arm: Any) -> None:
    provision.apply(cloud_runtime(), aws_spec("azure_resource_group", "azure_frontdoor"))  # a Standard profile
    az = cloud_runtime().azure.resources.resources
    env = cloud_runtime().environment
    base = f"/subscriptions/{env.azure.subscription_id}/resourceGroups/{env.azure.resource_group}/providers"
    waf_base = f"{base}/Microsoft.Network/FrontDoorWebApplicationFirewallPolicies"
    profile = f"{base}/Microsoft.Cdn/profiles/mcctl-local-afd"
    endpoint = f"{profile}/afdEndpoints/static"

    def put(rid: str, body: dict[str, Any], api: str) -> Any:
        return az.begin_create_or_update_by_id(rid, body, api_version=api).result()

    def refused(rid: str, body: dict[str, Any], api: str = "2024-02-01") -> tuple[int, str, str]:
        with pytest.raises(HttpResponseError) as err:
            put(rid, body, api)
        error = err.value.error
        return err.value.status_code, str(error.code if error else ""), str(error.message if error else "")

    managed = {
        "managedRules": {"managedRuleSets": [{"ruleSetType": "Microsoft_DefaultRuleSet", "ruleSetVersion": "2.1"}]}
    }
    standard = {"location": "global", "sku": {"name": "Standard_AzureFrontDoor"}}
    assert refused(f"{waf_base}/has-dash", {**standard, "properties": {}})[:2] == (400, "InvalidResourceName")
    assert refused(f"{waf_base}/p1", {**standard, "location": "eastus", "properties": {}})[1] == (
        "LocationNotAvailableForResourceType"
    )
    assert "Premium_AzureFrontDoor policies only" in refused(f"{waf_base}/p1", {**standard, "properties": managed})[2]
    rate = {
        "name": "r",
        "priority": 1,
        "ruleType": "RateLimitRule",
        "action": "Block",
        "rateLimitThreshold": 100,
        "rateLimitDurationInMinutes": 3,
        "matchConditions": [{"matchVariable": "RequestUri", "operator": "Any", "matchValue": []}],
    }
    assert (
        "must be 1 or 5" in refused(f"{waf_base}/p1", {**standard, "properties": {"customRules": {"rules": [rate]}}})[2]
    )
    bogus_mode = {"policySettings": {"mode": "Bogus"}}
    assert refused(f"{waf_base}/p1", {**standard, "properties": bogus_mode})[1] == "InvalidRequestContent"  # schema
    premium_waf = put(
        f"{waf_base}/premium",
        {**standard, "sku": {"name": "Premium_AzureFrontDoor"}, "properties": managed},
        "2024-02-01",
    )
    standard_waf = put(f"{waf_base}/standard", {**standard, "properties": {}}, "2024-02-01")

    def association(waf_id: str, *domains: str) -> dict[str, Any]:
        return {
            "properties": {
                "parameters": {
                    "type": "WebApplicationFirewall",
                    "wafPolicy": {"id": waf_id},
                    "associations": [{"domains": [{"id": d} for d in domains], "patternsToMatch": ["/*"]}],
                }
            }
        }

    security = f"{profile}/securityPolicies"
    cdn = "2023-05-01"
    assert (
        "does not match the profile's SKU" in refused(f"{security}/a", association(premium_waf["id"], endpoint), cdn)[2]
    )
    assert "was not found" in refused(f"{security}/a", association(f"{waf_base}/missing", endpoint), cdn)[2]
    assert (
        "was not found"
        in refused(f"{security}/a", association(standard_waf["id"], f"{profile}/afdEndpoints/nope"), cdn)[2]
    )
    put(f"{security}/a", association(standard_waf["id"], endpoint), cdn)
    assert "already associated" in refused(f"{security}/b", association(standard_waf["id"], endpoint), cdn)[2]
    with pytest.raises(HttpResponseError) as err:  # a policy still associated is kept
        az.begin_delete_by_id(standard_waf["id"], api_version="2024-02-01").result()
    assert err.value.status_code == 409
    az.begin_delete_by_id(f"{security}/a", api_version=cdn).result()
    az.begin_delete_by_id(standard_waf["id"], api_version="2024-02-01").result()


def test_cloudfront_uses_the_cloudfront_scope_acl_and_detaching_it_is_drift(
    runtime_for: Any, aws_spec: Any, local_env: Any
) -> None:
    spec = aws_spec("s3_bucket", "waf_web_acl", "cloudfront_distribution", features={"secondary_region": False})
    provision.apply(runtime_for(), spec)
    assert changes(provision.plan_resources(runtime_for(dry_run=True), spec)) == {}
    cf, waf = client(local_env, "cloudfront"), client(local_env, "wafv2")
    acls = {a["Name"]: a for a in waf.list_web_acls(Scope="CLOUDFRONT", Limit=100)["WebACLs"]}
    assert set(acls) == {"mcctl-local-cdn"} and ":global/webacl/mcctl-local-cdn/" in acls["mcctl-local-cdn"]["ARN"]
    regional = {a["Name"] for a in waf.list_web_acls(Scope="REGIONAL", Limit=100)["WebACLs"]}
    assert regional == {"mcctl-local-api"}
    dist = next(d for d in cf.list_distributions()["DistributionList"]["Items"] if d["Comment"] == "mcctl-local-cdn")
    out = cf.get_distribution_config(Id=dist["Id"])
    assert out["DistributionConfig"]["WebACLId"] == acls["mcctl-local-cdn"]["ARN"]

    cf.update_distribution(
        Id=dist["Id"], IfMatch=out["ETag"], DistributionConfig={**out["DistributionConfig"], "WebACLId": ""}
    )
    drift = changes(provision.plan_resources(runtime_for(dry_run=True), spec))
    assert drift == {"cloudfront_distribution/mcctl-local-cdn": ["web_acl"]}
    items = provision.find_drift(runtime_for(dry_run=True), spec)
    assert [(i.address, i.path, i.live, i.desired) for i in items] == [
        ("cloudfront_distribution/mcctl-local-cdn", "web_acl", "", "mcctl-local-cdn")
    ]
    provision.apply(runtime_for(), spec)
    assert cf.get_distribution_config(Id=dist["Id"])["DistributionConfig"]["WebACLId"] == acls["mcctl-local-cdn"]["ARN"]
    assert changes(provision.plan_resources(runtime_for(dry_run=True), spec)) == {}

    rt = runtime_for()
    destroy = provision.destroy_plan(rt, spec)
    from multicloud_ctl.engine.run import Operation, run

    assert run(rt, Operation("provision destroy", lambda _rt: destroy)).status == "ok"
    assert waf.list_web_acls(Scope="CLOUDFRONT", Limit=100)["WebACLs"] == []
    assert not any(
        d["Comment"] == "mcctl-local-cdn" for d in cf.list_distributions()["DistributionList"].get("Items", []) or []
    )


def test_moto_refuses_what_cloudfront_and_waf_refuse(runtime_for: Any, aws_spec: Any, local_env: Any) -> None:
    spec = aws_spec("s3_bucket", "waf_web_acl", "cloudfront_distribution", features={"secondary_region": False})
    provision.apply(runtime_for(), spec)
    cf, waf = client(local_env, "cloudfront"), client(local_env, "wafv2")
    dist = next(d for d in cf.list_distributions()["DistributionList"]["Items"] if d["Comment"] == "mcctl-local-cdn")
    out = cf.get_distribution_config(Id=dist["Id"])
    regional = waf.list_web_acls(Scope="REGIONAL", Limit=100)["WebACLs"][0]["ARN"]
    for bad in (regional, "473e64fd-f30b-4765-81a0-62ad96dd167a", out["DistributionConfig"]["WebACLId"] + "x"):
        with pytest.raises(ClientError, match="InvalidWebACLId"):
            cf.update_distribution(
                Id=dist["Id"], IfMatch=out["ETag"], DistributionConfig={**out["DistributionConfig"], "WebACLId": bad}
            )
    cdn = waf.list_web_acls(Scope="CLOUDFRONT", Limit=100)["WebACLs"][0]
    lock = waf.get_web_acl(Name=cdn["Name"], Scope="CLOUDFRONT", Id=cdn["Id"])["LockToken"]
    with pytest.raises(ClientError, match="WAFAssociatedItemException"):
        waf.delete_web_acl(Name=cdn["Name"], Scope="CLOUDFRONT", Id=cdn["Id"], LockToken=lock)
