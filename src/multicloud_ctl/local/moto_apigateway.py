"""moto's API Gateway (REST v1) made as strict as API Gateway where provision depends on it (loaded by
`local/moto_strict.py` before moto's server starts).

moto 5.2 stores a stage on a deployment that does not exist, a second resource with the same path part or a
second variable path part under one parent, a child under a greedy `{proxy+}`, a method over an existing one, a
Cognito-authorized method without a Cognito authorizer, and an `AWS_PROXY` integration on any service. API Gateway
refuses each of these (messages as API Gateway words them):
- CreateStage / UpdateStage `/deploymentId`: "Invalid Deployment identifier specified" (NotFoundException).
- CreateResource: "Another resource with the same parent already has this name: PART" (ConflictException);
  "A sibling ({x}) of this resource already has a variable path part -- only one is allowed"; "Cannot create a
  child of a resource with a greedy path variable: {proxy+}" (BadRequestException).
- PutMethod: "Method already exists for this resource" (ConflictException: PutMethod creates, UpdateMethod or
  DeleteMethod + PutMethod change one); authorizationType COGNITO_USER_POOLS needs the id of a
  COGNITO_USER_POOLS authorizer of the API: "Invalid authorizer ID specified. Setting the authorization type to
  COGNITO_USER_POOLS requires a valid authorizer." (BadRequestException).
- PutIntegration type AWS_PROXY: "Integrations of type 'AWS_PROXY' currently only supports Lambda function and
  Firehose stream invocations." unless the URI is a Lambda Invoke path
  (`arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]/invocations`)
  or Firehose; and a Lambda integration is invoked with POST ("Set up Lambda proxy integrations": the
  integration's HTTP method must be POST), so another integrationHttpMethod is refused here too.
- CreateDomainName with a REGIONAL endpoint: the `regionalCertificateArn` must be an ACM certificate of the
  API's own region ("Setting up a Regional custom domain name": "the certificate must be in the same Region as
  your API"); BadRequestException "Invalid certificate ARN: ..." otherwise.
- DeleteResource deletes the resource *and its descendants*, as API Gateway does; moto removes only the one
  resource and leaves its children without a parent (GetResources then fails on them).
- TagResource on a REST API (`arn:aws:apigateway:REGION::/restapis/ID`): moto tags only stages; here the API's
  own tags (what GetRestApis answers) are merged, as API Gateway does.
- UpdateStage setting an access log destination while the account (of that region) has no CloudWatch Logs role:
  "CloudWatch Logs role ARN must be set in account settings to enable logging" (BadRequestException).
- UpdateStage throttling: a negative rate or burst is refused ("Invalid throttling value" is what the API says
  for out-of-range values; the account quota, 10,000 rps and 5,000 burst, caps them too).
"""

from __future__ import annotations

import re
from typing import Any

LAMBDA_INVOKE = re.compile(
    r"^arn:aws:apigateway:(?P<region>[a-z0-9-]+):lambda:path/2015-03-31/functions/"
    r"arn:aws:lambda:(?P=region):\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?/invocations$"
)
FIREHOSE = re.compile(r"^arn:aws:apigateway:[a-z0-9-]+:firehose:")
MAX_RATE, MAX_BURST = 10_000.0, 5_000


def integration_refusal(integration_type: str, uri: str, http_method: str) -> str | None:
    """Why API Gateway refuses this integration, or None."""
    if integration_type != "AWS_PROXY":
        return None
    if FIREHOSE.match(uri or ""):
        return None
    if not LAMBDA_INVOKE.match(uri or ""):
        return (
            "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations."
        )
    if (http_method or "").upper() != "POST":
        return "Lambda integrations must use POST as the integration HTTP method."
    return None


