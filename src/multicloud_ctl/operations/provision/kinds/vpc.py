"""The AWS VPC of the cross-cloud link, one per region (found by its `Name` tag)."""

from __future__ import annotations

from typing import Any

from multicloud_ctl.operations.provision.kind import (
    DesiredContext,
    KindSettings,
    ResourceKind,
    only_keys,
    tag_list,
)
from multicloud_ctl.operations.provision.model import Resource


class Settings(KindSettings):
    cidrs: dict[str, str] = {"primary": "10.20.0.0/16", "secondary": "10.21.0.0/16"}


def vpc_name(ctx: DesiredContext) -> str:
    return f"mcctl-{ctx.env.name}"


def network(runtime: Any, region: str) -> Any:
    from multicloud_ctl.providers.aws.ec2_network import Ec2Network

    return Ec2Network(runtime.aws, region)


class Vpc(ResourceKind):
    name = "vpc"
    provider = "aws"
    settings = Settings
    description = "VPC for the AWS side of the cross-cloud VPN"

    def desired(self, ctx: DesiredContext) -> list[Resource]:
        s: Settings = ctx.settings(self.name)
        out = []
        for i, region in enumerate(ctx.regions):
            cidr = s.cidrs["primary" if i == 0 else "secondary"]
            out.append(
                self.make(
                    ctx,
                    f"{vpc_name(ctx)}@{region}",
                    {"cidr": cidr, "dns_hostnames": True, "tags": {"Name": vpc_name(ctx), **ctx.tags}},
                    region=region,
                    inputs={"vpc": vpc_name(ctx)},
                )
            )
        return out

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        ec2 = network(runtime, res.region)
        vpc = ec2.vpc(res.inputs["vpc"])
        if vpc is None:
            return None
        return {
            "cidr": vpc["CidrBlock"],
            "dns_hostnames": ec2.dns_hostnames(vpc["VpcId"]),
            "tags": only_keys(vpc["TagMap"], res.tags),
            "id": vpc["VpcId"],
        }

    def create(self, runtime: Any, res: Resource) -> Any:
        return {"id": network(runtime, res.region).create_vpc(res.attrs["cidr"], tag_list(res.tags))}

    def update(self, runtime: Any, res: Resource, changed: list[str]) -> Any:
        ec2 = network(runtime, res.region)
        vpc = ec2.vpc(res.inputs["vpc"])
        if "dns_hostnames" in changed:
            ec2.set_dns_hostnames(vpc["VpcId"], bool(res.attrs["dns_hostnames"]))
        if "tags" in changed:
            ec2.tag(vpc["VpcId"], tag_list(res.tags))
        if "cidr" in changed:
            from multicloud_ctl.errors import OperationFailed

            raise OperationFailed(
                f"the CIDR of VPC {res.inputs['vpc']} cannot change in place",
                hint="destroy and re-create the network, or put the old CIDR back in the playbook",
            )
        return {"updated": changed}

    def delete(self, runtime: Any, res: Resource) -> Any:
        ec2 = network(runtime, res.region)
        vpc = ec2.vpc(res.inputs["vpc"])
        if vpc:
            ec2.delete(vpc["VpcId"])
        return {"deleted": res.inputs["vpc"]}
