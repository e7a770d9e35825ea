"""moto's ElastiCache made as strict as the service (loaded by `local/moto_strict.py` before moto's server starts).

moto 5.2 creates a replication group whatever the request says, ignores `NumCacheClusters` (a group always has
one node unless `ReplicasPerNodeGroup` is given), names every endpoint as if it were in us-east-1, never removes
a deleted group (it stays `deleting` forever, so its id can never be used again) and has no
DeleteCacheSubnetGroup. Here, as the ElastiCache API reference (CreateReplicationGroup, DeleteCacheSubnetGroup)
says:
- CreateReplicationGroup: `Engine` redis or valkey; `NumCacheClusters` 1-6; `AutomaticFailoverEnabled` needs at
  least two clusters, `MultiAZEnabled` needs automatic failover; `AuthToken` only with
  `TransitEncryptionEnabled`, 16-128 printable ASCII characters whose only special characters are
  `! & # $ ^ < > -` ("Password constraints"); the `CacheSubnetGroupName` must exist
  (CacheSubnetGroupNotFoundFault). The token is kept nowhere: a group only records that it has one
  (`AuthTokenEnabled`), as Describe shows.
- The group then has `NumCacheClusters` member clusters (the primary first, replicas spread over the
  `PreferredCacheClusterAZs`), endpoints named after its own region.
- DeleteReplicationGroup answers the group `deleting`, then the group is gone (its id free again).
- DeleteCacheSubnetGroup removes a group no replication group uses (CacheSubnetGroupInUse otherwise;
  CacheSubnetGroupNotFoundFault when there is none).
"""

from __future__ import annotations

import re
from typing import Any

# printable ASCII letters and digits plus the eight special characters AWS permits in an AUTH token
_AUTH_TOKEN = re.compile(r"^[A-Za-z0-9!&#$^<>\-]{16,128}$")
ENGINES = ("redis", "valkey")


def auth_token_refusal(token: str) -> str | None:
    """Why ElastiCache refuses `token` as a replication group's AUTH token (without repeating it), or None."""
    if not _AUTH_TOKEN.match(token):
        return (
            "Invalid AuthToken provided: it must be 16-128 printable ASCII characters; the only special "
            "characters permitted are !, &, #, $, ^, <, > and -."
        )
    return None


def replication_group_refusal(params: dict[str, Any], subnet_groups: dict[str, Any]) -> tuple[str, str] | None:
    """(code, message) of ElastiCache's refusal of this CreateReplicationGroup, or None."""
    engine = str(params.get("Engine") or "redis").lower()
    if engine not in ENGINES:
        return "InvalidParameterValue", f"Invalid value '{params.get('Engine')}' for Engine: redis or valkey."
    clusters = int(params.get("NumCacheClusters") or 1)
    if not 1 <= clusters <= 6:
        return "InvalidParameterValue", "NumCacheClusters must be between 1 and 6."
    failover = str(params.get("AutomaticFailoverEnabled", "false")).lower() == "true"
    multi_az = str(params.get("MultiAZEnabled", "false")).lower() == "true"
    if failover and clusters < 2:
        return (
            "InvalidParameterCombination",
            "Automatic failover requires at least 2 cache clusters (NumCacheClusters >= 2).",
        )
    if multi_az and not failover:
        return "InvalidParameterCombination", "Multi-AZ requires automatic failover to be enabled."
    token = params.get("AuthToken")
    if token is not None:
        if str(params.get("TransitEncryptionEnabled", "false")).lower() != "true":
            return (
                "InvalidParameterCombination",
                "AuthToken can be specified only on replication groups where TransitEncryptionEnabled is true.",
            )
        if (why := auth_token_refusal(str(token))) is not None:
            return "InvalidParameterValue", why
    group = params.get("CacheSubnetGroupName")
    if group and group not in subnet_groups:
        return "CacheSubnetGroupNotFoundFault", f"CacheSubnetGroup {group} not found."
    return None


REGION_SHORT = {"us-east-1": "use1", "us-east-2": "use2", "us-west-1": "usw1", "us-west-2": "usw2"}


def make_elasticache_strict() -> None:
    """Install the refusals and answers described in the module docstring."""
    from moto.core.exceptions import ServiceException
    from moto.core.responses import EmptyResult
    from moto.elasticache.models import ElastiCacheBackend
    from moto.elasticache.responses import ElastiCacheResponse

    if getattr(ElastiCacheResponse.create_replication_group, "_mcctl_strict", False):
        return

    class Refused(ServiceException):
        """An error answered with its code and message (the status comes from the service model)."""

    creating = ElastiCacheResponse.create_replication_group
    backend_create = ElastiCacheBackend.create_replication_group
    deleting = ElastiCacheResponse.delete_replication_group

    def create_replication_group(self: Any) -> Any:
        params = self._get_params()
        refused = replication_group_refusal(params, self.elasticache_backend.cache_subnet_groups)
        if refused is not None:
            raise Refused(*refused)
        return creating(self)

    def backend_create_replication_group(self: Any, **kwargs: Any) -> Any:
        clusters = int(kwargs.get("num_cache_clusters") or 1)
        if not kwargs.get("num_node_groups") and kwargs.get("cluster_mode") != "enabled" and clusters > 1:
            kwargs["replicas_per_node_group"] = clusters - 1  # moto counts members from this one only
        kwargs["auth_token"] = "set" if kwargs.get("auth_token") else None  # never keep the token itself
        group = backend_create(self, **kwargs)
        short = REGION_SHORT.get(self.region_name, self.region_name.replace("-", ""))
        for node_group in group.node_groups:
            for key in ("primary_endpoint_address", "reader_endpoint_address"):
                if key in node_group:
                    node_group[key] = node_group[key].replace(".use1.", f".{short}.")
            if "primary_endpoint" in node_group:
                node_group["primary_endpoint"]["address"] = node_group["primary_endpoint_address"]
            for member in node_group["node_group_members"]:
                if "read_endpoint" in member:
                    member["read_endpoint"]["address"] = member["read_endpoint"]["address"].replace(
                        ".use1.", f".{short}."
                    )
        return group

    def delete_replication_group(self: Any) -> Any:
        result = deleting(self)
        group_id = self._get_param("ReplicationGroupId")
        gone = self.elasticache_backend.replication_groups.pop(group_id, None)
        if gone is not None:
            self.elasticache_backend.tagging_service.delete_all_tags_for_resource(gone.arn)
        return result

    def delete_cache_subnet_group(self: Any) -> Any:
        name = self._get_param("CacheSubnetGroupName")
        backend = self.elasticache_backend
        if name not in backend.cache_subnet_groups:
            raise Refused("CacheSubnetGroupNotFoundFault", f"CacheSubnetGroup {name} not found.")
        if any(g.cache_subnet_group_name == name for g in backend.replication_groups.values()):
            raise Refused("CacheSubnetGroupInUse", f"Cache subnet group {name} is currently in use by a cache cluster.")
        gone = backend.cache_subnet_groups.pop(name)
        backend.tagging_service.delete_all_tags_for_resource(gone.arn)
        return EmptyResult()

    create_replication_group._mcctl_strict = True  # type: ignore[attr-defined]
    ElastiCacheResponse.create_replication_group = create_replication_group  # type: ignore[method-assign]
    ElastiCacheResponse.delete_replication_group = delete_replication_group  # type: ignore[method-assign]
    ElastiCacheResponse.delete_cache_subnet_group = delete_cache_subnet_group  # type: ignore[attr-defined]
    ElastiCacheBackend.create_replication_group = backend_create_replication_group  # type: ignore[method-assign,assignment]
