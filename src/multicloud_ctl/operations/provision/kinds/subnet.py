"""Private subnets of the link VPC, two zones per region."""

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
    zones: list[str] = ["a", "b"]


class Subnet(ResourceKind):
    name = "subnet"
    provider = "aws"
    settings = Settings
    description = "private subnet of the link VPC"

    def desired(self, ctx: DesiredContext) -> list[Resource]:
        s: Settings = ctx.settings(self.name)
        cidrs = ctx.settings(Vpc.name).cidrs
        out = []
        for i, region in enumerate(ctx.regions):
            prefix = cidrs["primary" if i == 0 else "secondary"].rsplit(".", 2)[0]
            for n, zone in enumerate(s.zones, start=1):
                name = f"{vpc_name(ctx)}-private-{zone}"
                out.append(
                    self.make(
                        ctx,
                        f"{name}@{region}",
                        {
                            "cidr": f"{prefix}.{n}.0/24",
                            "zone": f"{region}{zone}",
                            "tags": {"Name": name, **ctx.tags},
                        },
                        region=region,
                        inputs={"subnet": name, "vpc": vpc_name(ctx)},
                        depends_on=[f"{Vpc.name}/{vpc_name(ctx)}@{region}"],
                    )
                )
        return out

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        sub = network(runtime, res.region).subnet(res.inputs["subnet"])
        if sub is None:
            return None
        return {
            "cidr": sub["CidrBlock"],
            "zone": sub["AvailabilityZone"],
            "tags": only_keys(sub["TagMap"], res.tags),
            "id": sub["SubnetId"],
        }

    def create(self, runtime: Any, res: Resource) -> Any:
        ec2 = network(runtime, res.region)
        vpc = ec2.vpc(res.inputs["vpc"])
        return {"id": ec2.create_subnet(vpc["VpcId"], res.attrs["cidr"], res.attrs["zone"], tag_list(res.tags))}

    def update(self, runtime: Any, res: Resource, changed: list[str]) -> Any:
        ec2 = network(runtime, res.region)
        sub = ec2.subnet(res.inputs["subnet"])
        if {"cidr", "zone"} & set(changed):
            from multicloud_ctl.errors import OperationFailed

            raise OperationFailed(
                f"subnet {res.inputs['subnet']}: CIDR and zone cannot change in place",
                hint="destroy the subnet first (mcctl provision destroy --only subnet/NAME)",
            )
        ec2.tag(sub["SubnetId"], tag_list(res.tags))
        return {"updated": changed}

    def delete(self, runtime: Any, res: Resource) -> Any:
        ec2 = network(runtime, res.region)
        sub = ec2.subnet(res.inputs["subnet"])
        if sub:
            ec2.delete(sub["SubnetId"])
        return {"deleted": res.inputs["subnet"]}
