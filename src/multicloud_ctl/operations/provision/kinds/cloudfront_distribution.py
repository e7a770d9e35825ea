"""The CloudFront distribution in front of `static-assets` and `product-images`: origin access control
(SigV4-signed requests to private buckets), HTTPS only, tags. CloudFront is global (homed in us-east-1).

Routing: the default behaviour serves `static-assets`; `/products/*` serves `product-images` (its keys are
`products/<id>/image`), so both origins are reachable. OAC only signs requests: each origin bucket also needs a
policy statement letting `cloudfront.amazonaws.com` GetObject when `AWS:SourceArn` is this distribution,
put after the distribution exists (its ARN is known only then) and checked for drift like any attribute.

The distribution's `WebACLId` is the ARN of the CLOUDFRONT-scope web ACL of `waf_web_acl` (`web_acl` compares
its name; another ARN, or none, is drift: someone detaching the ACL shows up in `mcctl provision drift`). The ARN
exists only once the ACL does: apply reads it live.

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
from multicloud_ctl.operations.provision.kinds.waf_web_acl import (
    cloudfront_acl,
    cloudfront_acl_address,
    cloudfront_acl_arn,
)
from multicloud_ctl.operations.provision.model import Resource

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # AWS managed cache policy
OAC_SID = "McctlCloudFrontOacRead"
PRODUCT_IMAGES_PATH = "/products/*"


def oac_statement(bucket: str, distribution_arn: str) -> dict[str, Any]:
    """The bucket-policy statement OAC needs (AWS "Restricting access to an Amazon S3 origin")."""
    return {
        "Sid": OAC_SID,
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
        "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
    }


def _others(policy: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The policy's statements other than ours (a bucket policy may carry statements we do not own)."""
    statements = (policy or {}).get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    return [st for st in statements if st.get("Sid") != OAC_SID]


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
            "routes": {"default": b.static_assets, PRODUCT_IMAGES_PATH: b.product_images},
            "price_class": s.price_class,
            "origin_access_control": True,
            "origin_bucket_policy": True,
            "web_acl": cloudfront_acl(ctx),
            "tags": ctx.tags,
        }
        deps = [f"{S3Bucket.name}/{b.static_assets}", f"{S3Bucket.name}/{b.product_images}"]
        if attrs["web_acl"]:
            deps.append(cloudfront_acl_address(ctx))
        return [
            self.make(
                ctx,
                name,
                attrs,
                region="us-east-1",
                inputs={
                    "comment": name,
                    "oac": f"{name}-oac",
                    "buckets": [b.static_assets, b.product_images],
                    "bucket_region": region,
                },
                depends_on=deps,
            )
        ]

    def _admin(self, runtime: Any) -> Any:
        from multicloud_ctl.providers.aws.cloudfront import CloudFrontAdmin

        return CloudFrontAdmin(runtime.aws)

    def _s3(self, runtime: Any, res: Resource) -> Any:
        from multicloud_ctl.providers.aws.s3_admin import S3Admin

        return S3Admin(runtime.aws, res.inputs["bucket_region"])

    def _policies_grant(self, runtime: Any, res: Resource, arn: str) -> bool:
        """Whether every origin bucket's policy lets this distribution (and only it, via OAC) read objects."""
        s3 = self._s3(runtime, res)
        for bucket in res.inputs["buckets"]:
            ours = [st for st in (s3.policy(bucket) or {}).get("Statement", []) if st.get("Sid") == OAC_SID]
            if ours != [oac_statement(bucket, arn)]:
                return False
        return True

    def _put_policies(self, runtime: Any, res: Resource, arn: str) -> None:
        s3 = self._s3(runtime, res)
        for bucket in res.inputs["buckets"]:
            statements = [*_others(s3.policy(bucket)), oac_statement(bucket, arn)]
            s3.set_policy(bucket, {"Version": "2012-10-17", "Statement": statements})

    def _remove_policies(self, runtime: Any, res: Resource) -> None:
        s3 = self._s3(runtime, res)
        for bucket in res.inputs["buckets"]:
            if not s3.exists(bucket):
                continue
            policy = s3.policy(bucket)
            if policy is None:
                continue
            others = _others(policy)
            if others:
                s3.set_policy(bucket, {**policy, "Statement": others})
            else:
                s3.delete_policy(bucket)

    def _web_acl_arn(self, runtime: Any, res: Resource) -> str:
        """The WebACLId to send: the named CLOUDFRONT ACL's ARN ("" for none)."""
        name = res.attrs.get("web_acl") or ""
        if not name:
            return ""
        arn = cloudfront_acl_arn(runtime, name)
        if arn is None:
            raise RuntimeError(f"the CLOUDFRONT web ACL {name} does not exist (waf_web_acl creates it first)")
        return arn

    def _config(
        self, res: Resource, oac_id: str, base: dict[str, Any] | None = None, web_acl_arn: str = ""
    ) -> dict[str, Any]:
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
        routes = dict(a["routes"])
        default = routes.pop("default")
        behaviors = [
            {
                "PathPattern": path,
                "TargetOriginId": origin,
                "CachePolicyId": CACHING_OPTIMIZED,
                "ViewerProtocolPolicy": a["viewer_protocol_policy"],
            }
            for path, origin in sorted(routes.items())
        ]
        config.update(
            {
                "Comment": res.inputs["comment"],
                "Enabled": a["enabled"],
                "PriceClass": a["price_class"],
                "Origins": {"Quantity": len(items), "Items": items},
                "DefaultCacheBehavior": {
                    "TargetOriginId": default,
                    "CachePolicyId": CACHING_OPTIMIZED,
                    "ViewerProtocolPolicy": a["viewer_protocol_policy"],
                },
                "CacheBehaviors": {"Quantity": len(behaviors), "Items": behaviors},
                "WebACLId": web_acl_arn,
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
        routes = {"default": config.get("DefaultCacheBehavior", {}).get("TargetOriginId")}
        for behavior in config.get("CacheBehaviors", {}).get("Items", []) or []:
            routes[behavior["PathPattern"]] = behavior["TargetOriginId"]
        return {
            "enabled": config.get("Enabled"),
            "viewer_protocol_policy": config.get("DefaultCacheBehavior", {}).get("ViewerProtocolPolicy"),
            "origins": sorted(o["DomainName"] for o in origins),
            "routes": routes,
            "price_class": config.get("PriceClass"),
            "origin_access_control": signed,
            "origin_bucket_policy": self._policies_grant(runtime, res, dist["ARN"]),
            "web_acl": self._live_web_acl(runtime, res, str(config.get("WebACLId") or "")),
            "tags": only_keys(cf.tags(dist["ARN"]), res.tags),
            "id": dist["Id"],
            "domain": dist.get("DomainName"),
        }

    def _live_web_acl(self, runtime: Any, res: Resource, live: str) -> str:
        """The desired ACL's name when the distribution uses it, else the live WebACLId as it is ("" for none)."""
        name = res.attrs.get("web_acl") or ""
        if live and name and cloudfront_acl_arn(runtime, name) == live:
            return str(name)
        return live

    def _oac(self, cf: Any, res: Resource) -> str:
        oac = cf.find_oac(res.inputs["oac"])
        return str(oac["Id"]) if oac else str(cf.create_oac(res.inputs["oac"]))

    def create(self, runtime: Any, res: Resource) -> Any:
        cf = self._admin(runtime)
        config = self._config(res, self._oac(cf, res), web_acl_arn=self._web_acl_arn(runtime, res))
        out = cf.create(config, tag_list(res.tags))
        self._put_policies(runtime, res, cf.find(res.inputs["comment"])["ARN"])
        return out

    def update(self, runtime: Any, res: Resource, changed: list[str]) -> Any:
        cf = self._admin(runtime)
        dist = cf.find(res.inputs["comment"])
        if "origin_bucket_policy" in changed:
            self._put_policies(runtime, res, dist["ARN"])
        if set(changed) - {"tags", "origin_bucket_policy"}:
            config = self._config(res, self._oac(cf, res), dist["Config"], self._web_acl_arn(runtime, res))
            cf.update(dist["Id"], dist["ETag"], config)
        if "tags" in changed:
            cf.tag(dist["ARN"], tag_list(res.tags))
        return {"updated": changed}

    def delete(self, runtime: Any, res: Resource) -> Any:
        cf = self._admin(runtime)
        dist = cf.find(res.inputs["comment"])
        if dist:
            cf.delete(dist["Id"])
        self._remove_policies(runtime, res)
        oac = cf.find_oac(res.inputs["oac"])
        if oac:
            cf.delete_oac(oac["Id"])
        return {"deleted": res.inputs["comment"]}
