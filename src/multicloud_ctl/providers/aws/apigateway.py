"""API Gateway (REST APIs) reads for the audit: which APIs and stages exist, and each stage's ARN.

The ARN is the one WAFv2 takes as a resource (`wafv2.WafAdmin.acl_for_resource`), so the security check can
ask, stage by stage, whether a web ACL protects it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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
