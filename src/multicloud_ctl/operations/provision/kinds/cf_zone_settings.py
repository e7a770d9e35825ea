"""The zone's TLS settings: TLS 1.3 in transit (the seed), HTTPS only, HSTS.

One resource per zone, converged setting by setting with `PATCH /zones/{zone_id}/settings/{setting_id}` and
`{"value": ...}` (Cloudflare API "Edit zone setting"; values as the published OpenAPI document defines them:
`min_tls_version` 1.0-1.3, `tls_1_3` on/off/zrt, `always_use_https` on/off, `ssl` off/flexible/full/strict,
`security_header.strict_transport_security`). A setting always has a value, so the first plan is an update
from Cloudflare's defaults, and drift is any setting changed by hand. Settings are not deleted: `provision
destroy` leaves them as they are (there is nothing of ours to remove, and resetting TLS to the defaults would
weaken the zone).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from multicloud_ctl.operations.provision.cf_kind import CfKind
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.model import Resource


class Settings(KindSettings):
    min_tls_version: Literal["1.0", "1.1", "1.2", "1.3"] = "1.2"
    tls_1_3: Literal["on", "off", "zrt"] = "on"
    always_use_https: Literal["on", "off"] = "on"
    ssl: Literal["off", "flexible", "full", "strict"] = "strict"
    hsts_max_age: int = Field(default=31_536_000, ge=0, description="seconds; 0 turns HSTS off")
    hsts_include_subdomains: bool = True
    hsts_preload: bool = False


class CfZoneSettings(CfKind):
    name = "cf_zone_settings"
    settings = Settings
    description = "Cloudflare zone TLS settings: minimum TLS version, TLS 1.3, always HTTPS, SSL mode, HSTS"
    destroyable = False

    def desired(self, ctx: DesiredContext) -> list[Resource]:
        s: Settings = ctx.settings(self.name)
        attrs: dict[str, Any] = {
            "min_tls_version": s.min_tls_version,
            "tls_1_3": s.tls_1_3,
            "always_use_https": s.always_use_https,
            "ssl": s.ssl,
            "security_header": {
                "strict_transport_security": {
                    "enabled": s.hsts_max_age > 0,
                    "max_age": s.hsts_max_age,
                    "include_subdomains": s.hsts_include_subdomains,
                    "preload": s.hsts_preload,
                    "nosniff": True,
                }
            },
        }
        return [self.make(ctx, ctx.env.cloudflare.zone_id, attrs)]

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        cf = self.cf(runtime)
        live = {key: cf.setting(key) for key in res.attrs}
        if all(value is None for value in live.values()):
            return None
        if isinstance(live.get("security_header"), dict):  # compare only the fields we set
            hsts = live["security_header"].get("strict_transport_security") or {}
            want = res.attrs["security_header"]["strict_transport_security"]
            live["security_header"] = {"strict_transport_security": {k: hsts.get(k) for k in want}}
        return live

    def live_tags(self, runtime: Any, res: Resource) -> dict[str, str] | None:
        return None  # settings carry no tags, and destroy never removes them

    def create(self, runtime: Any, res: Resource) -> Any:
        return self.update(runtime, res, list(res.attrs))

    def update(self, runtime: Any, res: Resource, changed: list[str]) -> Any:
        cf = self.cf(runtime)
        for key in changed:
            cf.set_setting(key, res.attrs[key])
        return {"updated": changed}

    def delete(self, runtime: Any, res: Resource) -> Any:
        return {"kept": res.address}
