"""The session cache on AWS (the seed's "ElastiCache for session data"): a Redis replication group per region.

Cluster mode disabled, `num_cache_clusters` nodes (a primary and its replicas) over the cache subnet group's two
zones, Multi-AZ with automatic failover (both need two nodes or more), encryption in transit and at rest, and an
AUTH token (which ElastiCache accepts only with encryption in transit). The token is the value `auth_token`
refers to: resolved only inside `create`, sent in the request and nowhere else. The plan, the journal and drift
carry the reference and `auth_token_enabled`; no ElastiCache call ever returns the token.

Secondary region: one independent group in each region (us-east-1 and us-west-2), not a Global Datastore.
Session data is regional here: a user's requests reach one region until a failover, and a failover costs them
their session (they sign in again), not their data. A Global Datastore (CreateGlobalReplicationGroup) would
replicate sessions across regions at the price of node types that support it and a secondary that only reads.

Encryption settings and the node count cannot change in place here: such a change is refused with a hint
(destroy, then apply); the node type and Multi-AZ / automatic failover are modified in place.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from multicloud_ctl.config.secrets import SecretRef
from multicloud_ctl.operations.deploy.cache_endpoint import AUTH_TOKEN_REF_TAG, primary_endpoint, session_cache_id
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings, ResourceKind, tag_list
from multicloud_ctl.operations.provision.kinds.elasticache_subnet_group import (
    ElastiCacheSubnetGroup,
    cache_subnet_group_name,
    elasticache,
)
from multicloud_ctl.operations.provision.kinds.subnet import Subnet
from multicloud_ctl.operations.provision.model import Resource

# "Password constraints" of CreateReplicationGroup's AuthToken (ElastiCache API reference)
_AUTH_TOKEN = re.compile(r"^[A-Za-z0-9!&#$^<>\-]{16,128}$")
FIXED = ("engine", "num_cache_clusters", "transit_encryption", "at_rest_encryption", "auth_token_enabled")


class Settings(KindSettings):
    node_type: Annotated[str, StringConstraints(pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$")] = Field(
        default="cache.t4g.small", description="ElastiCache node type of every node"
    )
    num_cache_clusters: int = Field(
        default=2, ge=2, le=6, description="Nodes: one primary and its replicas (Multi-AZ needs 2 or more)"
    )
    multi_az: bool = Field(default=True, description="Multi-AZ with automatic failover to a replica")
    auth_token: SecretRef = Field(
        default="env:MCCTL_REDIS_AUTH_TOKEN",
        description="Reference to the Redis AUTH token (16-128 characters; letters, digits and !&#$^<>- only)",
    )


class ElastiCacheReplicationGroup(ResourceKind):
    name = "elasticache_replication_group"
    typical_s = 600.0  # waits until the group is available
    provider = "aws"
    settings = Settings
    description = "session cache: Redis replication group, Multi-AZ, TLS and at-rest encryption, AUTH token"

    def desired(self, ctx: DesiredContext) -> list[Resource]:
        s: Settings = ctx.settings(self.name)
        group = session_cache_id(ctx.env)
        zones = ctx.settings(Subnet.name).zones
        out = []
        for region in ctx.regions:
            azs = [f"{region}{zones[i % len(zones)]}" for i in range(s.num_cache_clusters)]
            out.append(
                self.make(
                    ctx,
                    f"{group}@{region}",
                    {
                        "engine": "redis",
                        "node_type": s.node_type,
                        "num_cache_clusters": s.num_cache_clusters,
                        "multi_az": s.multi_az,
                        "automatic_failover": s.multi_az,
                        "transit_encryption": True,
                        "at_rest_encryption": True,
                        "auth_token_enabled": True,
                        # the reference (never the token): what deploy gives the Lambda functions
                        "tags": {**ctx.tags, AUTH_TOKEN_REF_TAG: s.auth_token},
                    },
                    region=region,
                    inputs={
                        "group": group,
                        "subnet_group": cache_subnet_group_name(ctx),
                        "zones": azs,
                        "auth_token": s.auth_token,
                    },
                    depends_on=[f"{ElastiCacheSubnetGroup.name}/{cache_subnet_group_name(ctx)}@{region}"],
                )
            )
        return out

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        cache = elasticache(runtime, res.region)
        group = cache.replication_group(res.inputs["group"])
        if group is None:
            return None
        tags = cache.tags(group["ARN"])
        return {
            "engine": group.get("Engine", "redis"),
            "node_type": group.get("CacheNodeType"),
            "num_cache_clusters": len(group.get("MemberClusters") or []),
            "multi_az": group.get("MultiAZ") == "enabled",
            "automatic_failover": group.get("AutomaticFailover") in ("enabled", "enabling"),
            "transit_encryption": bool(group.get("TransitEncryptionEnabled")),
            "at_rest_encryption": bool(group.get("AtRestEncryptionEnabled")),
            "auth_token_enabled": bool(group.get("AuthTokenEnabled")),
            "tags": {k: tags[k] for k in res.tags if k in tags},
            "status": group.get("Status"),
            "endpoint": primary_endpoint(group),
        }

    def create(self, runtime: Any, res: Resource) -> Any:
        from multicloud_ctl.errors import ConfigError

        token = runtime.secrets.resolve(res.inputs["auth_token"])
        if not _AUTH_TOKEN.match(token):
            raise ConfigError(
                f"the AUTH token {res.inputs['auth_token']} refers to is refused by ElastiCache: 16-128 "
                "characters of letters, digits and !&#$^<>- only",
                hint="store a token ElastiCache accepts under that reference",
            )
        a = res.attrs
        request = {
            "ReplicationGroupId": res.inputs["group"],
            "ReplicationGroupDescription": "mcctl session cache",
            "Engine": a["engine"],
            "CacheNodeType": a["node_type"],
            "NumCacheClusters": a["num_cache_clusters"],
            "PreferredCacheClusterAZs": list(res.inputs["zones"]),
            "MultiAZEnabled": a["multi_az"],
            "AutomaticFailoverEnabled": a["automatic_failover"],
            "TransitEncryptionEnabled": a["transit_encryption"],
            "AtRestEncryptionEnabled": a["at_rest_encryption"],
            "CacheSubnetGroupName": res.inputs["subnet_group"],
            "Port": 6379,
            "Tags": tag_list(res.tags),
        }
        cache = elasticache(runtime, res.region)
        arn = cache.create_replication_group(request, token if a["auth_token_enabled"] else None)
        cache.wait_available(res.inputs["group"])
        return {"arn": arn}

    def update(self, runtime: Any, res: Resource, changed: list[str]) -> Any:
        fixed = sorted(set(changed) & set(FIXED))
        if fixed:
            from multicloud_ctl.errors import OperationFailed

            raise OperationFailed(
                f"replication group {res.inputs['group']}: {', '.join(fixed)} cannot change in place here",
                hint="destroy it (mcctl provision destroy --only elasticache_replication_group), then apply",
            )
        cache = elasticache(runtime, res.region)
        changes: dict[str, Any] = {}
        if "node_type" in changed:
            changes["CacheNodeType"] = res.attrs["node_type"]
        if {"multi_az", "automatic_failover"} & set(changed):
            changes["AutomaticFailoverEnabled"] = res.attrs["automatic_failover"]
            changes["MultiAZEnabled"] = res.attrs["multi_az"]
        if changes:
            cache.modify_replication_group(res.inputs["group"], changes)
        if "tags" in changed:
            cache.tag(cache.replication_group(res.inputs["group"])["ARN"], tag_list(res.tags))
        return {"updated": changed}

    def delete(self, runtime: Any, res: Resource) -> Any:
        cache = elasticache(runtime, res.region)
        if cache.replication_group(res.inputs["group"]):
            cache.delete_replication_group(res.inputs["group"])
            cache.wait_deleted(res.inputs["group"])
        return {"deleted": res.inputs["group"]}
