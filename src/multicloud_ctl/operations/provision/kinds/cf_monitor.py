"""The Cloudflare health monitor the pools use (HTTP GET /health, expects 200)."""

from __future__ import annotations

from multicloud_ctl.operations.provision.cf_kind import CfKind, marker
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.model import Resource


class Settings(KindSettings):
    path: str = "/health"
    interval: int = 60
    timeout: int = 5
    retries: int = 2


def monitor_marker(ctx: DesiredContext) -> str:
    return marker(ctx, "health")


class CfMonitor(CfKind):
    name = "cf_monitor"
    settings = Settings
    collection = "monitors"
    description = "Cloudflare health monitor"

    def desired(self, ctx: DesiredContext) -> list[Resource]:
        s: Settings = ctx.settings(self.name)
        attrs = {
            "type": "http",
            "method": "GET",
            "path": s.path,
            "expected_codes": "200",
            "interval": s.interval,
            "timeout": s.timeout,
            "retries": s.retries,
            "description": monitor_marker(ctx),
        }
        return [self.make(ctx, "health", attrs, inputs={"match": ["description", monitor_marker(ctx)]})]
