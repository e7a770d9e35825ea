"""Every audit check: the good posture passes, and breaking the setting on purpose yields the finding."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from security_posture import azure_resources, create_table, put_arm, stage_arn

from multicloud_ctl.engine.clock import Clock

pytestmark = pytest.mark.integration


def audit(make_runtime: Callable[..., Any], check_id: str, **kwargs: Any) -> Any:
    from multicloud_ctl.operations.security.audit import run_audit

    rt = make_runtime(dry_run=True, clock=kwargs.pop("clock", None))
    report = run_audit(rt, only=[check_id], **kwargs)
    assert rt.aws.counter.mutating == 0 and rt.azure.guard.mutating == 0
    [result] = report.results
    return result


def test_good_posture_passes_every_check(good_posture: Any, make_runtime: Any, tmp_path: Path) -> None:
    from multicloud_ctl.operations.security.audit import run_audit
    from multicloud_ctl.operations.security.findings import CHECKS

    rt = make_runtime(dry_run=True)
    report = run_audit(rt, scan_paths=(tmp_path / "playbooks",))
    assert {r.id for r in report.results} == set(CHECKS)
    assert [(r.id, r.status, r.findings, r.error) for r in report.results if r.status != "pass"] == []


def test_s3_public_access_block_off(good_posture: Any, make_runtime: Any) -> None:
    bucket = good_posture.environment.aws.buckets.product_images
    good_posture.aws.client("s3").put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": True,
        },
    )
    result = audit(make_runtime, "aws.s3.public_access_block")
    assert result.status == "fail"
    assert [(f.resource, f.message) for f in result.findings] == [
        (f"s3://{bucket}", "public access block off: BlockPublicPolicy")
    ]


def test_s3_without_default_encryption(good_posture: Any, make_runtime: Any) -> None:
    bucket = good_posture.environment.aws.buckets.artifacts
    good_posture.aws.client("s3").delete_bucket_encryption(Bucket=bucket)
    result = audit(make_runtime, "aws.s3.encryption")
    assert [f.resource for f in result.findings] == [f"s3://{bucket}"]


def test_dynamodb_table_without_kms_sse(good_posture: Any, make_runtime: Any) -> None:
    ddb = good_posture.aws.client("dynamodb")
    table = good_posture.environment.aws.tables.orders
    ddb.delete_table(TableName=table)
    create_table(ddb, table, sse=False)
    result = audit(make_runtime, "aws.dynamodb.sse")
    assert [f.resource for f in result.findings] == [f"dynamodb:{table}"]
    assert result.findings[0].severity == "medium"


def test_waf_detached_from_the_api_stage(good_posture: Any, make_runtime: Any) -> None:
    apigw = good_posture.aws.client("apigateway")
    api = apigw.get_rest_apis()["items"][0]["id"]
    good_posture.aws.client("wafv2").disassociate_web_acl(ResourceArn=stage_arn(good_posture.environment, api))
    result = audit(make_runtime, "aws.waf.attached")
    assert [(f.resource, f.message) for f in result.findings] == [
        ("apigateway:mcctl-api/prod", "no WAF web ACL attached")
    ]


def test_waf_acl_missing(good_posture: Any, make_runtime: Any) -> None:
    waf = good_posture.aws.client("wafv2")
    apigw = good_posture.aws.client("apigateway")
    api = apigw.get_rest_apis()["items"][0]["id"]
    waf.disassociate_web_acl(ResourceArn=stage_arn(good_posture.environment, api))
    acl = waf.list_web_acls(Scope="REGIONAL")["WebACLs"][0]
    waf.delete_web_acl(Name=acl["Name"], Scope="REGIONAL", Id=acl["Id"], LockToken=acl["LockToken"])
    result = audit(make_runtime, "aws.waf.attached")
    assert [f.message for f in result.findings] == ["the API's web ACL does not exist"]


def _pool_id(rt: Any) -> str:
    pools = rt.aws.client("cognito-idp").list_user_pools(MaxResults=10)["UserPools"]
    return str(next(p["Id"] for p in pools if p["Name"] == rt.environment.aws.user_pool))


def test_cognito_weak_password_policy(good_posture: Any, make_runtime: Any) -> None:
    idp = good_posture.aws.client("cognito-idp")
    idp.update_user_pool(
        UserPoolId=_pool_id(good_posture),
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 8,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": False,
            }
        },
    )
    result = audit(make_runtime, "aws.cognito.password_policy")
    assert result.status == "fail"
    assert result.findings[0].message == "weak password policy: minimum length 8 < 12; RequireNumbers off"


def test_cognito_mfa_off(good_posture: Any, make_runtime: Any) -> None:
    good_posture.aws.client("cognito-idp").set_user_pool_mfa_config(
        UserPoolId=_pool_id(good_posture), MfaConfiguration="OFF"
    )
    result = audit(make_runtime, "aws.cognito.mfa")
    assert [f.message for f in result.findings] == ["MFA is OFF"]


def test_api_key_too_old(good_posture: Any, make_runtime: Any) -> None:
    later = good_posture.clock() + timedelta(days=120)
    result = audit(make_runtime, "keys.api_key_age", clock=Clock.frozen(later))
    assert sorted(f.message for f in result.findings) == ["API key is 120 days old (max 90)"] * 2
    assert audit(make_runtime, "keys.api_key_age").status == "pass"


def test_api_key_missing_on_azure_and_clouds_disagree(good_posture: Any, make_runtime: Any) -> None:
    from multicloud_ctl.operations.security.apikey_store import aws_secret_name
    from multicloud_ctl.providers.aws.secretsmanager import SecretsManager

    SecretsManager(good_posture.aws).put(aws_secret_name(good_posture.environment), "another-key-0123456789")
    result = audit(make_runtime, "keys.api_key_age")
    assert [f.message for f in result.findings] == ["the clouds disagree on the current API key"]


@pytest.mark.parametrize(
    ("key", "change", "check_id", "message"),
    [
        (
            "storage:eastus",
            {"minimumTlsVersion": "TLS1_0"},
            "azure.storage.encryption_tls",
            "minimum TLS version is TLS1_0",
        ),
        (
            "storage:westus",
            {"supportsHttpsTrafficOnly": False},
            "azure.storage.encryption_tls",
            "HTTP (not only HTTPS) traffic is allowed",
        ),
        (
            "storage:eastus",
            {"encryption": {"services": {"blob": {"enabled": False}}}},
            "azure.storage.encryption_tls",
            "blob encryption at rest is disabled",
        ),
        ("sql:westus", {"minimalTlsVersion": "1.0"}, "azure.sql.encryption_tls", "minimal TLS version is 1.0"),
        ("tde:eastus", {"state": "Disabled"}, "azure.sql.encryption_tls", "transparent data encryption is disabled"),
        ("app:payment-processor", {"httpsOnly": False}, "azure.functionapp.tls", "HTTP is allowed (httpsOnly is off)"),
    ],
)
def test_azure_setting_broken(
    good_posture: Any, make_runtime: Any, key: str, change: dict[str, Any], check_id: str, message: str
) -> None:
    rid, body = azure_resources(good_posture.environment)[key]
    put_arm(good_posture, rid, {**body, "properties": {**body["properties"], **change}})
    result = audit(make_runtime, check_id)
    assert [f.message for f in result.findings] == [message]


def test_function_app_old_tls(good_posture: Any, make_runtime: Any) -> None:
    rid, body = azure_resources(good_posture.environment)["app:analytics-processor-westus"]
    put_arm(good_posture, rid, {**body, "properties": {"httpsOnly": True, "siteConfig": {"minTlsVersion": "1.0"}}})
    result = audit(make_runtime, "azure.functionapp.tls")
    assert [(f.resource, f.message) for f in result.findings] == [
        ("functionapp:analytics-processor-westus", "minimum TLS version is 1.0")
    ]


def test_secret_scanner_finds_leaks_in_state_and_playbooks(
    good_posture: Any, make_runtime: Any, tmp_path: Path
) -> None:
    playbooks = tmp_path / "playbooks"
    playbooks.mkdir()
    (playbooks / "ok.yaml").write_text("spec:\n  api_token: env:CF_TOKEN\n  key: literal-dev:sandbox-token\n")
    assert audit(make_runtime, "local.secret_scan", scan_paths=(playbooks,)).status == "pass"
    (playbooks / "bad.yaml").write_text("spec:\n  stripe_api_key: sk_live_4eC39HqLyjWDarjtT1zdp7dc\n")
    state = good_posture.environment.env_state_dir
    (state / "journal").mkdir(parents=True, exist_ok=True)
    (state / "journal" / "run.json").write_text('{"inputs": {"db_password": "q8Zr2vLx9PfW3mKt7Ys1"}}\n')
    (state / "functions.log").write_text("line one\nGET /products x-api-key=initial-key-0123456789\n")
    result = audit(make_runtime, "local.secret_scan", scan_paths=(playbooks,))
    found = sorted((Path(f.resource).name, f.message) for f in result.findings)
    assert found == [
        ("bad.yaml:2", "secret-looking value (stripe-secret-key)"),
        ("functions.log:2", "secret-looking value (known-secret-value)"),
        ("run.json:1", "secret-looking value (high-entropy-value-for:db_password)"),
    ]
    assert all("q8Zr2vLx9PfW3mKt7Ys1" not in f.resource + f.message for f in result.findings)


def test_the_scan_skips_the_sandbox_emulators_own_logs_but_not_the_functions_logs(
    good_posture: Any, make_runtime: Any, tmp_path: Path
) -> None:
    """moto's request log holds the fake keys the sandbox sends (570 of 573 findings in the audit of issue 19);
    it is the emulator's, not mcctl's. The functions hosts' logs (our code) are still scanned."""
    sandbox = good_posture.environment.env_state_dir / "sandbox"
    (sandbox / "logs").mkdir(parents=True, exist_ok=True)
    leak = "stripe_api_key: sk_live_4eC39HqLyjWDarjtT1zdp7dc\n"
    for name in ("moto.log", "azurite.log", "arm.log", "edge.log"):
        (sandbox / name).write_text(leak)
    (sandbox / "logs" / "functions_aws.jsonl").write_text(leak)
    result = audit(make_runtime, "local.secret_scan", scan_paths=(tmp_path / "none",))
    assert [Path(f.resource).name for f in result.findings] == ["functions_aws.jsonl:1"]
