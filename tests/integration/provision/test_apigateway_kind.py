"""The API Gateway REST API kind against moto through the real SDKs: converge (routes, authorizer, deployment,
stage, web ACL, invoke permissions), no drift, a changed definition is redeployed, destroy."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from multicloud_ctl.operations import provision

pytestmark = pytest.mark.integration

KINDS = ("cognito_user_pool", "waf_web_acl", "apigateway_rest_api")


def pending(plans: list[Any]) -> dict[str, Any]:
    return {p.address: [str(c) for c in p.changes] or p.action for p in plans if p.action != "noop"}


def client(env: Any, service: str, region: str = "us-east-1") -> Any:
    return boto3.client(service, endpoint_url=env.endpoints().aws, region_name=region)


def test_api_converges_with_no_drift_and_destroys(runtime_for: Any, aws_spec: Any, local_env: Any) -> None:
    spec = aws_spec(*KINDS)
    provision.apply(runtime_for(), spec)
    assert pending(provision.plan_resources(runtime_for(dry_run=True), spec)) == {}
    assert provision.find_drift(runtime_for(dry_run=True), spec) == []
    ag = client(local_env, "apigateway")
    api = next(a for a in ag.get_rest_apis()["items"] if a["name"] == "mcctl-local-api")
    items = ag.get_resources(restApiId=api["id"], embed=["methods"])["items"]
    orders = next(i for i in items if i["path"] == "/orders")["resourceMethods"]["POST"]
    assert orders["authorizationType"] == "COGNITO_USER_POOLS"
    assert orders["methodIntegration"]["uri"].endswith(":function:order-service:live/invocations")
    stage = ag.get_stage(restApiId=api["id"], stageName="v1")
    assert stage["tracingEnabled"] is True
    assert stage["methodSettings"]["*/*"]["throttlingBurstLimit"] == 1000
    assert stage["accessLogSettings"]["destinationArn"].startswith("arn:aws:logs:us-east-1:")
    assert ag.get_account()["cloudwatchRoleArn"] == "arn:aws:iam::123456789012:role/mcctl-local-apigateway-logs"
    waf = client(local_env, "wafv2")
    arn = f"arn:aws:apigateway:us-east-1::/restapis/{api['id']}/stages/v1"
    assert waf.get_web_acl_for_resource(ResourceArn=arn)["WebACL"]["Name"] == "mcctl-local-api"

    # a method changed behind our back is drift; apply restores it (the stage's deployment is still right)
    resource = next(i for i in items if i["path"] == "/users/me")
    ag.delete_method(restApiId=api["id"], resourceId=resource["id"], httpMethod="PUT")
    drift = provision.find_drift(runtime_for(dry_run=True), spec)
    assert [d.path for d in drift] and all(d.path.startswith("routes") for d in drift)
    provision.apply(runtime_for(), spec)
    assert provision.find_drift(runtime_for(dry_run=True), spec) == []

    # a changed stage setting is converged in place
    changed = aws_spec(*KINDS, kinds={"apigateway_rest_api": {"throttling_rate_limit": 50.0}})
    assert sorted(pending(provision.plan_resources(runtime_for(dry_run=True), changed))) == [
        "apigateway_rest_api/mcctl-local-api@us-east-1",
        "apigateway_rest_api/mcctl-local-api@us-west-2",  # the secondary region has its own API
    ]
    provision.apply(runtime_for(), changed)
    assert provision.find_drift(runtime_for(dry_run=True), changed) == []

    from multicloud_ctl.engine.run import Operation, run

    rt = runtime_for()
    destroy = provision.destroy_plan(rt, spec)
    assert "delete:apigateway_rest_api/mcctl-local-api@us-east-1" in {s.id for s in destroy.steps}
    assert run(rt, Operation("provision destroy", lambda _rt: destroy)).status == "ok"
    assert not [a for a in ag.get_rest_apis()["items"] if a["name"] == "mcctl-local-api"]


def test_the_api_kind_owns_its_stage_acl_and_the_waf_kind_protects_the_other_stages(
    runtime_for: Any, aws_spec: Any, local_env: Any
) -> None:
    """`web_acl: false` keeps our stage unassociated for good (the WAF kind used to associate it again on every
    apply, and the API kind to remove it); a stage of another API is still the WAF kind's to protect."""
    spec = aws_spec(*KINDS, kinds={"apigateway_rest_api": {"web_acl": False}})
    provision.apply(runtime_for(), spec)
    assert pending(provision.plan_resources(runtime_for(dry_run=True), spec)) == {}
    ag, waf = client(local_env, "apigateway"), client(local_env, "wafv2")
    ours = next(a for a in ag.get_rest_apis()["items"] if a["name"] == "mcctl-local-api")
    ours_arn = f"arn:aws:apigateway:us-east-1::/restapis/{ours['id']}/stages/v1"
    assert "WebACL" not in waf.get_web_acl_for_resource(ResourceArn=ours_arn)

    other = ag.create_rest_api(name="legacy-api")["id"]
    root = ag.get_resources(restApiId=other)["items"][0]["id"]
    ag.put_method(restApiId=other, resourceId=root, httpMethod="GET", authorizationType="NONE")
    ag.put_integration(restApiId=other, resourceId=root, httpMethod="GET", type="MOCK")
    ag.create_deployment(restApiId=other, stageName="prod")
    assert pending(provision.plan_resources(runtime_for(dry_run=True), spec)) == {
        "waf_web_acl/mcctl-local-api@us-east-1": ["api_stages_protected: False -> True"]
    }
    provision.apply(runtime_for(), spec)
    other_arn = f"arn:aws:apigateway:us-east-1::/restapis/{other}/stages/prod"
    assert waf.get_web_acl_for_resource(ResourceArn=other_arn)["WebACL"]["Name"] == "mcctl-local-api"
    assert "WebACL" not in waf.get_web_acl_for_resource(ResourceArn=ours_arn)
    assert pending(provision.plan_resources(runtime_for(dry_run=True), spec)) == {}


