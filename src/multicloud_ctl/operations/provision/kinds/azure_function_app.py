"""Function apps (payment-processor, notification-service, analytics-processor, backup-service).

Primary apps carry exactly the configured names (the deploy verb finds them there); secondary-location
apps are `<app>-<location>`. App settings and code are the deploy verb's business, not provision's.
"""

from __future__ import annotations

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec, arm_id, group_for, suffix
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_function_plan import (
    AzureFunctionPlan,
    plan_id,
    plan_name,
)


class Settings(KindSettings):
    python_version: str = "3.11"


class AzureFunctionApp(ArmKind):
    name = "azure_function_app"
    api_version = "2023-12-01"
    settings = Settings
    description = "Azure Functions app (Linux, Python, HTTPS only)"

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
