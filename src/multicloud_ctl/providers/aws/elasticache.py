"""ElastiCache calls mcctl uses: the cache subnet group and the Redis replication group of the session cache.

A replication group's AUTH token is write-only in the API (no Describe call returns it); it is passed to
`create_replication_group` by the caller, which resolves it from a secret reference at apply time, and never
logged or returned here. Tags are read and written by ARN (`ListTagsForResource`, `AddTagsToResource`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import NotFound
from multicloud_ctl.providers.aws.errors import aws_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.aws.session import AwsClients


@dataclass
class ElastiCache:
    clients: AwsClients
    region: str

    @property
    def _c(self) -> Any:
        return self.clients.client("elasticache", self.region)

    def subnet_group(self, name: str) -> dict[str, Any] | None:
        """DescribeCacheSubnetGroups of one group, or None when it does not exist."""
        try:
            with aws_errors("DescribeCacheSubnetGroups", name):
                found = self._c.describe_cache_subnet_groups(CacheSubnetGroupName=name)["CacheSubnetGroups"]
        except NotFound:
            return None
        return dict(found[0]) if found else None

    def create_subnet_group(self, name: str, description: str, subnet_ids: list[str], tags: list[Any]) -> str:
        with aws_errors("CreateCacheSubnetGroup", name):
            out = self._c.create_cache_subnet_group(
                CacheSubnetGroupName=name, CacheSubnetGroupDescription=description, SubnetIds=subnet_ids, Tags=tags
            )
        return str(out["CacheSubnetGroup"]["ARN"])

    def delete_subnet_group(self, name: str) -> None:
        with aws_errors("DeleteCacheSubnetGroup", name):
            self._c.delete_cache_subnet_group(CacheSubnetGroupName=name)

    def replication_group(self, name: str) -> dict[str, Any] | None:
        """DescribeReplicationGroups of one group (None when absent or being deleted)."""
        try:
            with aws_errors("DescribeReplicationGroups", name):
                found = self._c.describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"]
        except NotFound:
            return None
        found = [g for g in found if g.get("Status") != "deleting"]
        return dict(found[0]) if found else None

    def create_replication_group(self, request: dict[str, Any], auth_token: str | None) -> str:
        """CreateReplicationGroup with `request` (no secret in it) plus the AUTH token, if any."""
        params = dict(request)
        if auth_token is not None:
            params["AuthToken"] = auth_token
        with aws_errors("CreateReplicationGroup", str(request.get("ReplicationGroupId"))):
            out = self._c.create_replication_group(**params)
        return str(out["ReplicationGroup"]["ARN"])

    def wait_available(self, name: str, delay: int = 15, attempts: int = 80) -> None:
        """Wait until the group is `available` (a new one takes several minutes in AWS)."""
        with aws_errors("DescribeReplicationGroups", name):
            self._c.get_waiter("replication_group_available").wait(
                ReplicationGroupId=name, WaiterConfig={"Delay": delay, "MaxAttempts": attempts}
            )

    def wait_deleted(self, name: str, delay: int = 15, attempts: int = 80) -> None:
        """Wait until the group is gone (its subnet group cannot be deleted before)."""
        with aws_errors("DescribeReplicationGroups", name):
            self._c.get_waiter("replication_group_deleted").wait(
                ReplicationGroupId=name, WaiterConfig={"Delay": delay, "MaxAttempts": attempts}
            )

    def modify_replication_group(self, name: str, changes: dict[str, Any]) -> None:
        with aws_errors("ModifyReplicationGroup", name):
            self._c.modify_replication_group(ReplicationGroupId=name, ApplyImmediately=True, **changes)

    def delete_replication_group(self, name: str) -> None:
        with aws_errors("DeleteReplicationGroup", name):
            self._c.delete_replication_group(ReplicationGroupId=name)

    def tags(self, arn: str) -> dict[str, str]:
        with aws_errors("ListTagsForResource", arn):
            found = self._c.list_tags_for_resource(ResourceName=arn).get("TagList") or []
        return {t["Key"]: t["Value"] for t in found}

    def tag(self, arn: str, tags: list[dict[str, str]]) -> None:
        with aws_errors("AddTagsToResource", arn):
            self._c.add_tags_to_resource(ResourceName=arn, Tags=tags)
