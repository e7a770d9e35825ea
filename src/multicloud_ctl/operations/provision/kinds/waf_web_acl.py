"""WAFv2 web ACLs with a rate-based blocking rule per client IP: a REGIONAL one for the API (both regions) and a
CLOUDFRONT one for the CloudFront distribution.

A REGIONAL ACL protects nothing until it is associated (`AssociateWebACL`) with a resource: here every
API Gateway REST API stage in the ACL's region, except the stages of the REST API the `apigateway_rest_api` kind
manages (when that kind is on): that kind owns its stage's association (its `web_acl` knob), and two kinds
converging one association to different answers would undo each other on every apply.
`api_stages_protected` is drift-checked: a stage deployed after the last apply, or one whose ACL was removed,
shows up as a change and apply associates it.
CloudFront takes only a CLOUDFRONT-scope ACL, created through us-east-1 (its ARN reads `...:global/webacl/...`;
CloudFront refuses a REGIONAL ARN with InvalidWebACLId): the `cloudfront` knob adds `mcctl-<env>-cdn`, which the
`cloudfront_distribution` kind sets as its `WebACLId` (WAFv2's AssociateWebACL does not apply to CloudFront).
WAF refuses to delete an ACL still in use, so destroy removes the distribution (a later kind) first.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from multicloud_ctl.operations.provision.kind import (
    DesiredContext,
    KindSettings,
    ResourceKind,
    only_keys,
    tag_list,
)
from multicloud_ctl.operations.provision.kinds.apigateway_rest_api import rest_api_name
from multicloud_ctl.operations.provision.model import Resource


class Settings(KindSettings):
    # WAFv2 `RateLimit`: long, min 10, max 2,000,000,000 (botocore's wafv2 2019-07-29 service model; the API
    # refuses anything else, so a negative limit is refused at load instead of at apply)
    rate_limit_per_5min: int = Field(default=2000, ge=10, le=2_000_000_000)
    cloudfront: bool = Field(
        default=True, description="Also a CLOUDFRONT-scope ACL (us-east-1) for the CloudFront distribution"
    )


CLOUDFRONT_REGION = "us-east-1"  # CLOUDFRONT-scope WAFv2 resources are managed through us-east-1


def cloudfront_acl(ctx: DesiredContext) -> str:
    """The CLOUDFRONT-scope ACL's name ("" when the playbook has none)."""
    s: Settings = ctx.settings(WafWebAcl.name)
    return f"mcctl-{ctx.env.name}-cdn" if s.enabled and s.cloudfront else ""


def cloudfront_acl_address(ctx: DesiredContext) -> str:
    return f"{WafWebAcl.name}/{cloudfront_acl(ctx)}@{CLOUDFRONT_REGION}"


def cloudfront_acl_arn(runtime: Any, name: str) -> str | None:
    """The ARN of the CLOUDFRONT-scope ACL `name`, or None when it does not exist."""
    from multicloud_ctl.providers.aws.wafv2 import WafAdmin

    acl = WafAdmin(runtime.aws, CLOUDFRONT_REGION, scope="CLOUDFRONT").find(name)
    return None if acl is None else str(acl["ARN"])