def test_moto_refuses_what_api_gateway_refuses(local_env: Any) -> None:
    """local/moto_apigateway.py: the definitions API Gateway refuses are refused here too."""
    from botocore.exceptions import ClientError

    ag = client(local_env, "apigateway")
    api = ag.create_rest_api(name="strict", tags={"a": "1"})["id"]
    root = ag.get_resources(restApiId=api)["items"][0]["id"]
    orders = ag.create_resource(restApiId=api, parentId=root, pathPart="orders")["id"]
    ag.create_resource(restApiId=api, parentId=orders, pathPart="{id}")
    proxy = ag.create_resource(restApiId=api, parentId=root, pathPart="{proxy+}")["id"]

    def refused(call: Any, code: str, text: str) -> None:
        with pytest.raises(ClientError) as err:
            call()
        assert err.value.response["Error"]["Code"] == code and text in err.value.response["Error"]["Message"]

    refused(lambda: ag.create_resource(restApiId=api, parentId=root, pathPart="orders"), "ConflictException", "same")
    refused(
        lambda: ag.create_resource(restApiId=api, parentId=orders, pathPart="{order_id}"),
        "BadRequestException",
        "variable path part",
    )
    refused(lambda: ag.create_resource(restApiId=api, parentId=proxy, pathPart="x"), "BadRequestException", "greedy")
    refused(
        lambda: ag.put_method(
            restApiId=api, resourceId=orders, httpMethod="POST", authorizationType="COGNITO_USER_POOLS"
        ),
        "BadRequestException",
        "authorizer",
    )
    ag.put_method(restApiId=api, resourceId=orders, httpMethod="POST", authorizationType="NONE")
    refused(
        lambda: ag.put_method(restApiId=api, resourceId=orders, httpMethod="POST", authorizationType="NONE"),
        "ConflictException",
        "Method already exists",
    )
    lambda_uri = (
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:order-service:live/invocations"
    )
    s3_uri = "arn:aws:apigateway:us-east-1:s3:path/bucket/key"
    for uri, method in ((s3_uri, "POST"), (lambda_uri, "GET")):
        refused(
            lambda uri=uri, method=method: ag.put_integration(
                restApiId=api,
                resourceId=orders,
                httpMethod="POST",
                type="AWS_PROXY",
                integrationHttpMethod=method,
                uri=uri,
            ),
            "BadRequestException",
            "Lambda",
        )
    ag.put_integration(
        restApiId=api,
        resourceId=orders,
        httpMethod="POST",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=lambda_uri,
    )
    refused(lambda: ag.create_stage(restApiId=api, stageName="v1", deploymentId="nope"), "NotFoundException", "Deploy")
    deployment = ag.create_deployment(restApiId=api)["id"]
    ag.create_stage(restApiId=api, stageName="v1", deploymentId=deployment)
    refused(
        lambda: ag.update_stage(
            restApiId=api,
            stageName="v1",
            patchOperations=[{"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "-1"}],
        ),
        "BadRequestException",
        "throttling",
    )
    log_to = [{"op": "replace", "path": "/accessLogSettings/destinationArn", "value": "arn:aws:logs:us-east-1:1:g"}]
    refused(
        lambda: ag.update_stage(restApiId=api, stageName="v1", patchOperations=log_to),
        "BadRequestException",
        "CloudWatch Logs role ARN must be set",
    )
    ag.tag_resource(resourceArn=f"arn:aws:apigateway:us-east-1::/restapis/{api}", tags={"b": "2"})
    assert ag.get_rest_api(restApiId=api)["tags"] == {"a": "1", "b": "2"}


def _deployed_function(env: Any, name: str) -> None:
    """`name` with a published version and the `live` alias on moto (what `mcctl deploy` leaves)."""
    import io
    import json
    import zipfile

    from botocore.exceptions import ClientError

    iam, lam = client(env, "iam"), client(env, "lambda")
    allow = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    trust = {"Version": "2012-10-17", "Statement": [allow]}
    role = iam.create_role(RoleName=f"r-{name}", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("h.py", "def handler(e, c):\n    return e\n")
    for attempt in range(5):  # moto_strict: a new role is not assumable at once, as in IAM
        try:
            lam.create_function(
                FunctionName=name,
                Runtime="python3.12",
                Role=role,
                Handler="h.handler",
                Code={"ZipFile": buf.getvalue()},
            )
            break
        except ClientError:
            if attempt == 4:
                raise
    version = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)


def test_invoke_permissions_once_the_functions_are_deployed(runtime_for: Any, aws_spec: Any, local_env: Any) -> None:
    from multicloud_ctl.operations.provision.kinds.apigateway_rest_api import grant_after_deploy

    spec = aws_spec("cognito_user_pool", "apigateway_rest_api", kinds={"apigateway_rest_api": {"web_acl": False}})
    provision.apply(runtime_for(), spec)
    assert provision.find_drift(runtime_for(dry_run=True), spec) == []  # nothing deployed: nothing to grant
    _deployed_function(local_env, "order-service")
    drift = provision.find_drift(runtime_for(dry_run=True), spec)
    assert [(d.path, d.live) for d in drift if "us-east-1" in d.address] == [
        ("invoke_permissions.order-service", "missing")
    ]
    provision.apply(runtime_for(), spec)
    assert provision.find_drift(runtime_for(dry_run=True), spec) == []
    lam = client(local_env, "lambda")
    policy = json.loads(lam.get_policy(FunctionName="order-service", Qualifier="live")["Policy"])
    (statement,) = policy["Statement"]
    api = next(a for a in client(local_env, "apigateway").get_rest_apis()["items"] if a["name"] == "mcctl-local-api")
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == (
        f"arn:aws:execute-api:us-east-1:123456789012:{api['id']}/*/*/*"
    )
    # deploy's hook: nothing to do when granted; grants again when the statement is gone
    assert grant_after_deploy(runtime_for(), "us-east-1", "order-service", "live") is False
    lam.remove_permission(FunctionName="order-service", Qualifier="live", StatementId=statement["Sid"])
    assert grant_after_deploy(runtime_for(), "us-east-1", "order-service", "live") is True
    assert provision.find_drift(runtime_for(dry_run=True), spec) == []


CERT = "arn:aws:acm:{region}:123456789012:certificate/0b5e8f7a-1c2d-4e3f-8a9b-0c1d2e3f4a5b"


def test_custom_domain_per_region_certificate(runtime_for: Any, aws_spec: Any, local_env: Any) -> None:
    from botocore.exceptions import ClientError

    domain = {"name": "api.shop.example.com", "certificate_arns": {"us-east-1": CERT.format(region="us-east-1")}}
    spec = aws_spec(
        "cognito_user_pool",
        "apigateway_rest_api",
        kinds={"apigateway_rest_api": {"web_acl": False, "custom_domain": domain}},
    )
    provision.apply(runtime_for(), spec)
    assert provision.find_drift(runtime_for(dry_run=True), spec) == []
    ag = client(local_env, "apigateway")
    found = ag.get_domain_name(domainName="api.shop.example.com")
    assert found["regionalCertificateArn"] == CERT.format(region="us-east-1")
    (mapping,) = ag.get_base_path_mappings(domainName="api.shop.example.com")["items"]
    assert mapping["stage"] == "v1"
    # us-west-2 has no certificate: no custom domain there; a certificate of another region is refused by moto too
    with pytest.raises(ClientError, match="Invalid certificate ARN"):
        client(local_env, "apigateway", "us-west-2").create_domain_name(
            domainName="x.example.com",
            regionalCertificateArn=CERT.format(region="us-east-1"),
            endpointConfiguration={"types": ["REGIONAL"]},
        )
    from multicloud_ctl.engine.run import Operation, run

    rt = runtime_for()
    destroy = provision.destroy_plan(rt, spec)
    assert run(rt, Operation("provision destroy", lambda _rt: destroy)).status == "ok"
    with pytest.raises(ClientError):
        ag.get_domain_name(domainName="api.shop.example.com")


def test_a_certificate_of_another_region_is_refused_at_load() -> None:
    from pydantic import ValidationError

    from multicloud_ctl.operations.provision.kinds.apigateway_rest_api import CustomDomain

    with pytest.raises(ValidationError, match="the certificate is in us-east-1, not us-west-2"):
        CustomDomain(name="api.example.com", certificate_arns={"us-west-2": CERT.format(region="us-east-1")})


def test_routes_added_behind_our_back_are_removed(runtime_for: Any, aws_spec: Any, local_env: Any) -> None:
    spec = aws_spec("cognito_user_pool", "apigateway_rest_api", kinds={"apigateway_rest_api": {"web_acl": False}})
    provision.apply(runtime_for(), spec)
    ag = client(local_env, "apigateway")
    api = next(a for a in ag.get_rest_apis()["items"] if a["name"] == "mcctl-local-api")["id"]
    items = {i["path"]: i["id"] for i in ag.get_resources(restApiId=api)["items"]}
    extra = ag.create_resource(restApiId=api, parentId=items["/"], pathPart="admin")["id"]
    child = ag.create_resource(restApiId=api, parentId=extra, pathPart="{proxy+}")["id"]
    ag.put_method(restApiId=api, resourceId=child, httpMethod="ANY", authorizationType="NONE")
    ag.put_method(restApiId=api, resourceId=items["/orders"], httpMethod="DELETE", authorizationType="NONE")
    assert [d.path for d in provision.find_drift(runtime_for(dry_run=True), spec)] == ["routes"]
    provision.apply(runtime_for(), spec)
    assert provision.find_drift(runtime_for(dry_run=True), spec) == []
    paths = {i["path"] for i in ag.get_resources(restApiId=api)["items"]}
    assert not {p for p in paths if p.startswith("/admin")}
