"""The virtual private gateway of the AWS↔Azure VPN, attached to the link VPC (one per region)."""

from __future__ import annotations

from typing import Any

from multicloud_ctl.operations.provision.kind import (
    DesiredContext,
    KindSettings,
    ResourceKind,
    only_keys,
    tag_list,
)
from multicloud_ctl.operations.provision.kinds.vpc import Vpc, network, vpc_name
from multicloud_ctl.operations.provision.model import Resource


class Settings(KindSettings):
    amazon_side_asn: int = 64512


class VpnGateway(ResourceKind):
    name = "vpn_gateway"
    provider = "aws"
    settings = Settings
    description = "VPN gateway attached to the link VPC"

    def desired(self, ctx: DesiredContext) -> list[Resource]:
        s: Settings = ctx.settings(self.name)
        name = f"{vpc_name(ctx)}-vgw"
        return [
            self.make(
                ctx,
                f"{name}@{region}",
                {"asn": s.amazon_side_asn, "attached_vpc": vpc_name(ctx), "tags": {"Name": name, **ctx.tags}},
                region=region,
                inputs={"vgw": name, "vpc": vpc_name(ctx)},
                depends_on=[f"{Vpc.name}/{vpc_name(ctx)}@{region}"],
            )
            for region in ctx.regions
        ]

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        ec2 = network(runtime, res.region)
        vgw = ec2.vpn_gateway(res.inputs["vgw"])
        if vgw is None:
            return None
        vpc = ec2.vpc(res.inputs["vpc"])
        attached = {a["VpcId"] for a in vgw.get("VpcAttachments", []) if a.get("State") in ("attached", "attaching")}
        return {
            "asn": int(vgw.get("AmazonSideAsn") or 0) or res.attrs["asn"],
            "attached_vpc": res.inputs["vpc"] if vpc and vpc["VpcId"] in attached else None,
            "tags": only_keys(vgw["TagMap"], res.tags),
            "id": vgw["VpnGatewayId"],
        }

    def create(self, runtime: Any, res: Resource) -> Any:
        ec2 = network(runtime, res.region)
        vgw_id = ec2.create_vpn_gateway(res.attrs["asn"], tag_list(res.tags))
        ec2.attach_vpn_gateway(vgw_id, ec2.vpc(res.inputs["vpc"])["VpcId"])
        return {"id": vgw_id}

    def update(self, runtime: Any, res: Resource, changed: list[str]) -> Any:
        ec2 = network(runtime, res.region)
        vgw = ec2.vpn_gateway(res.inputs["vgw"])
        if "attached_vpc" in changed:
            ec2.attach_vpn_gateway(vgw["VpnGatewayId"], ec2.vpc(res.inputs["vpc"])["VpcId"])
        if "tags" in changed:
            ec2.tag(vgw["VpnGatewayId"], tag_list(res.tags))
        return {"updated": changed}

    def delete(self, runtime: Any, res: Resource) -> Any:
        ec2 = network(runtime, res.region)
        vgw = ec2.vpn_gateway(res.inputs["vgw"])
        if vgw:
            for att in vgw.get("VpcAttachments", []):
                if att.get("State") in ("attached", "attaching"):
                    ec2.detach_vpn_gateway(vgw["VpnGatewayId"], att["VpcId"])
            ec2.delete(vgw["VpnGatewayId"])
        return {"deleted": res.inputs["vgw"]}
