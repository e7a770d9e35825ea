"""The App Service plan (Linux consumption, Y1) the function apps run on, one per location."""

from __future__ import annotations

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec, arm_id, group_for
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_resource_group import group_address

API = "2023-12-01"


class Settings(KindSettings):
    sku: str = "Y1"


def plan_name(ctx: DesiredContext, location: str) -> str:
    return f"mcctl-{ctx.env.name}-functions-{location}"


def plan_id(ctx: DesiredContext, location: str) -> str:
    return arm_id(ctx, group_for(ctx, location), f"Microsoft.Web/serverfarms/{plan_name(ctx, location)}")


class AzureFunctionPlan(ArmKind):
    name = "azure_function_plan"
    api_version = API
    settings = Settings
    description = "App Service plan for the function apps"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        s: Settings = ctx.settings(self.name)
        return [
            ArmSpec(
                plan_name(ctx, loc),
                plan_id(ctx, loc),
                {
                    "location": loc,
                    "kind": "functionapp",
                    "tags": ctx.tags,
                    "sku": {"name": s.sku, "tier": "Dynamic"},
                    "properties": {"reserved": True},
                },
                depends_on=(group_address(ctx, loc),),
            )
            for loc in ctx.azure_locations
        ]
