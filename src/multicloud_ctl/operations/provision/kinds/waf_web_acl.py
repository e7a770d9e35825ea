"""WAFv2 web ACL for the API (REGIONAL, both regions) with a rate-based blocking rule per client IP."""

from __future__ import annotations

from typing import Any

from multicloud_ctl.operations.provision.kind import (
    DesiredContext,
    KindSettings,
    ResourceKind,
    only_keys,
    tag_list,
)
from multicloud_ctl.operations.provision.model import Resource


class Settings(KindSettings):
    rate_limit_per_5min: int = 2000


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
        rules = [
            {
                "Name": "rate-limit-per-ip",
                "Priority": 0,
                "Action": {"Block": {}},
                "Statement": {"RateBasedStatement": {"Limit": s.rate_limit_per_5min, "AggregateKeyType": "IP"}},
            }
        ]
        return [
            self.make(
                ctx,
                f"{acl}@{region}",
                {"default_action": "Allow", "rules": rules, "tags": ctx.tags},
                region=region,
                inputs={"acl": acl},
            )
            for region in ctx.regions
        ]

    def _admin(self, runtime: Any, res: Resource) -> Any:
        from multicloud_ctl.providers.aws.wafv2 import WafAdmin

        return WafAdmin(runtime.aws, res.region)

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
        return {
            "default_action": next(iter(acl.get("DefaultAction") or {"?": 0})),
            "rules": rules,
            "tags": only_keys(waf.tags(acl["ARN"]), res.tags),
        }

    def create(self, runtime: Any, res: Resource) -> Any:
        return {"arn": self._admin(runtime, res).create(res.inputs["acl"], self._config(res), tag_list(res.tags))}

    def update(self, runtime: Any, res: Resource, changed: list[str]) -> Any:
        waf = self._admin(runtime, res)
        acl = waf.find(res.inputs["acl"])
        if {"default_action", "rules"} & set(changed):
            waf.update(acl, self._config(res))
        if "tags" in changed:
            waf.tag(acl["ARN"], tag_list(res.tags))
        return {"updated": changed}

    def delete(self, runtime: Any, res: Resource) -> Any:
        waf = self._admin(runtime, res)
        acl = waf.find(res.inputs["acl"])
        if acl:
            waf.delete(acl)
        return {"deleted": res.inputs["acl"]}
