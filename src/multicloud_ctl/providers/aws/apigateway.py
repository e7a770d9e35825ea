"""API Gateway (REST APIs): reads for the audit (which APIs and stages exist, each stage's ARN as WAFv2 takes it
as a resource), and the administration the `apigateway_rest_api` provision kind needs (`ApiGatewayAdmin`).

A Lambda proxy integration's URI is the Lambda Invoke path under the API Gateway service ARN,
`arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations`, always called with POST
(PutIntegration API reference, `uri`: "For AWS or AWS_PROXY integrations, the URI is of the form
arn:aws:apigateway:{region}:{subdomain.service|service}:path|action/{service_api}").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import NotFound
from multicloud_ctl.providers.aws.errors import aws_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.aws.session import AwsClients


@dataclass(frozen=True)
class RestApi:
    """One REST API: its generated id and its name."""

    id: str
    name: str


@dataclass
class ApiGateway:
    clients: AwsClients
    region: str

    @property
    def _c(self) -> Any:
        return self.clients.client("apigateway", self.region)

    def rest_apis(self) -> list[RestApi]:
        """Every REST API in the region (one page of up to 500, as many as an account may have)."""
        with aws_errors("GetRestApis", "apigateway"):
            items = self._c.get_rest_apis(limit=500).get("items", [])
        return [RestApi(str(api["id"]), str(api.get("name", ""))) for api in items]

    def stage_names(self, api_id: str) -> list[str]:
        """The names of the API's deployed stages."""
        with aws_errors("GetStages", api_id):
            return [str(s["stageName"]) for s in self._c.get_stages(restApiId=api_id).get("item", [])]

    def stage_arn(self, api_id: str, stage: str) -> str:
        """The stage's ARN as WAFv2 names a protected resource."""
        return f"arn:aws:apigateway:{self.region}::/restapis/{api_id}/stages/{stage}"


