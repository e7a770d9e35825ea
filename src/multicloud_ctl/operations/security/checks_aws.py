"""AWS audit checks: S3 public-access block and SSE, DynamoDB SSE, WAF attached, Cognito policy and MFA,
service API key age. Every call here is a read (the runtime may be dry-run guarded), made through the provider
clients in `providers/aws/` (S3Admin, DynamoDbAdmin, WafAdmin, ApiGateway, CognitoAdmin)."""

from __future__ import annotations

from typing import Any

from multicloud_ctl.operations.security.findings import CheckContext, Finding, check

PAB_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
MIN_PASSWORD_LENGTH = 12


def _buckets(ctx: CheckContext) -> list[str]:
    b = ctx.runtime.environment.aws.buckets
    return [b.product_images, b.static_assets, b.artifacts]


def _s3(ctx: CheckContext) -> Any:
    from multicloud_ctl.providers.aws.s3_admin import S3Admin

    env = ctx.runtime.environment
    return S3Admin(ctx.runtime.aws, env.aws.regions.primary)


def _present_buckets(ctx: CheckContext) -> list[str]:
    s3 = _s3(ctx)
    present = [b for b in _buckets(ctx) if s3.exists(b)]
    for missing in sorted(set(_buckets(ctx)) - set(present)):
        ctx.skip(f"bucket {missing} does not exist")
    ctx.saw(len(present))
    return present


@check("aws.s3.public_access_block", "aws", "S3 buckets block every kind of public access")
def s3_public_access(ctx: CheckContext) -> list[Finding]:
    out = []
    s3 = _s3(ctx)
    for bucket in _present_buckets(ctx):
        block = s3.public_access_block(bucket) or {}
        off = [flag for flag in PAB_FLAGS if not block.get(flag)]
        if off:
            out.append(
                ctx.finding(
                    "high",
                    f"s3://{bucket}",
                    f"public access block off: {', '.join(off)}",
                    "mcctl provision apply (s3_bucket sets all four flags)",
                )
            )
    return out


@check("aws.s3.encryption", "aws", "S3 buckets encrypt at rest by default (SSE)")
def s3_encryption(ctx: CheckContext) -> list[Finding]:
    s3 = _s3(ctx)
    return [
        ctx.finding(
            "high",
            f"s3://{bucket}",
            "no default server-side encryption",
            "put-bucket-encryption with AES256 or aws:kms (mcctl provision apply)",
        )
        for bucket in _present_buckets(ctx)
        if not s3.encryption(bucket)
    ]


@check("aws.dynamodb.sse", "aws", "DynamoDB tables use server-side encryption with a KMS key")
def dynamodb_sse(ctx: CheckContext) -> list[Finding]:
    from multicloud_ctl.providers.aws.dynamodb_admin import DynamoDbAdmin

    env = ctx.runtime.environment
    admin = DynamoDbAdmin(ctx.runtime.aws, env.aws.regions.primary)
    t = env.aws.tables
    out = []
    for table in (t.products, t.users, t.inventory, t.orders, t.idempotency):
        described = admin.describe(table)
        if described is None:
            ctx.skip(f"table {table} does not exist")
            continue
        ctx.saw()
        status = (described.get("SSEDescription") or {}).get("Status")
        if status not in ("ENABLED", "UPDATING"):
            out.append(
                ctx.finding(
                    "medium",
                    f"dynamodb:{table}",
                    f"SSE with a KMS key is {status or 'not configured'} (AWS-owned key only)",
                    "update-table --sse-specification Enabled=true,SSEType=KMS",
                )
            )
    return out


def _acl_name(ctx: CheckContext) -> str:
    return f"mcctl-{ctx.runtime.environment.name}-api"


