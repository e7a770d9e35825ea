"""Azure local network gateways: AWS's end of each VPN tunnel as Azure sees it (two per location).

Each points at one tunnel's outside address, which AWS allocates when the VPN connection is created: the plan
names it (`(outside IP of tunnel N of vpn_connection/NAME)`), `create` reads it from EC2 at apply time, and
`read` shows the placeholder while the live address is still that tunnel's. BGP peers with AWS's side of the
tunnel (the first address of its inside /30) under the virtual private gateway's ASN; the address space is the
linked AWS VPC's CIDR.
"""

from __future__ import annotations

from typing import Any

from multicloud_ctl.errors import ProviderError
from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec, arm_id, group_for
from multicloud_ctl.operations.provision.kind import DesiredContext
from multicloud_ctl.operations.provision.kinds.azure_resource_group import group_address
from multicloud_ctl.operations.provision.kinds.azure_vpn_gateway import API, apipa
from multicloud_ctl.operations.provision.kinds.customer_gateway import pairs
from multicloud_ctl.operations.provision.kinds.vpc import Vpc
from multicloud_ctl.operations.provision.kinds.vpn_connection import (
    VpnConnection,
    tunnel_outside_ips,
    vpn_address,
    vpn_name,
)
from multicloud_ctl.operations.provision.kinds.vpn_gateway import VpnGateway
from multicloud_ctl.operations.provision.model import Resource

TUNNEL_IP = "(outside IP of tunnel {n} of {address})"


def local_gateway_name(ctx: DesiredContext, location: str, tunnel: int) -> str:
    return f"mcctl-{ctx.env.name}-{location}-aws-t{tunnel}"


def local_gateway_id(ctx: DesiredContext, location: str, tunnel: int) -> str:
    path = f"Microsoft.Network/localNetworkGateways/{local_gateway_name(ctx, location, tunnel)}"
    return arm_id(ctx, group_for(ctx, location), path)


class AzureLocalNetworkGateway(ArmKind):
    name = "azure_local_network_gateway"
    api_version = API
    description = "local network gateway per AWS tunnel: outside IP, the VPC's CIDR, BGP peer"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        cidrs = ctx.settings(VpnConnection.name).tunnel_inside_cidrs
        vpcs = ctx.settings(Vpc.name).cidrs
        aws_asn = ctx.settings(VpnGateway.name).amazon_side_asn
        out = []
        for i, (region, loc) in enumerate(pairs(ctx)):
            for n, cidr in enumerate(cidrs, start=1):
                out.append(
                    ArmSpec(
                        local_gateway_name(ctx, loc, n),
                        local_gateway_id(ctx, loc, n),
                        {
                            "location": loc,
                            "tags": ctx.tags,
                            "properties": {
                                "gatewayIpAddress": TUNNEL_IP.format(n=n, address=vpn_address(ctx, region)),
                                "localNetworkAddressSpace": {
                                    "addressPrefixes": [vpcs["primary" if i == 0 else "secondary"]]
                                },
                                "bgpSettings": {"asn": aws_asn, "bgpPeeringAddress": apipa(cidr, 1)},
                            },
                        },
                        depends_on=(group_address(ctx, loc), vpn_address(ctx, region)),
                        extra={"aws_region": region, "vpn": vpn_name(ctx), "tunnel": n},
                    )
                )
        return out

    def _tunnel_ip(self, runtime: Any, res: Resource) -> str:
        ips = tunnel_outside_ips(runtime, res.inputs["aws_region"], res.inputs["vpn"])
        n = int(res.inputs["tunnel"])
        if len(ips) < n:
            raise ProviderError(
                f"VPN connection {res.inputs['vpn']} in {res.inputs['aws_region']} has no tunnel {n} yet: "
                "apply vpn_connection first"
            )
        return ips[n - 1]

    def body(self, runtime: Any, res: Resource) -> dict[str, Any]:
        props = {**res.attrs["properties"], "gatewayIpAddress": self._tunnel_ip(runtime, res)}
        return {**res.attrs, "properties": props}

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        live = super().read(runtime, res)
        if live is None:
            return None
        props = dict(live.get("properties") or {})
        try:
            current = self._tunnel_ip(runtime, res)
        except ProviderError:
            current = ""
        if current and props.get("gatewayIpAddress") == current:
            props["gatewayIpAddress"] = res.attrs["properties"]["gatewayIpAddress"]  # still that tunnel's
        live["properties"] = props
        return live
