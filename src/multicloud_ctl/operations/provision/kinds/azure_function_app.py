"""Function apps (payment-processor, notification-service, analytics-processor, backup-service).

Primary apps carry exactly the configured names (the deploy verb finds them there); secondary-location
apps are `<app>-<location>`. App settings and code are the deploy verb's business, not provision's.

Two behaviours of App Service shape `read` and `update` (the sandbox's ARM does the same, see
local/arm/webapps.py): a site GET answers `siteConfig` with every value null (the configuration lives at
`.../config/web`), so drift is read from there; and a site PUT replaces the app settings with
`siteConfig.appSettings`, so an update re-sends the settings the app has now (read at apply time, never part
of the plan or the journal: they hold connection strings).
"""

from __future__ import annotations

from typing import Any

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec, arm_id, group_for, suffix
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_function_plan import (
    AzureFunctionPlan,
    plan_id,
    plan_name,
)
from multicloud_ctl.operations.provision.model import Resource


class Settings(KindSettings):
    python_version: str = "3.11"


class AzureFunctionApp(ArmKind):
    name = "azure_function_app"
    api_version = "2023-12-01"
    settings = Settings
    description = "Azure Functions app (Linux, Python, HTTPS only, system-assigned identity)"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        s: Settings = ctx.settings(self.name)
        out = []
        for loc in ctx.azure_locations:
            for app in ctx.env.azure.function_apps:
                name = suffix(ctx, app, loc)
                out.append(
                    ArmSpec(
                        f"{name}",
                        arm_id(ctx, group_for(ctx, loc), f"Microsoft.Web/sites/{name}"),
                        {
                            "location": loc,
                            "kind": "functionapp,linux",
                            "tags": ctx.tags,
                            # the identity the functions reach Service Bus with (local auth is off there);
                            # azure_role_assignment grants it the data roles
                            "identity": {"type": "SystemAssigned"},
                            "properties": {
                                "serverFarmId": plan_id(ctx, loc),
                                "httpsOnly": True,
                                "reserved": True,
                                "siteConfig": {
                                    "linuxFxVersion": f"Python|{s.python_version}",
                                    "minTlsVersion": "1.2",
                                    "ftpsState": "Disabled",
                                },
                            },
                        },
                        depends_on=(f"{AzureFunctionPlan.name}/{plan_name(ctx, loc)}",),
                    )
                )
        return out

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        live = super().read(runtime, res)
        if live is None:
            return None
        config = self._arm(runtime).get(res.inputs["id"] + "/config/web", res.inputs["api_version"]) or {}
        web = {k: v for k, v in (config.get("properties") or {}).items() if k != "appSettings"}
        live.setdefault("properties", {})["siteConfig"] = web
        return live

    def update(self, runtime: Any, res: Resource, changed: list[str]) -> Any:
        from multicloud_ctl.providers.azure.functionapps import FunctionApps

        group, app = _group_and_name(res.inputs["id"])
        current = FunctionApps(runtime.azure).settings(app, group=group)
        body = dict(res.attrs)
        props = dict(body.get("properties") or {})
        config = dict(props.get("siteConfig") or {})
        config["appSettings"] = [{"name": k, "value": v} for k, v in sorted(current.items())]
        body["properties"] = {**props, "siteConfig": config}
        self._arm(runtime).put(res.inputs["id"], res.inputs["api_version"], body)
        return {"updated": changed, "app_settings_kept": len(current)}


def _group_and_name(site_id: str) -> tuple[str, str]:
    """(resource group, site name) of `/subscriptions/../resourceGroups/{rg}/providers/Microsoft.Web/sites/{name}`."""
    parts = site_id.split("/")
    return parts[parts.index("resourceGroups") + 1], parts[-1]