@dataclass
class ApiGatewayAdmin:
    """The REST API administration provision needs: the API, its resources, methods, integrations, the
    authorizer, deployments and the stage (found by name; everything else by id)."""

    clients: AwsClients
    region: str

    @property
    def _c(self) -> Any:
        return self.clients.client("apigateway", self.region)

    def find(self, name: str) -> dict[str, Any] | None:
        """The REST API named `name` (with its tags), or None."""
        with aws_errors("GetRestApis", name):
            for api in self._c.get_rest_apis(limit=500).get("items", []):
                if api.get("name") == name:
                    return dict(api)
        return None

    def create(self, name: str, description: str, tags: dict[str, str]) -> str:
        with aws_errors("CreateRestApi", name):
            out = self._c.create_rest_api(
                name=name, description=description, endpointConfiguration={"types": ["REGIONAL"]}, tags=tags
            )
        return str(out["id"])

    def tag(self, api_id: str, tags: dict[str, str]) -> None:
        with aws_errors("TagResource", api_id):
            self._c.tag_resource(resourceArn=f"arn:aws:apigateway:{self.region}::/restapis/{api_id}", tags=tags)

    def delete(self, api_id: str) -> None:
        with aws_errors("DeleteRestApi", api_id):
            self._c.delete_rest_api(restApiId=api_id)

    def resources(self, api_id: str) -> list[dict[str, Any]]:
        """Every resource with its methods and their integrations embedded (GetResources embed=methods)."""
        with aws_errors("GetResources", api_id):
            pages = self._c.get_paginator("get_resources").paginate(restApiId=api_id, embed=["methods"], limit=500)
            return [dict(r) for page in pages for r in page.get("items", [])]

    def create_resource(self, api_id: str, parent_id: str, part: str) -> str:
        with aws_errors("CreateResource", part):
            return str(self._c.create_resource(restApiId=api_id, parentId=parent_id, pathPart=part)["id"])

    def delete_resource(self, api_id: str, resource_id: str) -> None:
        with aws_errors("DeleteResource", resource_id):
            self._c.delete_resource(restApiId=api_id, resourceId=resource_id)

    def put_method(
        self, api_id: str, resource_id: str, method: str, authorizer_id: str | None, *, scopes: list[str]
    ) -> None:
        """A method open to all (`authorizer_id` None) or behind the Cognito authorizer (access tokens with
        `scopes`)."""
        kind = "COGNITO_USER_POOLS" if authorizer_id else "NONE"
        extra: dict[str, Any] = {"authorizerId": authorizer_id} if authorizer_id else {}
        if authorizer_id and scopes:
            extra["authorizationScopes"] = scopes
        with aws_errors("PutMethod", f"{method} {resource_id}"):
            self._c.put_method(
                restApiId=api_id, resourceId=resource_id, httpMethod=method, authorizationType=kind, **extra
            )

    def delete_method(self, api_id: str, resource_id: str, method: str) -> None:
        with aws_errors("DeleteMethod", f"{method} {resource_id}"):
            self._c.delete_method(restApiId=api_id, resourceId=resource_id, httpMethod=method)

    def put_lambda_proxy(self, api_id: str, resource_id: str, method: str, function_arn: str) -> None:
        """A Lambda proxy integration (AWS_PROXY; Lambda is always invoked with POST) on `function_arn`."""
        uri = f"arn:aws:apigateway:{self.region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
        with aws_errors("PutIntegration", f"{method} {resource_id}"):
            self._c.put_integration(
                restApiId=api_id,
                resourceId=resource_id,
                httpMethod=method,
                type="AWS_PROXY",
                integrationHttpMethod="POST",
                uri=uri,
            )

    def authorizers(self, api_id: str) -> list[dict[str, Any]]:
        with aws_errors("GetAuthorizers", api_id):
            return [dict(a) for a in self._c.get_authorizers(restApiId=api_id, limit=500).get("items", [])]

    def create_authorizer(self, api_id: str, name: str, pool_arns: list[str], identity_source: str) -> str:
        with aws_errors("CreateAuthorizer", name):
            out = self._c.create_authorizer(
                restApiId=api_id,
                name=name,
                type="COGNITO_USER_POOLS",
                providerARNs=pool_arns,
                identitySource=identity_source,
            )
        return str(out["id"])

    def update_authorizer(self, api_id: str, authorizer_id: str, pool_arns: list[str]) -> None:
        ops = [{"op": "replace", "path": "/providerARNs", "value": ",".join(pool_arns)}]
        with aws_errors("UpdateAuthorizer", authorizer_id):
            self._c.update_authorizer(restApiId=api_id, authorizerId=authorizer_id, patchOperations=ops)

    def deployment(self, api_id: str, deployment_id: str) -> dict[str, Any] | None:
        try:
            with aws_errors("GetDeployment", deployment_id):
                return dict(self._c.get_deployment(restApiId=api_id, deploymentId=deployment_id))
        except NotFound:
            return None

    def create_deployment(self, api_id: str, description: str) -> str:
        """A deployment (a snapshot of the API's definition) not yet attached to any stage."""
        with aws_errors("CreateDeployment", api_id):
            return str(self._c.create_deployment(restApiId=api_id, description=description)["id"])

    def stage(self, api_id: str, name: str) -> dict[str, Any] | None:
        try:
            with aws_errors("GetStage", f"{api_id}/{name}"):
                return dict(self._c.get_stage(restApiId=api_id, stageName=name))
        except NotFound:
            return None

    def create_stage(self, api_id: str, name: str, deployment_id: str, tags: dict[str, str]) -> None:
        with aws_errors("CreateStage", f"{api_id}/{name}"):
            self._c.create_stage(restApiId=api_id, stageName=name, deploymentId=deployment_id, tags=tags)

    def update_stage(self, api_id: str, name: str, operations: list[dict[str, str]]) -> None:
        with aws_errors("UpdateStage", f"{api_id}/{name}"):
            self._c.update_stage(restApiId=api_id, stageName=name, patchOperations=operations)

    def stage_arn(self, api_id: str, stage: str) -> str:
        return f"arn:aws:apigateway:{self.region}::/restapis/{api_id}/stages/{stage}"

    def domain(self, name: str) -> dict[str, Any] | None:
        """The custom domain name `name` with its base path mappings (`mappings`), or None."""
        try:
            with aws_errors("GetDomainName", name):
                found = dict(self._c.get_domain_name(domainName=name))
        except NotFound:
            return None
        with aws_errors("GetBasePathMappings", name):
            found["mappings"] = self._c.get_base_path_mappings(domainName=name, limit=500).get("items", [])
        return found

    def create_domain(self, name: str, certificate_arn: str, security_policy: str, tags: dict[str, str]) -> None:
        """A REGIONAL custom domain on an ACM certificate of this region."""
        with aws_errors("CreateDomainName", name):
            self._c.create_domain_name(
                domainName=name,
                regionalCertificateArn=certificate_arn,
                endpointConfiguration={"types": ["REGIONAL"]},
                securityPolicy=security_policy,
                tags=tags,
            )

    def update_domain(self, name: str, certificate_arn: str, security_policy: str) -> None:
        ops = [
            {"op": "replace", "path": "/regionalCertificateArn", "value": certificate_arn},
            {"op": "replace", "path": "/securityPolicy", "value": security_policy},
        ]
        with aws_errors("UpdateDomainName", name):
            self._c.update_domain_name(domainName=name, patchOperations=ops)

    def map_base_path(self, name: str, api_id: str, stage: str) -> None:
        """The domain's root path serves `stage` of the API."""
        with aws_errors("CreateBasePathMapping", name):
            self._c.create_base_path_mapping(domainName=name, restApiId=api_id, stage=stage)

    def delete_domain(self, name: str) -> None:
        with aws_errors("DeleteDomainName", name):
            self._c.delete_domain_name(domainName=name)

    def logging_role(self) -> str | None:
        """The account's CloudWatch Logs role in this region (API Gateway writes access logs with it)."""
        with aws_errors("GetAccount", self.region):
            return self._c.get_account().get("cloudwatchRoleArn") or None

    def set_logging_role(self, role_arn: str) -> None:
        ops = [{"op": "replace", "path": "/cloudwatchRoleArn", "value": role_arn}]
        with aws_errors("UpdateAccount", self.region):
            self._c.update_account(patchOperations=ops)
