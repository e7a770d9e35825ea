"""The AWS site-to-site VPN connection to Azure, one per region pair: two tunnels, BGP (dynamic routing).

It joins the link VPC's virtual private gateway (vpn_gateway) and the customer gateway that stands for the
Azure VPN gateway. Each tunnel gets a fixed inside /30 (`tunnel_inside_cidrs`: AWS's BGP peer is its first
address, Azure's the second) and the pre-shared key `pre_shared_key` refers to: the same secret the Azure
connections use. The key is resolved only inside `create`, sent in the request and nowhere else: the plan, the
journal and drift carry the reference, and the provider client drops the keys from every description it reads.
The tunnels' outside addresses, which AWS allocates, are what the Azure local network gateways point at.
The tunnels cannot change in place here: a changed inside CIDR is refused with a hint (destroy, then apply).
"""

from __future__ import annotations

import re
from ipaddress import ip_network
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from multicloud_ctl.config.secrets import SecretRef
from multicloud_ctl.operations.provision.kind import (
    DesiredContext,
    KindSettings,
    ResourceKind,
    only_keys,
    tag_list,
)
from multicloud_ctl.operations.provision.kinds.customer_gateway import CustomerGateway, cgw_name, pairs
from multicloud_ctl.operations.provision.kinds.vpc import network, vpc_name
from multicloud_ctl.operations.provision.kinds.vpn_gateway import VpnGateway
from multicloud_ctl.operations.provision.model import Resource

AWS_RESERVED_INSIDE = {f"169.254.{n}.0/30" for n in range(6)} | {"169.254.169.252/30"}
AZURE_APIPA = (ip_network("169.254.21.0/24"), ip_network("169.254.22.0/24"))  # 169.254.21.0-169.254.22.255
_PSK = re.compile(r"^[A-Za-z1-9._][A-Za-z0-9._]{7,63}$")


def _inside_cidr(value: str) -> str:
    """A tunnel inside CIDR both clouds accept: a /30 of 169.254.0.0/16 that AWS does not reserve, inside
    Azure's custom APIPA range 169.254.21.0-169.254.22.255."""
    try:
        net = ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a CIDR block ({exc})") from None
    if net.version != 4 or net.prefixlen != 30:
        raise ValueError(f"{value}: a tunnel inside CIDR is a /30")
    if value in AWS_RESERVED_INSIDE:
        raise ValueError(f"{value} is reserved by AWS")
    if not any(net.subnet_of(r) for r in AZURE_APIPA):  # type: ignore[arg-type]
        raise ValueError(f"{value}: Azure takes BGP APIPA addresses only from 169.254.21.0-169.254.22.255")
    return value


def _two_distinct(value: list[str]) -> list[str]:
    if len(set(value)) != 2:
        raise ValueError("a VPN connection has two tunnels: give two different inside CIDRs")
    return value


def psk_problem(value: str) -> str | None:
    """Why AWS would refuse `value` as a tunnel pre-shared key (without repeating it), or None."""
    if not _PSK.match(value):
        return "it must be 8-64 letters, digits, periods or underscores, not starting with 0"
    return None


class Settings(KindSettings):
    tunnel_inside_cidrs: Annotated[
        list[Annotated[str, AfterValidator(_inside_cidr)]], AfterValidator(_two_distinct)
    ] = Field(default=["169.254.21.0/30", "169.254.22.0/30"], description="Inside /30 of tunnel 1 and tunnel 2")
    pre_shared_key: SecretRef = Field(
        default="env:MCCTL_VPN_PSK", description="Reference to the tunnels' pre-shared key (both clouds use it)"
    )


def vpn_name(ctx: DesiredContext) -> str:
    return f"{vpc_name(ctx)}-vpn"


def vpn_address(ctx: DesiredContext, region: str) -> str:
    return f"{VpnConnection.name}/{vpn_name(ctx)}@{region}"


