"""Cognito `pool_id`/`client_ids` against moto: the lookups behind deploy's function settings (fnenv.py)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from multicloud_ctl.engine.runtime import Runtime
from multicloud_ctl.providers.aws.cognito import CognitoAdmin

pytestmark = pytest.mark.integration

REGION = "us-east-1"


def boto(aws: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=aws, region_name=REGION)


def test_cognito_pool_id_and_client_ids(local_env: Any, aws: str) -> None:
    from multicloud_ctl.operations.deploy.fnenv import CognitoPool, find_pool

    idp = boto(aws, "cognito-idp")
    idp.create_user_pool(PoolName="other")
    pool = idp.create_user_pool(PoolName="shop-users")["UserPool"]["Id"]
    bare = idp.create_user_pool(PoolName="no-clients")["UserPool"]["Id"]
    first = idp.create_user_pool_client(UserPoolId=pool, ClientName="web")["UserPoolClient"]["ClientId"]
    second = idp.create_user_pool_client(UserPoolId=pool, ClientName="cli")["UserPoolClient"]["ClientId"]
    rt = Runtime(local_env)
    admin = CognitoAdmin(rt.aws, REGION)
    assert admin.pool_id("shop-users") == pool
    assert admin.pool_id("missing") is None
    assert sorted(admin.client_ids(pool)) == sorted([first, second])
    assert admin.client_ids(bare) == []
    found = find_pool(rt.aws, "shop-users")
    assert found is not None and found.pool_id == pool and found.client_id in (first, second)
    assert find_pool(rt.aws, "no-clients") == CognitoPool(bare, "")
    assert find_pool(rt.aws, "missing") is None
    described = admin.find_pool("shop-users")
    assert described is not None and described["Id"] == pool
    assert rt.aws.counter.mutating == 0
