"""Cloudflare load balancers: the API hostname with steering `off` (ordered failover) and default pools
`[aws, azure]`; geographic steering with region pools when `geo_steering` is on; one load balancer per
service hostname when `service_routing` is on. Pools are named in config and resolved to ids on write.

After a failover, `failover/intended.json` gives the pool order the operator chose (`default_pools`,
`fallback_pool` and, under geo steering, each region's list): that order is the desired one, so neither
drift nor apply fights the failover.
"""

from __future__ import annotations

from typing import Any

from multicloud_ctl.operations.provision.cf_kind import CfKind, lb_hostname, marker, pick
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.cf_pool import CfPool
from multicloud_ctl.operations.provision.model import Resource


class Settings(KindSettings):
    ttl: int = 30
    proxied: bool = True


class CfLoadBalancer(CfKind):
    name = "cf_load_balancer"
    settings = Settings
    collection = "load_balancers"
    description = "Cloudflare load balancer (failover order, geo steering, per-service)"

    def desired(self, ctx: DesiredContext) -> list[Resource]:
        s: Settings = ctx.settings(self.name)
        pools = list(ctx.env.cloudflare.pools)
        deps = [f"{CfPool.name}/{p}" for p in pools]
        host = lb_hostname(ctx, ctx.env.cloudflare.load_balancer)
        intended = ctx.intended.get("load_balancer") or {}
        order = pools
        if intended.get("default_pools") and intended.get("name", host) == host:
            order = [p for p in intended["default_pools"] if p in pools] + [
                p for p in pools if p not in intended["default_pools"]
            ]
        fallback = intended.get("fallback_pool") if intended.get("fallback_pool") in pools else pools[-1]
        attrs: dict[str, Any] = {
            "name": host,
            "default_pools": order,
            "fallback_pool": fallback,
            "steering_policy": "off",
            "proxied": s.proxied,
            "ttl": s.ttl,
            "description": marker(ctx, "api"),
        }
        if ctx.features.geo_steering:
            attrs["steering_policy"] = "geo"
            failed_over = intended.get("region_pools") or {} if intended.get("name", host) == host else {}
            attrs["region_pools"] = {
                region: [p for p in failed_over.get(region, order_) if p in pools]
                for region, order_ in ctx.spec.geo_regions.items()
            }
        out = [self.make(ctx, host, attrs, inputs={"match": ["name", host]}, depends_on=deps)]
        if ctx.features.service_routing:
            for svc in ctx.spec.services:
                name = lb_hostname(ctx, svc.hostname)
                svc_pools = [p for p in svc.pools if p in pools]
                out.append(
                    self.make(
                        ctx,
                        name,
                        {
                            "name": name,
                            "default_pools": svc_pools,
                            "fallback_pool": svc_pools[-1],
                            "steering_policy": "off",
                            "proxied": s.proxied,
                            "ttl": s.ttl,
                            "description": marker(ctx, f"service {svc.name}"),
                        },
                        inputs={"match": ["name", name]},
                        depends_on=deps,
                    )
                )
        return out

    def _pool_ids(self, runtime: Any) -> dict[str, str]:
        return {p["name"]: p["id"] for p in self.cf(runtime).items("pools")}

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        live = self.find(runtime, res)
        if live is None:
            return None
        names = {v: k for k, v in self._pool_ids(runtime).items()}
        out = pick(live, res.attrs)
        out["default_pools"] = [names.get(i, i) for i in live.get("default_pools") or []]
        out["fallback_pool"] = names.get(live.get("fallback_pool", ""), live.get("fallback_pool"))
        if "region_pools" in res.attrs:
            out["region_pools"] = {
                r: [names.get(i, i) for i in ids] for r, ids in (live.get("region_pools") or {}).items()
            }
        return out

    def body(self, runtime: Any, res: Resource) -> dict[str, Any]:
        ids = self._pool_ids(runtime)
        body = dict(res.attrs)
        body["default_pools"] = [ids[p] for p in res.attrs["default_pools"]]
        body["fallback_pool"] = ids[res.attrs["fallback_pool"]]
        if "region_pools" in body:
            body["region_pools"] = {r: [ids[p] for p in ps] for r, ps in res.attrs["region_pools"].items()}
        return body
