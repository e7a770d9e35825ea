"""Helpers of the security tests: a posture that passes every audit check (each test breaks one setting)."""

from __future__ import annotations

from typing import Any

GOOD_PAB = {k: True for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")}


def configure_aws(rt: Any) -> None:
    env = rt.environment
    s3 = rt.aws.client("s3")
    for bucket in (env.aws.buckets.product_images, env.aws.buckets.static_assets, env.aws.buckets.artifacts):
        s3.create_bucket(Bucket=bucket)
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=GOOD_PAB)
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
    ddb = rt.aws.client("dynamodb")
    t = env.aws.tables
    for table in (t.products, t.users, t.inventory, t.orders, t.idempotency):
        create_table(ddb, table, sse=True)
    waf, apigw = rt.aws.client("wafv2"), rt.aws.client("apigateway")
    vis = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "api"}
    acl = waf.create_web_acl(
        Name=f"mcctl-{env.name}-api", Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=vis
    )["Summary"]["ARN"]
    api = apigw.create_rest_api(name="mcctl-api")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    apigw.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
    apigw.create_deployment(restApiId=api, stageName="prod")
    waf.associate_web_acl(WebACLArn=acl, ResourceArn=stage_arn(env, api))
    idp = rt.aws.client("cognito-idp")
    pool = idp.create_user_pool(
        PoolName=env.aws.user_pool,
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 12,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": False,
            }
        },
    )["UserPool"]["Id"]
    idp.set_user_pool_mfa_config(
        UserPoolId=pool, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="OPTIONAL"
    )


def stage_arn(env: Any, api: str) -> str:
    return f"arn:aws:apigateway:{env.aws.regions.primary}::/restapis/{api}/stages/prod"


def create_table(ddb: Any, name: str, *, sse: bool) -> None:
    extra = {"SSESpecification": {"Enabled": True, "SSEType": "KMS"}} if sse else {}
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        **extra,
    )


def azure_resources(env: Any) -> dict[str, tuple[str, dict[str, Any]]]:
    """name -> (ARM id, good body) for every resource the Azure checks read."""
    az = env.azure
    sub, rg, sec = az.subscription_id, az.resource_group, az.regions.secondary
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for loc, group, primary in ((az.regions.primary, rg, True), (sec, f"{rg}-{sec}", False)):
        base = f"/subscriptions/{sub}/resourceGroups/{group}"
        out[f"group:{loc}"] = (base, {"location": loc})
        acct = az.storage.account if primary else f"{az.storage.account}dr"[:24]
        out[f"storage:{loc}"] = (
            f"{base}/providers/Microsoft.Storage/storageAccounts/{acct}",
            {
                "location": loc,
                "kind": "StorageV2",
                "sku": {"name": "Standard_GRS"},
                "properties": {
                    "supportsHttpsTrafficOnly": True,
                    "minimumTlsVersion": "TLS1_2",
                    "allowBlobPublicAccess": False,
                    "encryption": {"services": {"blob": {"enabled": True}}},
                },
            },
        )
        server = az.sql.server if primary else f"{az.sql.server}-{loc}"
        sid = f"{base}/providers/Microsoft.Sql/servers/{server}"
        out[f"sql:{loc}"] = (sid, {"location": loc, "properties": {"minimalTlsVersion": "1.2"}})
        out[f"sqldb:{loc}"] = (f"{sid}/databases/{az.sql.database}", {"location": loc, "properties": {}})
        out[f"tde:{loc}"] = (
            f"{sid}/databases/{az.sql.database}/transparentDataEncryption/current",
            {"properties": {"state": "Enabled"}},
        )
        for app in az.function_apps:
            name = app if primary else f"{app}-{loc}"
            out[f"app:{name}"] = (
                f"{base}/providers/Microsoft.Web/sites/{name}",
                {
                    "location": loc,
                    "kind": "functionapp,linux",
                    "properties": {"httpsOnly": True, "siteConfig": {"minTlsVersion": "1.2", "ftpsState": "Disabled"}},
                },
            )
    return out


def put_arm(rt: Any, rid: str, body: dict[str, Any], api: str | None = None) -> None:
    """PUT through the SDK at the api-version the audit reads the type with (the fake lists versions per type)."""
    from multicloud_ctl.operations.security.checks_azure import SQL_API, STORAGE_API, WEB_API
    from multicloud_ctl.providers.azure.resources import ArmResources

    if api is None:
        api = SQL_API if "/Microsoft.Sql/" in rid else STORAGE_API if "/Microsoft.Storage/" in rid else WEB_API
    ArmResources(rt.azure).put(rid, api, body)


def arm_type(rid: str) -> str:
    """`Microsoft.Sql/servers/databases` for a resource id (as the fake ARM types it)."""
    from multicloud_ctl.local.arm.store import resource_type

    segs = [s for s in rid.split("/") if s]
    return resource_type(segs[segs.index("providers") + 1 :])
