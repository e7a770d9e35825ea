"""The rate-limiting rule for the API hostname, in the zone's `http_ratelimit` phase ruleset.

Other rules in that ruleset are kept; ours is found by its description marker. The sandbox edge does not
serve `/rulesets` (so this kind is disabled for `local` in `playbooks/provision.yaml`); the calls are the
real API's (`PUT /zones/{zone}/rulesets/phases/http_ratelimit/entrypoint`).
"""

from __future__ import annotations

from typing import Any

from multicloud_ctl.operations.provision.cf_kind import CfKind, lb_hostname, marker, marker_tags, pick
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.model import Resource


class Settings(KindSettings):
    requests_per_period: int = 600
    period: int = 60
    mitigation_timeout: int = 600


class CfRatelimitRule(CfKind):
    name = "cf_ratelimit_rule"
    settings = Settings
    description = "Cloudflare rate-limiting rule for the API hostname"

    def desired(self, ctx: DesiredContext) -> list[Resource]:
        s: Settings = ctx.settings(self.name)
        host = lb_hostname(ctx, ctx.env.cloudflare.load_balancer)
        attrs = {
            "description": marker(ctx, "api rate limit"),
            "expression": f'(http.host eq "{host}")',
            "action": "block",
            "enabled": True,
            "ratelimit": {
                "characteristics": ["cf.colo.id", "ip.src"],
                "period": s.period,
                "requests_per_period": s.requests_per_period,
                "mitigation_timeout": s.mitigation_timeout,
            },
        }
        return [self.make(ctx, host, attrs)]

    def _rules(self, runtime: Any) -> list[dict[str, Any]]:
        return self.cf(runtime).ratelimit_rules() or []

    def _ours(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        return next((r for r in self._rules(runtime) if r.get("description") == res.attrs["description"]), None)

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        rule = self._ours(runtime, res)
        return None if rule is None else pick(rule, res.attrs)

    def live_tags(self, runtime: Any, res: Resource) -> dict[str, str] | None:
        rule = self._ours(runtime, res)
        return None if rule is None else marker_tags(rule.get("description"))

    def _put(self, runtime: Any, res: Resource, keep_ours: bool) -> None:
        others = [r for r in self._rules(runtime) if r.get("description") != res.attrs["description"]]
        others = [{k: v for k, v in r.items() if k not in ("id", "version", "last_updated", "ref")} for r in others]
        self.cf(runtime).put_ratelimit_rules(others + ([dict(res.attrs)] if keep_ours else []))

    def create(self, runtime: Any, res: Resource) -> Any:
        self._put(runtime, res, True)
        return {"rule": res.attrs["description"]}

    def update(self, runtime: Any, res: Resource, changed: list[str]) -> Any:
        self._put(runtime, res, True)
        return {"updated": changed}

    def delete(self, runtime: Any, res: Resource) -> Any:
        self._put(runtime, res, False)
        return {"deleted": res.address}
