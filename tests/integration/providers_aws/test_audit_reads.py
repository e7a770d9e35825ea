"""API Gateway stages and WAFv2 `acl_for_resource` against moto: the reads of the `aws.waf.attached` audit."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from multicloud_ctl.engine.runtime import Runtime
from multicloud_ctl.providers.aws.apigateway import ApiGateway, RestApi
from multicloud_ctl.providers.aws.wafv2 import WafAdmin

pytestmark = pytest.mark.integration

REGION = "us-east-1"


def boto(aws: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=aws, region_name=REGION)


def test_api_stages_and_the_web_acl_protecting_them(local_env: Any, aws: str) -> None:
    apigw, waf = boto(aws, "apigateway"), boto(aws, "wafv2")
    api = apigw.create_rest_api(name="shop-api")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    apigw.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
    deployment = apigw.create_deployment(restApiId=api)["id"]
    for stage in ("prod", "canary"):
        apigw.create_stage(restApiId=api, stageName=stage, deploymentId=deployment)
    acl = waf.create_web_acl(
        Name="shop-acl",
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        VisibilityConfig={"SampledRequestsEnabled": False, "CloudWatchMetricsEnabled": False, "MetricName": "m"},
    )["Summary"]["ARN"]
    rt = Runtime(local_env)
    gateway = ApiGateway(rt.aws, REGION)
    assert gateway.rest_apis() == [RestApi(api, "shop-api")]
    assert sorted(gateway.stage_names(api)) == ["canary", "prod"]
    prod = gateway.stage_arn(api, "prod")
    assert prod == f"arn:aws:apigateway:{REGION}::/restapis/{api}/stages/prod"
    waf.associate_web_acl(WebACLArn=acl, ResourceArn=prod)
    admin = WafAdmin(rt.aws, REGION)
    attached = admin.acl_for_resource(prod)
    assert attached is not None and attached["ARN"] == acl and attached["Name"] == "shop-acl"
    assert admin.acl_for_resource(gateway.stage_arn(api, "canary")) is None
    assert rt.aws.counter.mutating == 0