def _visibility(metric: str) -> dict[str, Any]:
    return {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": metric}


class WafWebAcl(ResourceKind):
    name = "waf_web_acl"
    provider = "aws"
    settings = Settings
    description = "WAFv2 web ACL with a rate-based rule for the API"

    def desired(self, ctx: DesiredContext) -> list[Resource]:
        s: Settings = ctx.settings(self.name)
        acl = f"mcctl-{ctx.env.name}-api"
        api_kind = ctx.settings("apigateway_rest_api").enabled and "apigateway_rest_api" not in ctx.spec.disabled_for(
            ctx.env.name
        )
        owned = [rest_api_name(ctx.env.name)] if api_kind else []
        rules = [
            {
                "Name": "rate-limit-per-ip",
                "Priority": 0,
                "Action": {"Block": {}},
                "Statement": {"RateBasedStatement": {"Limit": s.rate_limit_per_5min, "AggregateKeyType": "IP"}},
            }
        ]
        out = [
            self.make(
                ctx,
                f"{acl}@{region}",
                {"default_action": "Allow", "rules": rules, "api_stages_protected": True, "tags": ctx.tags},
                region=region,
                inputs={"acl": acl, "owned_apis": owned},
            )
            for region in ctx.regions
        ]
        cdn = cloudfront_acl(ctx)
        if cdn:
            out.append(
                self.make(
                    ctx,
                    f"{cdn}@{CLOUDFRONT_REGION}",
                    {"default_action": "Allow", "rules": rules, "tags": ctx.tags},
                    region=CLOUDFRONT_REGION,
                    inputs={"acl": cdn, "scope": "CLOUDFRONT"},
                )
            )
        return out

    @staticmethod
    def _regional(res: Resource) -> bool:
        return res.inputs.get("scope", "REGIONAL") == "REGIONAL"

    def _admin(self, runtime: Any, res: Resource) -> Any:
        from multicloud_ctl.providers.aws.wafv2 import WafAdmin

        return WafAdmin(runtime.aws, res.region, scope=res.inputs.get("scope", "REGIONAL"))

    def _stage_arns(self, runtime: Any, res: Resource, *, all_apis: bool = False) -> list[str]:
        """The region's REST API stages this kind protects (`all_apis`: every one, as delete must look at)."""
        from multicloud_ctl.providers.aws.apigateway import ApiGateway

        apigw = ApiGateway(runtime.aws, res.region)
        skip = set() if all_apis else set(res.inputs.get("owned_apis", ()))
        return [
            apigw.stage_arn(api.id, stage)
            for api in apigw.rest_apis()
            if api.name not in skip
            for stage in apigw.stage_names(api.id)
        ]

    def _unprotected(self, runtime: Any, res: Resource, waf: Any, acl_arn: str) -> list[str]:
        out = []
        for arn in self._stage_arns(runtime, res):
            current = waf.acl_for_resource(arn)
            if current is None or current.get("ARN") != acl_arn:
                out.append(arn)
        return out

    def _protect(self, runtime: Any, res: Resource, waf: Any, acl_arn: str) -> list[str]:
        stages = self._unprotected(runtime, res, waf, acl_arn)
        for arn in stages:
            waf.associate(acl_arn, arn)
        return stages

    def _config(self, res: Resource) -> dict[str, Any]:
        rules = [{**r, "VisibilityConfig": _visibility(r["Name"])} for r in res.attrs["rules"]]
        return {
            "DefaultAction": {res.attrs["default_action"]: {}},
            "Rules": rules,
            "VisibilityConfig": _visibility(res.inputs["acl"]),
        }

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        waf = self._admin(runtime, res)
        acl = waf.find(res.inputs["acl"])
        if acl is None:
            return None
        rules = [{k: r.get(k) for k in ("Name", "Priority", "Action", "Statement")} for r in acl.get("Rules", [])]
        live = {
            "default_action": next(iter(acl.get("DefaultAction") or {"?": 0})),
            "rules": rules,
            "tags": only_keys(waf.tags(acl["ARN"]), res.tags),
        }
        if self._regional(res):
            live["api_stages_protected"] = not self._unprotected(runtime, res, waf, acl["ARN"])
        return live

    def create(self, runtime: Any, res: Resource) -> Any:
        waf = self._admin(runtime, res)
        arn = waf.create(res.inputs["acl"], self._config(res), tag_list(res.tags))
        if not self._regional(res):
            return {"arn": arn}
        return {"arn": arn, "associated": self._protect(runtime, res, waf, arn)}

    def update(self, runtime: Any, res: Resource, changed: list[str]) -> Any:
        waf = self._admin(runtime, res)
        acl = waf.find(res.inputs["acl"])
        if {"default_action", "rules"} & set(changed):
            waf.update(acl, self._config(res))
        if "tags" in changed:
            waf.tag(acl["ARN"], tag_list(res.tags))
        if "api_stages_protected" in changed and self._regional(res):
            return {"updated": changed, "associated": self._protect(runtime, res, waf, acl["ARN"])}
        return {"updated": changed}

    def delete(self, runtime: Any, res: Resource) -> Any:
        waf = self._admin(runtime, res)
        acl = waf.find(res.inputs["acl"])
        if acl and self._regional(res):
            for arn in self._stage_arns(runtime, res, all_apis=True):  # WAF refuses to delete an ACL in use
                current = waf.acl_for_resource(arn)
                if current is not None and current.get("ARN") == acl["ARN"]:
                    waf.disassociate(arn)
        if acl:
            waf.delete(waf.find(res.inputs["acl"]) or acl)
        return {"deleted": res.inputs["acl"]}
