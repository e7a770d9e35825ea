"""The Azure VNet of the cross-cloud link: a functions subnet, the GatewaySubnet for the VPN gateway and the
`private-endpoints` subnet azure_private_endpoint puts its endpoints in.

The subnets are declared inline (the VNet's PUT replaces its subnet list: a separate subnets resource would
fight this one's drift). Network policies (NSG and route tables) apply to the private endpoints' subnet too
("Manage network policies for private endpoints", Microsoft Learn): `Enabled`, so a route table or an NSG
added later governs the endpoints' traffic as it does the rest of the VNet's.
"""

from __future__ import annotations

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec, arm_id, group_for
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_resource_group import group_address

PRIVATE_ENDPOINT_SUBNET = "private-endpoints"


def vnet_name(ctx: DesiredContext, location: str) -> str:
    return f"mcctl-{ctx.env.name}-{location}"


def vnet_id(ctx: DesiredContext, location: str) -> str:
    return arm_id(ctx, group_for(ctx, location), f"Microsoft.Network/virtualNetworks/{vnet_name(ctx, location)}")


class Settings(KindSettings):
    prefixes: dict[str, str] = {"primary": "10.30", "secondary": "10.31"}


class AzureVnet(ArmKind):
    name = "azure_vnet"
    api_version = "2023-09-01"
    settings = Settings
    description = "Azure VNet with functions, gateway and private-endpoint subnets"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        s: Settings = ctx.settings(self.name)
        out = []
        for i, loc in enumerate(ctx.azure_locations):
            p = s.prefixes["primary" if i == 0 else "secondary"]
            out.append(
                ArmSpec(
                    vnet_name(ctx, loc),
                    vnet_id(ctx, loc),
                    {
                        "location": loc,
                        "tags": ctx.tags,
                        "properties": {
                            "addressSpace": {"addressPrefixes": [f"{p}.0.0/16"]},
                            "subnets": [
                                {"name": "functions", "properties": {"addressPrefix": f"{p}.1.0/24"}},
                                {"name": "GatewaySubnet", "properties": {"addressPrefix": f"{p}.255.0/27"}},
                                {
                                    "name": PRIVATE_ENDPOINT_SUBNET,
                                    "properties": {
                                        "addressPrefix": f"{p}.2.0/24",
                                        "privateEndpointNetworkPolicies": "Enabled",
                                    },
                                },
                            ],
                        },
                    },
                    depends_on=(group_address(ctx, loc),),
                )
            )
        return out
