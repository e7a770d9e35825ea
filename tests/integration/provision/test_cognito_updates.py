"""Cognito updates keep what the playbook does not manage (UpdateUserPool/UpdateUserPoolClient replace all).

The sandbox's moto resets whatever an update does not send, as Cognito does (`local/moto_strict.py` for the
app client; moto's UpdateUserPool replaces already), so a provider that sends only its own settings loses the
ones set outside mcctl here as it would in AWS.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from multicloud_ctl.operations import provision

pytestmark = pytest.mark.integration

KINDS = ("cognito_user_pool", "cognito_app_client")


def test_unmanaged_pool_and_client_settings_survive_an_update(
    runtime_for: Any, aws_spec: Any, local_env: Any, aws: str
) -> None:
    provision.apply(runtime_for(), aws_spec(*KINDS))
    idp = boto3.client("cognito-idp", endpoint_url=aws, region_name="us-east-1")
    pool_id = next(
        p["Id"] for p in idp.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == local_env.aws.user_pool
    )
    client_id = idp.list_user_pool_clients(UserPoolId=pool_id)["UserPoolClients"][0]["ClientId"]

    # settings an operator manages by hand, outside the playbook (the full set goes in, as Cognito requires)
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    idp.update_user_pool(
        UserPoolId=pool_id,
        Policies=pool["Policies"],
        AutoVerifiedAttributes=pool["AutoVerifiedAttributes"],
        UserPoolTags={**pool.get("UserPoolTags", {}), "cost-center": "shop-42"},
        EmailVerificationSubject="Your shop code",
        DeletionProtection="ACTIVE",
    )
    client = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    idp.update_user_pool_client(
        UserPoolId=pool_id,
        ClientId=client_id,
        ClientName=client["ClientName"],
        ExplicitAuthFlows=client["ExplicitAuthFlows"],
        ReadAttributes=client["ReadAttributes"],
        IdTokenValidity=client["IdTokenValidity"],
        TokenValidityUnits={**client["TokenValidityUnits"], "RefreshToken": "days"},
        CallbackURLs=["https://shop.example.com/callback"],
        RefreshTokenValidity=7,
    )

    # the playbook changes what it manages: the password length and the ID token's lifetime
    changed = aws_spec(
        *KINDS,
        kinds={
            "cognito_user_pool": {"password_min_length": 14},
            "cognito_app_client": {"id_token_validity_minutes": 30},
        },
    )
    plans = provision.plan_resources(runtime_for(dry_run=True), changed)
    assert {p.address.split("/")[0] for p in plans if p.action == "update"} == set(KINDS)
    provision.apply(runtime_for(), changed)

    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 14
    assert pool["EmailVerificationSubject"] == "Your shop code"
    assert pool["DeletionProtection"] == "ACTIVE"
    assert pool["UserPoolTags"]["cost-center"] == "shop-42"
    client = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    assert client["IdTokenValidity"] == 30
    assert client["CallbackURLs"] == ["https://shop.example.com/callback"]
    assert client["RefreshTokenValidity"] == 7
    assert client["TokenValidityUnits"] == {"IdToken": "minutes", "RefreshToken": "days"}
    assert {p.action for p in provision.plan_resources(runtime_for(dry_run=True), changed)} == {"noop"}
