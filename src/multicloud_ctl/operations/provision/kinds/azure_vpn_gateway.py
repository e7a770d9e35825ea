"""The Azure side's VPN gateway, one per location: a Standard static public IP and a route-based virtual
network gateway with BGP in the VNet's GatewaySubnet (azure_vnet creates that subnet, as Azure requires the
name `GatewaySubnet`).

BGP with AWS uses APIPA peering addresses: AWS puts its side of each tunnel on the first address of the
tunnel's inside /30 and expects the customer's on the second ("Connect AWS and Azure using a BGP-enabled VPN
gateway", Microsoft Learn); Azure takes custom APIPA addresses only from 169.254.21.0-169.254.22.255, which is
why vpn_connection's `tunnel_inside_cidrs` must lie there. The gateway's `customBgpIpAddresses` are those second
addresses. A gateway takes 30-45 minutes to create in Azure: the generic PUT waits on ARM's long-running
operation (the sandbox's ARM models it with more polls than other types).
"""

from __future__ import annotations

from ipaddress import ip_network
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec, arm_id, group_for
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_resource_group import group_address

API = "2023-09-01"
GatewaySku = Literal["VpnGw1AZ", "VpnGw2AZ", "VpnGw3AZ", "VpnGw4AZ", "VpnGw5AZ"]
AZURE_RESERVED_ASNS = {8074, 8075, 12076, 65515, 65517, 65518, 65519, 65520}


def _asn(value: int) -> int:
    if value in AZURE_RESERVED_ASNS:
        raise ValueError(f"ASN {value} is reserved by Azure (8074, 8075, 12076, 65515, 65517-65520)")
    return value


class Settings(KindSettings):
    sku: GatewaySku = Field(default="VpnGw1AZ", description="Gateway SKU (zone-redundant: needs the Standard IP)")
    asn: Annotated[int, AfterValidator(_asn)] = Field(
        default=65010, ge=1, le=4_294_967_295, description="BGP ASN of the Azure VPN gateway (AWS's customer gateway)"
    )


def gateway_name(ctx: DesiredContext, location: str) -> str:
    return f"mcctl-{ctx.env.name}-{location}-vpngw"


def public_ip_name(ctx: DesiredContext, location: str) -> str:
    return f"{gateway_name(ctx, location)}-ip"


def public_ip_id(ctx: DesiredContext, location: str) -> str:
    path = f"Microsoft.Network/publicIPAddresses/{public_ip_name(ctx, location)}"
    return arm_id(ctx, group_for(ctx, location), path)


def public_ip_address(ctx: DesiredContext, location: str) -> str:
    return f"{AzureVpnGateway.name}/{public_ip_name(ctx, location)}"


def gateway_id(ctx: DesiredContext, location: str) -> str:
    path = f"Microsoft.Network/virtualNetworkGateways/{gateway_name(ctx, location)}"
    return arm_id(ctx, group_for(ctx, location), path)


def gateway_address(ctx: DesiredContext, location: str) -> str:
    return f"{AzureVpnGateway.name}/{gateway_name(ctx, location)}"


def apipa(cidr: str, host: int) -> str:
    """The `host`-th address of a tunnel inside /30: 1 is AWS's side, 2 the customer's (Azure's)."""
    return str(ip_network(cidr)[host])


class AzureVpnGateway(ArmKind):
    name = "azure_vpn_gateway"
    typical_s = 2700.0  # Microsoft: a VPN gateway can take 45 minutes or more to create
    api_version = API
    settings = Settings
    description = "VPN gateway (route-based, BGP) and its Standard static public IP, in the GatewaySubnet"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        from multicloud_ctl.operations.provision.kinds.azure_vnet import AzureVnet
        from multicloud_ctl.operations.provision.kinds.vpn_connection import VpnConnection

        s: Settings = ctx.settings(self.name)
        cidrs = ctx.settings(VpnConnection.name).tunnel_inside_cidrs
        out = []
        for loc in ctx.azure_locations:
            vnet = f"mcctl-{ctx.env.name}-{loc}"
            subnet = arm_id(ctx, group_for(ctx, loc), f"Microsoft.Network/virtualNetworks/{vnet}/subnets/GatewaySubnet")
            gid = gateway_id(ctx, loc)
            out += [
                ArmSpec(
                    public_ip_name(ctx, loc),
                    public_ip_id(ctx, loc),
                    {
                        "location": loc,
                        "tags": ctx.tags,
                        "sku": {"name": "Standard", "tier": "Regional"},
                        "properties": {"publicIPAllocationMethod": "Static", "publicIPAddressVersion": "IPv4"},
                    },
                    depends_on=(group_address(ctx, loc),),
                ),
                ArmSpec(
                    gateway_name(ctx, loc),
                    gid,
                    {
                        "location": loc,
                        "tags": ctx.tags,
                        "properties": {
                            "gatewayType": "Vpn",
                            "vpnType": "RouteBased",
                            "sku": {"name": s.sku, "tier": s.sku},
                            "activeActive": False,
                            "enableBgp": True,
                            "bgpSettings": {
                                "asn": s.asn,
                                "bgpPeeringAddresses": [
                                    {
                                        "ipconfigurationId": f"{gid}/ipConfigurations/default",
                                        "customBgpIpAddresses": [apipa(c, 2) for c in cidrs],
                                    }
                                ],
                            },
                            "ipConfigurations": [
                                {
                                    "name": "default",
                                    "properties": {
                                        "privateIPAllocationMethod": "Dynamic",
                                        "subnet": {"id": subnet},
                                        "publicIPAddress": {"id": public_ip_id(ctx, loc)},
                                    },
                                }
                            ],
                        },
                    },
                    depends_on=(public_ip_address(ctx, loc), f"{AzureVnet.name}/{vnet}"),
                ),
            ]
        return out
