"""WAFv2 web ACL administration for provision (REGIONAL scope for the API, CLOUDFRONT scope through us-east-1
for the CloudFront distribution; found by name), and the audit's question which web ACL protects a resource."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from multicloud_ctl.providers.aws.errors import aws_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.aws.session import AwsClients


@dataclass
class WafAdmin:
    clients: AwsClients
    region: str
    scope: str = "REGIONAL"

    @property
    def _c(self) -> Any:
        return self.clients.client("wafv2", self.region)

    def find(self, name: str) -> dict[str, Any] | None:
        """The web ACL named `name` with its lock token, or None."""
        with aws_errors("ListWebACLs", name):
            acls = self._c.list_web_acls(Scope=self.scope, Limit=100).get("WebACLs", [])
            for acl in acls:
                if acl["Name"] == name:
                    out = self._c.get_web_acl(Name=name, Scope=self.scope, Id=acl["Id"])
                    return {**out["WebACL"], "LockToken": out["LockToken"]}
        return None

    def acl_for_resource(self, resource_arn: str) -> dict[str, Any] | None:
        """The web ACL associated with `resource_arn` (an API stage, a load balancer), or None."""
        with aws_errors("GetWebACLForResource", resource_arn):
            acl = self._c.get_web_acl_for_resource(ResourceArn=resource_arn).get("WebACL")
        return dict(acl) if acl else None

    def associate(self, acl_arn: str, resource_arn: str) -> None:
        """Attach the (REGIONAL) web ACL to `resource_arn`, e.g. an API Gateway stage."""
        with aws_errors("AssociateWebACL", resource_arn):
            self._c.associate_web_acl(WebACLArn=acl_arn, ResourceArn=resource_arn)

    def disassociate(self, resource_arn: str) -> None:
        with aws_errors("DisassociateWebACL", resource_arn):
            self._c.disassociate_web_acl(ResourceArn=resource_arn)

    def create(self, name: str, config: dict[str, Any], tags: list[dict[str, str]]) -> str:
        with aws_errors("CreateWebACL", name):
            return str(self._c.create_web_acl(Name=name, Scope=self.scope, Tags=tags, **config)["Summary"]["ARN"])

    def update(self, acl: dict[str, Any], config: dict[str, Any]) -> None:
        with aws_errors("UpdateWebACL", acl["Name"]):
            self._c.update_web_acl(
                Name=acl["Name"], Scope=self.scope, Id=acl["Id"], LockToken=acl["LockToken"], **config
            )

    def tags(self, arn: str) -> dict[str, str]:
        with aws_errors("ListTagsForResource", arn):
            info = self._c.list_tags_for_resource(ResourceARN=arn)["TagInfoForResource"]
        return {t["Key"]: t["Value"] for t in info.get("TagList", [])}

    def tag(self, arn: str, tags: list[dict[str, str]]) -> None:
        with aws_errors("TagResource", arn):
            self._c.tag_resource(ResourceARN=arn, Tags=tags)

    def delete(self, acl: dict[str, Any]) -> None:
        with aws_errors("DeleteWebACL", acl["Name"]):
            self._c.delete_web_acl(Name=acl["Name"], Scope=self.scope, Id=acl["Id"], LockToken=acl["LockToken"])
