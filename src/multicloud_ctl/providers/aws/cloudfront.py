"""CloudFront for provision: origin access controls and distributions (found by their Comment)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from multicloud_ctl.providers.aws.errors import aws_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.aws.session import AwsClients


@dataclass
class CloudFrontAdmin:
    clients: AwsClients

    @property
    def _c(self) -> Any:
        return self.clients.client("cloudfront", "us-east-1")  # a global service, homed in us-east-1

    def find_oac(self, name: str) -> dict[str, Any] | None:
        with aws_errors("ListOriginAccessControls", name):
            items = self._c.list_origin_access_controls().get("OriginAccessControlList", {}).get("Items", [])
        for item in items or []:
            if item["Name"] == name:
                return dict(item)
        return None

    def create_oac(self, name: str) -> str:
        with aws_errors("CreateOriginAccessControl", name):
            out = self._c.create_origin_access_control(
                OriginAccessControlConfig={
                    "Name": name,
                    "SigningProtocol": "sigv4",
                    "SigningBehavior": "always",
                    "OriginAccessControlOriginType": "s3",
                }
            )
        return str(out["OriginAccessControl"]["Id"])

    def delete_oac(self, oac_id: str) -> None:
        with aws_errors("GetOriginAccessControl", oac_id):
            etag = self._c.get_origin_access_control(Id=oac_id)["ETag"]
        with aws_errors("DeleteOriginAccessControl", oac_id):
            self._c.delete_origin_access_control(Id=oac_id, IfMatch=etag)

    def find(self, comment: str) -> dict[str, Any] | None:
        """The distribution whose Comment is `comment`, with its config and ETag."""
        with aws_errors("ListDistributions", comment):
            items = self._c.list_distributions().get("DistributionList", {}).get("Items", []) or []
            for item in items:
                if item.get("Comment") == comment:
                    out = self._c.get_distribution_config(Id=item["Id"])
                    return {
                        "Id": item["Id"],
                        "ARN": item["ARN"],
                        "DomainName": item.get("DomainName"),
                        "Config": out["DistributionConfig"],
                        "ETag": out["ETag"],
                    }
        return None

    def create(self, config: dict[str, Any], tags: list[dict[str, str]]) -> dict[str, Any]:
        with aws_errors("CreateDistributionWithTags", config.get("Comment", "")):
            out = self._c.create_distribution_with_tags(
                DistributionConfigWithTags={"DistributionConfig": config, "Tags": {"Items": tags}}
            )
        return {"id": out["Distribution"]["Id"], "domain": out["Distribution"].get("DomainName")}

    def update(self, dist_id: str, etag: str, config: dict[str, Any]) -> None:
        with aws_errors("UpdateDistribution", dist_id):
            self._c.update_distribution(Id=dist_id, IfMatch=etag, DistributionConfig=config)

    def tags(self, arn: str) -> dict[str, str]:
        with aws_errors("ListTagsForResource", arn):
            items = self._c.list_tags_for_resource(Resource=arn).get("Tags", {}).get("Items", [])
        return {t["Key"]: t["Value"] for t in items}

    def tag(self, arn: str, tags: list[dict[str, str]]) -> None:
        with aws_errors("TagResource", arn):
            self._c.tag_resource(Resource=arn, Tags={"Items": tags})

    def delete(self, dist_id: str) -> None:
        """Disable, then delete (CloudFront refuses to delete an enabled distribution)."""
        with aws_errors("GetDistributionConfig", dist_id):
            out = self._c.get_distribution_config(Id=dist_id)
        config, etag = out["DistributionConfig"], out["ETag"]
        if config.get("Enabled"):
            config["Enabled"] = False
            with aws_errors("UpdateDistribution", dist_id):
                etag = self._c.update_distribution(Id=dist_id, IfMatch=etag, DistributionConfig=config)["ETag"]
        with aws_errors("DeleteDistribution", dist_id):
            self._c.delete_distribution(Id=dist_id, IfMatch=etag)
