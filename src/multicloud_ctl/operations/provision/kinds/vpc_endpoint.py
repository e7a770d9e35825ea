"""VPC endpoints of the link VPC, per region: gateway endpoints for S3 and DynamoDB, interface endpoints for SQS
and Secrets Manager, so traffic from inside the VPC reaches them without the internet.

S3 and DynamoDB take gateway endpoints (free, a route in the VPC's route tables: the main route table here,
as the subnets have no tables of their own); SQS and Secrets Manager take only interface endpoints ("AWS
services that integrate with AWS PrivateLink"), one network interface per subnet (one subnet per zone), with
private DNS on, so the services' public names resolve to the endpoint inside the VPC. Private DNS needs the
VPC's `enableDnsSupport` (on by default) and `enableDnsHostnames` (the vpc kind turns it on). The endpoints take
the VPC's default security group and the default (full access) policy. Service and type cannot change in
place; route tables, subnets and private DNS are changed by ModifyVpcEndpoint.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from multicloud_ctl.operations.provision.kind import (
    DesiredContext,
    KindSettings,
    ResourceKind,
    only_keys,
    tag_list,
)
from multicloud_ctl.operations.provision.kinds.vpc import Vpc, network, vpc_name
from multicloud_ctl.operations.provision.model import Resource

EndpointService = Literal["s3", "dynamodb", "sqs", "secretsmanager"]
GATEWAY_SERVICES = {"s3", "dynamodb"}
MAIN = "main"  # how the playbook and the plan name the VPC's main route table


class Settings(KindSettings):
    services: list[EndpointService] = Field(
        default=["s3", "dynamodb", "sqs", "secretsmanager"],
        description="Gateway endpoints for s3 and dynamodb, interface endpoints for sqs and secretsmanager",
    )
    private_dns: bool = Field(default=True, description="Interface endpoints answer the services' public names")


def endpoint_name(ctx: DesiredContext, service: str) -> str:
    return f"{vpc_name(ctx)}-{service}"


class VpcEndpoint(ResourceKind):
    name = "vpc_endpoint"
    provider = "aws"
    settings = Settings
    description = "VPC gateway endpoints (S3, DynamoDB) and interface endpoints (SQS, Secrets Manager)"

    def desired(self, ctx: DesiredContext) -> list[Resource]:
        from multicloud_ctl.operations.provision.kinds.subnet import Subnet

        s: Settings = ctx.settings(self.name)
        zones = ctx.settings(Subnet.name).zones
        out = []
        for region in ctx.regions:
            vpc = f"{Vpc.name}/{vpc_name(ctx)}@{region}"
            subnets = [f"{vpc_name(ctx)}-private-{zone}" for zone in zones]
            for service in dict.fromkeys(s.services):
                name = endpoint_name(ctx, service)
                attrs: dict[str, Any] = {"service": f"com.amazonaws.{region}.{service}"}
                depends = [vpc]
                if service in GATEWAY_SERVICES:
                    attrs |= {"type": "Gateway", "route_tables": [MAIN]}
                else:
                    attrs |= {"type": "Interface", "subnets": sorted(subnets), "private_dns": s.private_dns}
                    depends += [f"{Subnet.name}/{sub}@{region}" for sub in subnets]
                attrs["tags"] = {"Name": name, **ctx.tags}
                out.append(
                    self.make(
                        ctx,
                        f"{name}@{region}",
                        attrs,
                        region=region,
                        inputs={"endpoint": name, "vpc": vpc_name(ctx)},
                        depends_on=depends,
                    )
                )
        return out

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        ec2 = network(runtime, res.region)
        ep = ec2.vpc_endpoint(res.inputs["endpoint"])
        if ep is None:
            return None
        live: dict[str, Any] = {"service": ep["ServiceName"], "type": ep.get("VpcEndpointType")}
        if "route_tables" in res.attrs:
            main = ec2.main_route_table(ep["VpcId"])
            ids = [str(i) for i in ep.get("RouteTableIds") or []]
            named = ec2.route_table_names([i for i in ids if i != main])
            live["route_tables"] = sorted([MAIN] * (main in ids) + named)
        if "subnets" in res.attrs:
            ids = [str(i) for i in ep.get("SubnetIds") or []]
            live["subnets"] = sorted(ec2.subnet_names(ids))
        if "private_dns" in res.attrs:
            live["private_dns"] = bool(ep.get("PrivateDnsEnabled"))
        live["tags"] = only_keys(ep["TagMap"], res.tags)
        live["id"] = ep["VpcEndpointId"]
        return live

    def _ids(self, ec2: Any, vpc_id: str, res: Resource, key: str, names: list[str]) -> list[str]:
        """Route table or subnet ids of `names` (`main` = the VPC's main route table)."""
        out = []
        for name in names:
            if key == "route_tables" and name == MAIN:
                found = ec2.main_route_table(vpc_id)
            else:
                item = ec2.subnet(name) if key == "subnets" else None
                found = (item or {}).get("SubnetId")
            if not found:
                from multicloud_ctl.errors import OperationFailed

                raise OperationFailed(f"{res.address}: {key} {name} does not exist in VPC {res.inputs['vpc']}")
            out.append(str(found))
        return out

    def create(self, runtime: Any, res: Resource) -> Any:
        ec2 = network(runtime, res.region)
        vpc_id = ec2.vpc(res.inputs["vpc"])["VpcId"]
        spec: dict[str, Any] = {"ServiceName": res.attrs["service"], "VpcEndpointType": res.attrs["type"]}
        if res.attrs["type"] == "Gateway":
            spec["RouteTableIds"] = self._ids(ec2, vpc_id, res, "route_tables", res.attrs["route_tables"])
        else:
            spec["SubnetIds"] = self._ids(ec2, vpc_id, res, "subnets", res.attrs["subnets"])
            spec["PrivateDnsEnabled"] = bool(res.attrs["private_dns"])
        return {"id": ec2.create_vpc_endpoint(vpc_id, spec, tag_list(res.tags))}

    def update(self, runtime: Any, res: Resource, changed: list[str]) -> Any:
        if {"service", "type"} & set(changed):
            from multicloud_ctl.errors import OperationFailed

            raise OperationFailed(
                f"{res.address}: the service and type of a VPC endpoint cannot change in place",
                hint=f"destroy it first (mcctl provision destroy --only {res.address})",
            )
        ec2 = network(runtime, res.region)
        ep = ec2.vpc_endpoint(res.inputs["endpoint"])
        vpc_id = ep["VpcId"]
        changes: dict[str, Any] = {}
        for key, live_key, add, remove in (
            ("route_tables", "RouteTableIds", "AddRouteTableIds", "RemoveRouteTableIds"),
            ("subnets", "SubnetIds", "AddSubnetIds", "RemoveSubnetIds"),
        ):
            if key in changed:
                want = set(self._ids(ec2, vpc_id, res, key, res.attrs[key]))
                have = {str(i) for i in ep.get(live_key) or []}
                if want - have:
                    changes[add] = sorted(want - have)
                if have - want:
                    changes[remove] = sorted(have - want)
        if "private_dns" in changed:
            changes["PrivateDnsEnabled"] = bool(res.attrs["private_dns"])
        if changes:
            ec2.modify_vpc_endpoint(ep["VpcEndpointId"], changes)
        if "tags" in changed:
            ec2.tag(ep["VpcEndpointId"], tag_list(res.tags))
        return {"updated": changed}

    def delete(self, runtime: Any, res: Resource) -> Any:
        ec2 = network(runtime, res.region)
        ep = ec2.vpc_endpoint(res.inputs["endpoint"])
        if ep:
            ec2.delete(ep["VpcEndpointId"])
        return {"deleted": res.inputs["endpoint"]}