@check("aws.waf.attached", "aws", "The WAF web ACL exists and protects every API stage")
def waf_attached(ctx: CheckContext) -> list[Finding]:
    from multicloud_ctl.providers.aws.apigateway import ApiGateway
    from multicloud_ctl.providers.aws.wafv2 import WafAdmin

    env = ctx.runtime.environment
    region = env.aws.regions.primary
    waf = WafAdmin(ctx.runtime.aws, region)
    acl = waf.find(_acl_name(ctx))
    ctx.saw()
    if acl is None:
        return [
            ctx.finding(
                "high",
                f"wafv2:{_acl_name(ctx)}@{region}",
                "the API's web ACL does not exist",
                "mcctl provision apply (waf_web_acl)",
            )
        ]
    apigw = ApiGateway(ctx.runtime.aws, region)
    out, stages = [], 0
    for api in apigw.rest_apis():
        for stage in apigw.stage_names(api.id):
            stages += 1
            ctx.saw()
            if waf.acl_for_resource(apigw.stage_arn(api.id, stage)) is None:
                out.append(
                    ctx.finding(
                        "high",
                        f"apigateway:{api.name}/{stage}",
                        "no WAF web ACL attached",
                        f"associate-web-acl --web-acl-arn {acl['ARN']}",
                    )
                )
    if not stages:
        ctx.skip("no API Gateway stage to protect")
    return out


@check("aws.cognito.password_policy", "aws", "Cognito password policy is strong enough")
def cognito_password(ctx: CheckContext) -> list[Finding]:
    pool = _pool(ctx)
    if pool is None:
        return []
    policy = (pool.get("Policies") or {}).get("PasswordPolicy") or {}
    weak = []
    if int(policy.get("MinimumLength") or 0) < MIN_PASSWORD_LENGTH:
        weak.append(f"minimum length {policy.get('MinimumLength')} < {MIN_PASSWORD_LENGTH}")
    weak += [
        f"{flag} off" for flag in ("RequireUppercase", "RequireLowercase", "RequireNumbers") if not policy.get(flag)
    ]
    if not weak:
        return []
    return [
        ctx.finding(
            "medium",
            f"cognito:{pool['Name']}",
            "weak password policy: " + "; ".join(weak),
            "mcctl provision apply (cognito_user_pool.password_min_length)",
        )
    ]


@check("aws.cognito.mfa", "aws", "Cognito MFA is enabled (ON or OPTIONAL)")
def cognito_mfa(ctx: CheckContext) -> list[Finding]:
    pool = _pool(ctx)
    if pool is None:
        return []
    mode = pool.get("MfaConfiguration") or "OFF"
    if mode in ("ON", "OPTIONAL"):
        return []
    return [
        ctx.finding(
            "medium",
            f"cognito:{pool['Name']}",
            f"MFA is {mode}",
            "set-user-pool-mfa-config --mfa-configuration OPTIONAL with TOTP",
        )
    ]


def _pool(ctx: CheckContext) -> dict[str, Any] | None:
    from multicloud_ctl.providers.aws.cognito import CognitoAdmin

    env = ctx.runtime.environment
    pool = CognitoAdmin(ctx.runtime.aws, env.aws.regions.primary).find_pool(env.aws.user_pool)
    if pool is None:
        ctx.skip(f"user pool {env.aws.user_pool} does not exist")
    else:
        ctx.saw()
    return pool


@check("keys.api_key_age", "both", "The service API key exists in both clouds and was rotated recently")
def api_key_age(ctx: CheckContext) -> list[Finding]:
    from multicloud_ctl.operations.security.apikey_store import (
        MAX_AGE_DAYS,
        aws_secret_name,
        keyvault_secret_url,
        read_state,
    )

    env = ctx.runtime.environment
    state = read_state(ctx.runtime)
    ctx.saw()
    hint = "mcctl secrets rotate api-key"
    out = []
    for cloud, keys, changed, where in (
        ("aws", state.aws_keys, state.aws_changed, f"secretsmanager:{aws_secret_name(env)}"),
        ("azure", state.azure_keys, state.azure_changed, f"keyvault:{keyvault_secret_url(env)}"),
    ):
        if not keys:
            out.append(ctx.finding("high", where, f"no service API key stored on {cloud}", hint))
            continue
        if changed is not None:
            age = (ctx.now - changed).days
            if age > MAX_AGE_DAYS:
                out.append(ctx.finding("high", where, f"API key is {age} days old (max {MAX_AGE_DAYS})", hint))
    if state.aws_keys and state.azure_keys and state.aws_keys[0] != state.azure_keys[0]:
        out.append(ctx.finding("high", "service-api-keys", "the clouds disagree on the current API key", hint))
    return out
