"""The Azure VNet of the cross-cloud link: a functions subnet and the GatewaySubnet for the VPN gateway."""

from __future__ import annotations

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec, arm_id, group_for
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_resource_group import group_address


class Settings(KindSettings):
    prefixes: dict[str, str] = {"primary": "10.30", "secondary": "10.31"}


class AzureVnet(ArmKind):
    name = "azure_vnet"
    api_version = "2023-09-01"
    settings = Settings
    description = "Azure VNet with functions and gateway subnets"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        s: Settings = ctx.settings(self.name)
        out = []
        for i, loc in enumerate(ctx.azure_locations):
            p = s.prefixes["primary" if i == 0 else "secondary"]
            name = f"mcctl-{ctx.env.name}-{loc}"
            out.append(
                ArmSpec(
                    name,
                    arm_id(ctx, group_for(ctx, loc), f"Microsoft.Network/virtualNetworks/{name}"),
                    {
                        "location": loc,
                        "tags": ctx.tags,
                        "properties": {
                            "addressSpace": {"addressPrefixes": [f"{p}.0.0/16"]},
                            "subnets": [
                                {"name": "functions", "properties": {"addressPrefix": f"{p}.1.0/24"}},
                                {"name": "GatewaySubnet", "properties": {"addressPrefix": f"{p}.255.0/27"}},
                            ],
                        },
                    },
                    depends_on=(group_address(ctx, loc),),
                )
            )
        return out
