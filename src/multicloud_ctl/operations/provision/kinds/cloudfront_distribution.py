"""The CloudFront distribution in front of `static-assets` and `product-images`: origin access control
(SigV4-signed requests to private buckets), HTTPS only, tags. CloudFront is global (homed in us-east-1).

moto 5.2.5 stores the OAC but drops `OriginAccessControlId` from the origins it returns; the attribute is
compared only when the service returns it (real CloudFront always does).
"""

from __future__ import annotations

from typing import Any

from multicloud_ctl.operations.provision.kind import (
    DesiredContext,
    KindSettings,
    ResourceKind,
    only_keys,
    tag_list,
)
from multicloud_ctl.operations.provision.kinds.s3_bucket import S3Bucket
from multicloud_ctl.operations.provision.model import Resource

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # AWS managed cache policy


class Settings(KindSettings):
    price_class: str = "PriceClass_100"
    viewer_protocol_policy: str = "https-only"


class CloudFrontDistribution(ResourceKind):
    name = "cloudfront_distribution"
    provider = "aws"
    settings = Settings
    description = "CloudFront distribution with OAC over the S3 buckets, HTTPS only"

    def desired(self, ctx: DesiredContext) -> list[Resource]:
        s: Settings = ctx.settings(self.name)
        b, region = ctx.env.aws.buckets, ctx.regions[0]
        name = f"mcctl-{ctx.env.name}-cdn"
        origins = sorted(f"{bucket}.s3.{region}.amazonaws.com" for bucket in (b.static_assets, b.product_images))
        attrs = {
            "enabled": True,
            "viewer_protocol_policy": s.viewer_protocol_policy,
            "origins": origins,
            "price_class": s.price_class,
            "origin_access_control": True,
            "tags": ctx.tags,
        }
        return [
            self.make(
                ctx,
                name,
                attrs,
                region="us-east-1",
                inputs={"comment": name, "oac": f"{name}-oac"},
                depends_on=[f"{S3Bucket.name}/{b.static_assets}", f"{S3Bucket.name}/{b.product_images}"],
            )
        ]

    def _admin(self, runtime: Any) -> Any:
        from multicloud_ctl.providers.aws.cloudfront import CloudFrontAdmin

        return CloudFrontAdmin(runtime.aws)

    def _config(self, res: Resource, oac_id: str, base: dict[str, Any] | None = None) -> dict[str, Any]:
        a = res.attrs
        items = [
            {
                "Id": d.split(".", 1)[0],
                "DomainName": d,
                "S3OriginConfig": {"OriginAccessIdentity": ""},
                "OriginAccessControlId": oac_id,
            }
            for d in a["origins"]
        ]
        config = dict(base or {"CallerReference": res.inputs["comment"]})
        config.update(
            {
                "Comment": res.inputs["comment"],
                "Enabled": a["enabled"],
                "PriceClass": a["price_class"],
                "Origins": {"Quantity": len(items), "Items": items},
                "DefaultCacheBehavior": {
                    "TargetOriginId": items[0]["Id"],
                    "CachePolicyId": CACHING_OPTIMIZED,
                    "ViewerProtocolPolicy": a["viewer_protocol_policy"],
                },
            }
        )
        return config

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        cf = self._admin(runtime)
        dist = cf.find(res.inputs["comment"])
        if dist is None:
            return None
        config = dist["Config"]
        origins = config.get("Origins", {}).get("Items", []) or []
        oac = cf.find_oac(res.inputs["oac"])
        signed = oac is not None and all(o.get("OriginAccessControlId", oac["Id"]) == oac["Id"] for o in origins)
        return {
            "enabled": config.get("Enabled"),
            "viewer_protocol_policy": config.get("DefaultCacheBehavior", {}).get("ViewerProtocolPolicy"),
            "origins": sorted(o["DomainName"] for o in origins),
            "price_class": config.get("PriceClass"),
            "origin_access_control": signed,
            "tags": only_keys(cf.tags(dist["ARN"]), res.tags),
            "id": dist["Id"],
            "domain": dist.get("DomainName"),
        }

    def _oac(self, cf: Any, res: Resource) -> str:
        oac = cf.find_oac(res.inputs["oac"])
        return str(oac["Id"]) if oac else str(cf.create_oac(res.inputs["oac"]))

    def create(self, runtime: Any, res: Resource) -> Any:
        cf = self._admin(runtime)
        return cf.create(self._config(res, self._oac(cf, res)), tag_list(res.tags))

    def update(self, runtime: Any, res: Resource, changed: list[str]) -> Any:
        cf = self._admin(runtime)
        dist = cf.find(res.inputs["comment"])
        if set(changed) - {"tags"}:
            cf.update(dist["Id"], dist["ETag"], self._config(res, self._oac(cf, res), dist["Config"]))
        if "tags" in changed:
            cf.tag(dist["ARN"], tag_list(res.tags))
        return {"updated": changed}

    def delete(self, runtime: Any, res: Resource) -> Any:
        cf = self._admin(runtime)
        dist = cf.find(res.inputs["comment"])
        if dist:
            cf.delete(dist["Id"])
        oac = cf.find_oac(res.inputs["oac"])
        if oac:
            cf.delete_oac(oac["Id"])
        return {"deleted": res.inputs["comment"]}
