"""Cloudflare pools `aws` and `azure` with their origins from `cloudflare.pools`, checked by the monitor.

A pool the failover verb disabled (recorded in `failover/intended.json`) is desired disabled.
"""

from __future__ import annotations

from typing import Any

from multicloud_ctl.operations.provision.cf_kind import CfKind, marker, pick
from multicloud_ctl.operations.provision.kind import DesiredContext
from multicloud_ctl.operations.provision.kinds.cf_monitor import CfMonitor, monitor_marker
from multicloud_ctl.operations.provision.model import Resource


class CfPool(CfKind):
    name = "cf_pool"
    collection = "pools"
    description = "Cloudflare origin pool"

    def desired(self, ctx: DesiredContext) -> list[Resource]:
        intended = ctx.intended.get("pools") or {}
        out = []
        for pool, addresses in ctx.env.cloudflare.pools.items():
            origins = [
                {"name": f"{pool}-{i}", "address": a, "enabled": True, "weight": 1}
                for i, a in enumerate(addresses, start=1)
            ]
            enabled = bool((intended.get(pool) or {}).get("enabled", True))
            attrs = {
                "name": pool,
                "origins": origins,
                "enabled": enabled,
                "minimum_origins": 1,
                "monitor": "health",
                "description": marker(ctx, pool),
            }
            out.append(
                self.make(
                    ctx,
                    pool,
                    attrs,
                    inputs={"match": ["name", pool], "monitor": monitor_marker(ctx)},
                    depends_on=[f"{CfMonitor.name}/health"],
                )
            )
        return out

    def _monitor_id(self, runtime: Any, res: Resource) -> str | None:
        mons = self.cf(runtime).items("monitors")
        return next((m["id"] for m in mons if m.get("description") == res.inputs["monitor"]), None)

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        live = self.find(runtime, res)
        if live is None:
            return None
        out = pick(live, res.attrs)
        out["origins"] = [
            {k: o.get(k) for k in ("name", "address", "enabled", "weight")} for o in live.get("origins") or []
        ]
        out["monitor"] = (
            "health"
            if live.get("monitor") and live["monitor"] == self._monitor_id(runtime, res)
            else live.get("monitor")
        )
        return out

    def body(self, runtime: Any, res: Resource) -> dict[str, Any]:
        body = dict(res.attrs)
        body["monitor"] = self._monitor_id(runtime, res)
        return body
