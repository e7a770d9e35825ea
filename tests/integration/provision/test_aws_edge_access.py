"""Issue 14: what makes the CDN and the API reachable and protected, not just present.

The OAC bucket policy on each origin, a cache behaviour per origin, the S3 replication role, and the WAF web
ACL associated with the API stages; each is checked against moto and shown to be drift-detected.
"""

from __future__ import annotations

from typing import Any

import pytest

from multicloud_ctl.operations import provision

pytestmark = pytest.mark.integration


def client(env: Any, service: str, region: str = "us-east-1") -> Any:
    import boto3

    return boto3.client(
        service,
        endpoint_url=env.endpoints().aws,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def changes(plans: list[Any]) -> dict[str, Any]:
    return {p.address: sorted(c.path for c in p.changes) or p.action for p in plans if p.action != "noop"}


def test_cloudfront_origins_have_oac_bucket_policy_and_a_route_each(
    runtime_for: Any, aws_spec: Any, local_env: Any
) -> None:
    import json

    spec = aws_spec("s3_bucket", "cloudfront_distribution", features={"secondary_region": False})
    provision.apply(runtime_for(), spec)
    cf, s3 = client(local_env, "cloudfront"), client(local_env, "s3")
    dist = next(d for d in cf.list_distributions()["DistributionList"]["Items"] if d["Comment"].endswith("-cdn"))
    config = cf.get_distribution_config(Id=dist["Id"])["DistributionConfig"]
    for bucket in ("static-assets", "product-images"):
        statements = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
        assert {
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*",
            "Condition": {"StringEquals": {"AWS:SourceArn": dist["ARN"]}},
        }.items() <= statements[0].items()
    # every origin is the target of some cache behaviour (otherwise CloudFront never requests it)
    targets = {config["DefaultCacheBehavior"]["TargetOriginId"]}
    targets |= {b["TargetOriginId"] for b in config.get("CacheBehaviors", {}).get("Items", []) or []}
    assert targets == {o["Id"] for o in config["Origins"]["Items"]}
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == "static-assets"
    assert [(b["PathPattern"], b["TargetOriginId"]) for b in config["CacheBehaviors"]["Items"]] == [
        ("/products/*", "product-images")
    ]
    assert changes(provision.plan_resources(runtime_for(dry_run=True), spec)) == {}

    s3.delete_bucket_policy(Bucket="product-images")
    drift = changes(provision.plan_resources(runtime_for(dry_run=True), spec))
    assert drift == {"cloudfront_distribution/mcctl-local-cdn": ["origin_bucket_policy"]}
    provision.apply(runtime_for(), spec)
    assert changes(provision.plan_resources(runtime_for(dry_run=True), spec)) == {}


def test_s3_replication_role_exists_with_least_privilege(runtime_for: Any, aws_spec: Any, local_env: Any) -> None:
    env = local_env.model_copy(update={"aws": local_env.aws.model_copy(update={"s3_replication": True})})
    spec = aws_spec("s3_bucket")
    provision.apply(runtime_for(env=env), spec)
    iam = client(env, "iam")
    role_arn = client(env, "s3").get_bucket_replication(Bucket="product-images")["ReplicationConfiguration"]["Role"]
    role = iam.get_role(RoleName=role_arn.rsplit("/", 1)[1])["Role"]
    assert role["Arn"] == role_arn
    trust = role["AssumeRolePolicyDocument"]["Statement"]
    assert [(s["Principal"], s["Action"]) for s in trust] == [({"Service": "s3.amazonaws.com"}, "sts:AssumeRole")]
    doc = iam.get_role_policy(RoleName=role["RoleName"], PolicyName="product-images")["PolicyDocument"]
    grants = {(a, r) for st in doc["Statement"] for a in st["Action"] for r in st["Resource"]}
    assert ("s3:GetReplicationConfiguration", "arn:aws:s3:::product-images") in grants
    assert ("s3:GetObjectVersionForReplication", "arn:aws:s3:::product-images/*") in grants
    assert ("s3:ReplicateObject", "arn:aws:s3:::product-images-us-west-2/*") in grants
    assert not any(r == "*" or a.endswith("*") for a, r in grants)

    iam.delete_role_policy(RoleName=role["RoleName"], PolicyName="product-images")
    drift = changes(provision.plan_resources(runtime_for(env=env, dry_run=True), spec))
    assert drift == {"s3_bucket/product-images": ["replication_role.policy"]}
    provision.apply(runtime_for(env=env), spec)
    assert changes(provision.plan_resources(runtime_for(env=env, dry_run=True), spec)) == {}


def test_waf_web_acl_is_associated_with_the_api_stages(runtime_for: Any, aws_spec: Any, local_env: Any) -> None:
    region = local_env.aws.regions.primary
    apigw = client(local_env, "apigateway", region)
    api = apigw.create_rest_api(name="mcctl-waf-test")
    root = next(r["id"] for r in apigw.get_resources(restApiId=api["id"])["items"] if r["path"] == "/")
    apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api["id"], resourceId=root, httpMethod="GET", type="MOCK")
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    stage_arn = f"arn:aws:apigateway:{region}::/restapis/{api['id']}/stages/prod"
    spec = aws_spec("waf_web_acl", features={"secondary_region": False})
    try:
        provision.apply(runtime_for(), spec)
        waf = client(local_env, "wafv2", region)
        acl = waf.get_web_acl_for_resource(ResourceArn=stage_arn).get("WebACL")
        assert acl is not None and acl["Name"] == "mcctl-local-api"
        assert changes(provision.plan_resources(runtime_for(dry_run=True), spec)) == {}

        waf.disassociate_web_acl(ResourceArn=stage_arn)
        drift = changes(provision.plan_resources(runtime_for(dry_run=True), spec))
        assert drift == {f"waf_web_acl/mcctl-local-api@{region}": ["api_stages_protected"]}
        provision.apply(runtime_for(), spec)
        assert waf.get_web_acl_for_resource(ResourceArn=stage_arn).get("WebACL", {}).get("ARN") == acl["ARN"]
    finally:
        apigw.delete_rest_api(restApiId=api["id"])
