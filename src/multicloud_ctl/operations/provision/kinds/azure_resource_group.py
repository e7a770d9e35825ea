"""Azure resource groups: the configured one in the primary location, `<rg>-<location>` in the secondary."""

from __future__ import annotations

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec, arm_id, group_for
from multicloud_ctl.operations.provision.kind import DesiredContext


class AzureResourceGroup(ArmKind):
    name = "azure_resource_group"
    api_version = "2021-04-01"
    description = "Azure resource group per location"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        return [
            ArmSpec(group_for(ctx, loc), arm_id(ctx, group_for(ctx, loc)), {"location": loc, "tags": ctx.tags})
            for loc in ctx.azure_locations
        ]


def group_address(ctx: DesiredContext, location: str) -> str:
    return f"{AzureResourceGroup.name}/{group_for(ctx, location)}"