def throttling_refusal(operations: list[dict[str, Any]]) -> str | None:
    for op in operations or []:
        path = str(op.get("path") or "")
        if not path.endswith(("/throttling/rateLimit", "/throttling/burstLimit")) or op.get("op") == "remove":
            continue
        try:
            value = float(op.get("value"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return f"Invalid throttling value: {op.get('value')!r}"
        limit = MAX_RATE if path.endswith("rateLimit") else MAX_BURST
        if value < 0 or value > limit:
            return f"Invalid throttling value {op.get('value')} for {path}: must be between 0 and {limit:g}"
    return None


def make_apigateway_strict() -> None:
    """Patch moto's API Gateway backend with the refusals above (idempotent)."""
    from moto.apigateway.exceptions import BadRequestException, ConflictException, NotFoundException
    from moto.apigateway.models import APIGatewayBackend

    if getattr(APIGatewayBackend.create_stage, "_mcctl_strict", False):
        return
    create_stage, update_stage = APIGatewayBackend.create_stage, APIGatewayBackend.update_stage
    create_resource, put_method = APIGatewayBackend.create_resource, APIGatewayBackend.put_method
    put_integration = APIGatewayBackend.put_integration
    create_domain_name = APIGatewayBackend.create_domain_name
    delete_resource = APIGatewayBackend.delete_resource

    def subtree_delete_resource(self: Any, function_id: str, resource_id: str) -> Any:
        api = self.get_rest_api(function_id)
        children = [r.id for r in api.resources.values() if r.parent_id == resource_id]
        for child in children:
            subtree_delete_resource(self, function_id, child)
        return delete_resource(self, function_id, resource_id)

    def strict_create_domain_name(self: Any, domain_name: str, *a: Any) -> Any:
        regional_arn = a[7] if len(a) > 7 else None
        if regional_arn and not str(regional_arn).startswith(f"arn:aws:acm:{self.region_name}:"):
            raise BadRequestException(
                f"Invalid certificate ARN: {regional_arn}. Certificate must be in '{self.region_name}'."
            )
        return create_domain_name(self, domain_name, *a)

    def strict_create_stage(self: Any, function_id: str, stage_name: str, deploymentId: str, **kw: Any) -> Any:
        if deploymentId not in self.get_rest_api(function_id).deployments:
            raise NotFoundException("Invalid Deployment identifier specified")
        return create_stage(self, function_id, stage_name, deploymentId, **kw)

    def strict_update_stage(self: Any, function_id: str, stage_name: str, patch_operations: Any) -> Any:
        api = self.get_rest_api(function_id)
        for op in patch_operations or []:
            if op.get("path") == "/deploymentId" and op.get("value") not in api.deployments:
                raise NotFoundException("Invalid Deployment identifier specified")
        logging = any(str(op.get("path") or "").startswith("/accessLogSettings") and op.get("op") != "remove"
                      for op in patch_operations or [])  # fmt: skip
        if logging and not self.account.cloudwatch_role_arn:
            raise BadRequestException("CloudWatch Logs role ARN must be set in account settings to enable logging")
        problem = throttling_refusal(patch_operations)
        if problem:
            raise BadRequestException(problem)
        return update_stage(self, function_id, stage_name, patch_operations)

    def strict_create_resource(self: Any, function_id: str, parent_resource_id: str, path_part: str) -> Any:
        api = self.get_rest_api(function_id)
        parent = api.resources.get(parent_resource_id)
        if parent is not None and str(parent.path_part or "").endswith("+}"):
            raise BadRequestException(
                f"Cannot create a child of a resource with a greedy path variable: {parent.path_part}"
            )
        siblings = [r for r in api.resources.values() if r.parent_id == parent_resource_id]
        for sibling in siblings:
            if sibling.path_part == path_part:
                raise ConflictException(f"Another resource with the same parent already has this name: {path_part}")
            if path_part.startswith("{") and str(sibling.path_part or "").startswith("{"):
                raise BadRequestException(
                    f"A sibling ({sibling.path_part}) of this resource already has a variable path part -- only one "
                    "is allowed"
                )
        return create_resource(self, function_id, parent_resource_id, path_part)

    def strict_put_method(self: Any, function_id: str, resource_id: str, method_type: str, *a: Any, **kw: Any) -> Any:
        resource = self.get_resource(function_id, resource_id)
        if method_type in resource.resource_methods:
            raise ConflictException("Method already exists for this resource")
        authorization = kw.get("authorization_type") if "authorization_type" in kw else (a[0] if a else None)
        if authorization == "COGNITO_USER_POOLS":
            found = self.get_rest_api(function_id).authorizers.get(kw.get("authorizer_id") or "")
            if found is None or found.type != "COGNITO_USER_POOLS":
                raise BadRequestException(
                    "Invalid authorizer ID specified. Setting the authorization type to COGNITO_USER_POOLS requires a "
                    "valid authorizer."
                )
        return put_method(self, function_id, resource_id, method_type, *a, **kw)

    def strict_put_integration(
        self: Any,
        function_id: str,
        resource_id: str,
        method_type: str,
        integration_type: str,
        uri: str,
        integration_method: str,
        *a: Any,
        **kw: Any,
    ) -> Any:
        problem = integration_refusal(integration_type, uri, integration_method)
        if problem:
            raise BadRequestException(problem)
        return put_integration(
            self, function_id, resource_id, method_type, integration_type, uri, integration_method, *a, **kw
        )

    from moto.apigateway.responses import APIGatewayResponse

    tag_stage = APIGatewayResponse.tag_resource

    def tag_resource(self: Any) -> str:
        import json
        from urllib.parse import unquote

        parts = unquote(self.path.split("/tags/", 1)[1]).rstrip("/").split("/")
        if len(parts) >= 2 and parts[-2] == "restapis":
            api = self.backend.get_rest_api(parts[-1])
            api.tags = {**(api.tags or {}), **(self._get_param("tags") or {})}
            return json.dumps({})
        return str(tag_stage(self))

    APIGatewayResponse.tag_resource = tag_resource  # type: ignore[method-assign]
    from moto.apigateway import urls

    api_tags = "{0}/tags/arn:(?P<partition>[^/]+):apigateway:(?P<region_name>[^/]+)::/restapis/(?P<function_id>[^/]+)$"
    urls.url_paths.setdefault(api_tags, APIGatewayResponse.dispatch)
    strict_create_stage._mcctl_strict = True  # type: ignore[attr-defined]
    APIGatewayBackend.create_stage = strict_create_stage  # type: ignore[method-assign,assignment]
    APIGatewayBackend.update_stage = strict_update_stage  # type: ignore[method-assign]
    APIGatewayBackend.create_resource = strict_create_resource  # type: ignore[method-assign]
    APIGatewayBackend.put_method = strict_put_method  # type: ignore[method-assign]
    APIGatewayBackend.put_integration = strict_put_integration  # type: ignore[method-assign]
    APIGatewayBackend.delete_resource = subtree_delete_resource  # type: ignore[method-assign]
    APIGatewayBackend.create_domain_name = strict_create_domain_name  # type: ignore[method-assign,assignment]