class VpnConnection(ResourceKind):
    name = "vpn_connection"
    provider = "aws"
    settings = Settings
    description = "site-to-site VPN connection to Azure: two tunnels, BGP, pre-shared key from a secret reference"

    def desired(self, ctx: DesiredContext) -> list[Resource]:
        s: Settings = ctx.settings(self.name)
        vgw = f"{vpc_name(ctx)}-vgw"
        return [
            self.make(
                ctx,
                f"{vpn_name(ctx)}@{region}",
                {
                    "customer_gateway": cgw_name(ctx),
                    "vpn_gateway": vgw,
                    "static_routes_only": False,
                    "tunnel_inside_cidrs": list(s.tunnel_inside_cidrs),
                    "tags": {"Name": vpn_name(ctx), **ctx.tags},
                },
                region=region,
                inputs={"vpn": vpn_name(ctx), "cgw": cgw_name(ctx), "vgw": vgw, "pre_shared_key": s.pre_shared_key},
                depends_on=[f"{CustomerGateway.name}/{cgw_name(ctx)}@{region}", f"{VpnGateway.name}/{vgw}@{region}"],
            )
            for region, _location in pairs(ctx)
        ]

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        ec2 = network(runtime, res.region)
        vpn = ec2.vpn_connection(res.inputs["vpn"])
        if vpn is None:
            return None
        cgw, vgw = ec2.customer_gateway(res.inputs["cgw"]), ec2.vpn_gateway(res.inputs["vgw"])
        options = vpn.get("Options") or {}
        return {
            "customer_gateway": res.inputs["cgw"]
            if cgw and cgw["CustomerGatewayId"] == vpn.get("CustomerGatewayId")
            else vpn.get("CustomerGatewayId"),
            "vpn_gateway": res.inputs["vgw"] if vgw and vgw["VpnGatewayId"] == vpn.get("VpnGatewayId") else None,
            "static_routes_only": bool(options.get("StaticRoutesOnly", False)),
            "tunnel_inside_cidrs": [t.get("TunnelInsideCidr") for t in options.get("TunnelOptions") or []],
            "tags": only_keys(vpn["TagMap"], res.tags),
            "id": vpn["VpnConnectionId"],
            "outside_ips": [t.get("OutsideIpAddress") for t in options.get("TunnelOptions") or []],
        }

    def create(self, runtime: Any, res: Resource) -> Any:
        from multicloud_ctl.errors import ConfigError

        psk = runtime.secrets.resolve(res.inputs["pre_shared_key"])
        problem = psk_problem(psk)
        if problem is not None:
            raise ConfigError(
                f"the pre-shared key {res.inputs['pre_shared_key']} refers to is refused by AWS: {problem}",
                hint="store a key that AWS and Azure both accept under that reference",
            )
        ec2 = network(runtime, res.region)
        cgw, vgw = ec2.customer_gateway(res.inputs["cgw"]), ec2.vpn_gateway(res.inputs["vgw"])
        tunnels = [{"TunnelInsideCidr": c, "PreSharedKey": psk} for c in res.attrs["tunnel_inside_cidrs"]]
        vpn_id = ec2.create_vpn_connection(cgw["CustomerGatewayId"], vgw["VpnGatewayId"], tunnels, tag_list(res.tags))
        return {"id": vpn_id}

    def update(self, runtime: Any, res: Resource, changed: list[str]) -> Any:
        if set(changed) - {"tags"}:
            from multicloud_ctl.errors import OperationFailed

            raise OperationFailed(
                f"VPN connection {res.inputs['vpn']}: {', '.join(sorted(set(changed) - {'tags'}))} cannot change "
                "in place",
                hint="destroy it (mcctl provision destroy --only vpn_connection), then apply",
            )
        ec2 = network(runtime, res.region)
        ec2.tag(ec2.vpn_connection(res.inputs["vpn"])["VpnConnectionId"], tag_list(res.tags))
        return {"updated": changed}

    def delete(self, runtime: Any, res: Resource) -> Any:
        ec2 = network(runtime, res.region)
        vpn = ec2.vpn_connection(res.inputs["vpn"])
        if vpn:
            ec2.delete(vpn["VpnConnectionId"])
        return {"deleted": res.inputs["vpn"]}


def tunnel_outside_ips(runtime: Any, region: str, vpn: str) -> list[str]:
    """The live outside addresses of the VPN connection's tunnels (AWS allocates them), [] when it is absent."""
    found = network(runtime, region).vpn_connection(vpn)
    return [str(t.get("OutsideIpAddress")) for t in ((found or {}).get("Options") or {}).get("TunnelOptions") or []]
