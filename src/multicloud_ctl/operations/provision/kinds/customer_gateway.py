"""The AWS customer gateway of the AWS↔Azure VPN: the Azure VPN gateway as AWS sees it (one per region pair).

Its address is the Azure gateway's public IP, which exists only once Azure has allocated it: the plan names it
(`(public IP of azure_vpn_gateway/NAME)`), `create` reads it from ARM at apply time, and `read` shows the
placeholder while the live address is still that IP (a re-created Azure IP is drift). Its BGP ASN is the Azure
gateway's. `ip_address` names the peer explicitly when the Azure side is not provisioned here. A customer
gateway cannot change in place: a changed address or ASN is refused with a hint (destroy, then apply).
"""

from __future__ import annotations

from ipaddress import IPv4Address
from typing import Any

from pydantic import Field

from multicloud_ctl.operations.provision.kind import (
    DesiredContext,
    KindSettings,
    ResourceKind,
    only_keys,
    tag_list,
)
from multicloud_ctl.operations.provision.kinds.azure_vpn_gateway import (
    API as AZURE_NETWORK_API,
)
from multicloud_ctl.operations.provision.kinds.azure_vpn_gateway import (
    AzureVpnGateway,
    public_ip_address,
    public_ip_id,
)
from multicloud_ctl.operations.provision.kinds.vpc import network, vpc_name
from multicloud_ctl.operations.provision.model import Resource

PEER_IP = "(public IP of {address})"  # the plan's stand-in for an address Azure allocates at apply


class Settings(KindSettings):
    ip_address: IPv4Address | None = Field(
        default=None,
        description="The peer's public IP when the Azure side is not provisioned here (default: the Azure VPN "
        "gateway's public IP, read at apply)",
    )


def cgw_name(ctx: DesiredContext) -> str:
    return f"{vpc_name(ctx)}-cgw"


def pairs(ctx: DesiredContext) -> list[tuple[str, str]]:
    """(AWS region, Azure location) linked by one VPN: primary with primary, secondary with secondary."""
    return list(zip(ctx.regions, ctx.azure_locations, strict=False))


class CustomerGateway(ResourceKind):
    name = "customer_gateway"
    provider = "aws"
    settings = Settings
    description = "customer gateway: the Azure VPN gateway's public IP and BGP ASN"

    def desired(self, ctx: DesiredContext) -> list[Resource]:
        s: Settings = ctx.settings(self.name)
        asn = ctx.settings(AzureVpnGateway.name).asn
        out = []
        for region, location in pairs(ctx):
            peer = public_ip_address(ctx, location)
            out.append(
                self.make(
                    ctx,
                    f"{cgw_name(ctx)}@{region}",
                    {
                        "bgp_asn": asn,
                        "ip_address": str(s.ip_address) if s.ip_address else PEER_IP.format(address=peer),
                        "tags": {"Name": cgw_name(ctx), **ctx.tags},
                    },
                    region=region,
                    inputs={"cgw": cgw_name(ctx), "peer_ip_id": public_ip_id(ctx, location)},
                    depends_on=[] if s.ip_address else [peer],
                )
            )
        return out

    def _peer_ip(self, runtime: Any, res: Resource) -> str:
        """The address the customer gateway must have: the explicit one, or the Azure public IP's (live)."""
        wanted = str(res.attrs["ip_address"])
        if not wanted.startswith("("):
            return wanted
        from multicloud_ctl.errors import ProviderError
        from multicloud_ctl.providers.azure.resources import ArmResources

        pip = ArmResources(runtime.azure).get(res.inputs["peer_ip_id"], AZURE_NETWORK_API)
        address = str(((pip or {}).get("properties") or {}).get("ipAddress") or "")
        if not address:
            raise ProviderError(
                f"{res.inputs['peer_ip_id']} has no address yet: apply azure_vpn_gateway first "
                "(or set spec.kinds.customer_gateway.ip_address)"
            )
        return address

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        cgw = network(runtime, res.region).customer_gateway(res.inputs["cgw"])
        if cgw is None:
            return None
        live_ip = str(cgw.get("IpAddress") or "")
        wanted = str(res.attrs["ip_address"])
        if wanted.startswith("("):
            from multicloud_ctl.errors import ProviderError

            try:
                wanted = wanted if live_ip == self._peer_ip(runtime, res) else live_ip
            except ProviderError:
                wanted = live_ip  # no Azure address to compare with: the live one is shown (drift)
        return {
            "bgp_asn": int(cgw.get("BgpAsn") or 0),
            "ip_address": wanted,
            "tags": only_keys(cgw["TagMap"], res.tags),
            "id": cgw["CustomerGatewayId"],
        }

    def create(self, runtime: Any, res: Resource) -> Any:
        ec2 = network(runtime, res.region)
        cgw_id = ec2.create_customer_gateway(int(res.attrs["bgp_asn"]), self._peer_ip(runtime, res), tag_list(res.tags))
        return {"id": cgw_id}

    def update(self, runtime: Any, res: Resource, changed: list[str]) -> Any:
        if {"bgp_asn", "ip_address"} & set(changed):
            from multicloud_ctl.errors import OperationFailed

            raise OperationFailed(
                f"customer gateway {res.inputs['cgw']}: its address and BGP ASN cannot change in place",
                hint="destroy the VPN first (mcctl provision destroy --only vpn_connection --only customer_gateway), "
                "then apply",
            )
        ec2 = network(runtime, res.region)
        ec2.tag(ec2.customer_gateway(res.inputs["cgw"])["CustomerGatewayId"], tag_list(res.tags))
        return {"updated": changed}

    def delete(self, runtime: Any, res: Resource) -> Any:
        ec2 = network(runtime, res.region)
        cgw = ec2.customer_gateway(res.inputs["cgw"])
        if cgw:
            ec2.delete(cgw["CustomerGatewayId"])
        return {"deleted": res.inputs["cgw"]}
