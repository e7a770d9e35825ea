"""The cache subnet group of the session cache, one per region: the link VPC's private subnets (two zones), so
the ElastiCache replication group lives in the VPC, never on a public address, with a node in each zone.

Its subnets are named in the plan (`subnet` names); `read` maps the live subnet ids back to those names. The
subnets of an existing group are not changed here (ModifyCacheSubnetGroup is not used): a changed list is
refused with a hint (destroy the cache, then apply).
"""

from __future__ import annotations

from typing import Any

from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings, ResourceKind, tag_list
from multicloud_ctl.operations.provision.kinds.subnet import Subnet
from multicloud_ctl.operations.provision.kinds.vpc import network, vpc_name
from multicloud_ctl.operations.provision.model import Resource


def cache_subnet_group_name(ctx: DesiredContext) -> str:
    return f"{vpc_name(ctx)}-cache"


def elasticache(runtime: Any, region: str) -> Any:
    from multicloud_ctl.providers.aws.elasticache import ElastiCache

    return ElastiCache(runtime.aws, region)


class ElastiCacheSubnetGroup(ResourceKind):
    name = "elasticache_subnet_group"
    provider = "aws"
    settings = KindSettings
    description = "cache subnet group of the session cache: the link VPC's private subnets"

    def desired(self, ctx: DesiredContext) -> list[Resource]:
        zones = ctx.settings(Subnet.name).zones
        name = cache_subnet_group_name(ctx)
        subnets = sorted(f"{vpc_name(ctx)}-private-{zone}" for zone in zones)
        return [
            self.make(
                ctx,
                f"{name}@{region}",
                {"description": "mcctl session cache", "subnets": subnets, "tags": dict(ctx.tags)},
                region=region,
                inputs={"group": name},
                depends_on=[f"{Subnet.name}/{s}@{region}" for s in subnets],
            )
            for region in ctx.regions
        ]

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        group = elasticache(runtime, res.region).subnet_group(res.inputs["group"])
        if group is None:
            return None
        ec2 = network(runtime, res.region)
        names = {}
        for name in res.attrs["subnets"]:
            found = ec2.subnet(name)
            if found:
                names[found["SubnetId"]] = name
        live_ids = [str(s.get("SubnetIdentifier")) for s in group.get("Subnets") or []]
        tags = elasticache(runtime, res.region).tags(group["ARN"])
        return {
            "description": group.get("CacheSubnetGroupDescription"),
            "subnets": sorted(names.get(i, i) for i in live_ids),
            "tags": {k: tags[k] for k in res.tags if k in tags},
            "arn": group["ARN"],
        }

    def create(self, runtime: Any, res: Resource) -> Any:
        ec2 = network(runtime, res.region)
        ids = [ec2.subnet(name)["SubnetId"] for name in res.attrs["subnets"]]
        arn = elasticache(runtime, res.region).create_subnet_group(
            res.inputs["group"], res.attrs["description"], ids, tag_list(res.tags)
        )
        return {"arn": arn}

    def update(self, runtime: Any, res: Resource, changed: list[str]) -> Any:
        if set(changed) - {"tags"}:
            from multicloud_ctl.errors import OperationFailed

            raise OperationFailed(
                f"cache subnet group {res.inputs['group']}: {', '.join(sorted(set(changed) - {'tags'}))} "
                "cannot change in place here",
                hint="destroy the cache and its subnet group (mcctl provision destroy --only "
                "elasticache_replication_group --only elasticache_subnet_group), then apply",
            )
        cache = elasticache(runtime, res.region)
        cache.tag(cache.subnet_group(res.inputs["group"])["ARN"], tag_list(res.tags))
        return {"updated": changed}

    def delete(self, runtime: Any, res: Resource) -> Any:
        cache = elasticache(runtime, res.region)
        if cache.subnet_group(res.inputs["group"]):
            cache.delete_subnet_group(res.inputs["group"])
        return {"deleted": res.inputs["group"]}
