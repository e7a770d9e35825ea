"""The environment lease table in one region: a DynamoDB table with one item per lock name.

`engine/lock.py` decides the policy (which region, when a lease counts as held, what to tell the operator);
this client only makes the calls. Taking a lease is one conditional PutItem (free, or expired before `now`),
releasing it a DeleteItem conditioned on the owner; a failed condition is an answer (`False`), not an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import ProviderError
from multicloud_ctl.providers.aws.errors import aws_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.aws.session import AwsClients


@dataclass(frozen=True)
class LeaseItem:
    """One lease as stored: who holds lock `name` since when, until `expires` (epoch seconds)."""

    name: str
    owner: str
    since: str
    expires: int


def _condition_failed(exc: ProviderError) -> bool:
    return "ConditionalCheckFailed" in str(exc)


@dataclass
class LeaseTable:
    """DescribeTable/CreateTable, conditional PutItem and DeleteItem, and a consistent Scan of table `name`."""

    clients: AwsClients
    name: str
    region: str | None = None

    @property
    def _c(self) -> Any:
        return self.clients.client("dynamodb", self.region)

    def ensure(self, tags: dict[str, str]) -> None:
        """Create the table (on demand, key `lock`) unless it exists; wait until it is active."""
        ddb = self._c
        with aws_errors("DescribeTable", self.name):
            try:
                ddb.describe_table(TableName=self.name)
                return
            except ddb.exceptions.ResourceNotFoundException:
                pass
        with aws_errors("CreateTable", self.name):
            ddb.create_table(
                TableName=self.name,
                BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": "lock", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "lock", "AttributeType": "S"}],
                Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
            )
            ddb.get_waiter("table_exists").wait(TableName=self.name, WaiterConfig={"Delay": 1})

    def put(self, lock: str, owner: str, since: datetime, expires: datetime, now: datetime) -> bool:
        """Write the lease unless another one is still valid at `now`; False when it is (the lease is held).

        Raises NotFound when the table does not exist.
        """
        try:
            with aws_errors("PutItem", self.name):
                self._c.put_item(
                    TableName=self.name,
                    Item={
                        "lock": {"S": lock},
                        "owner": {"S": owner},
                        "since": {"S": since.isoformat()},
                        "expires": {"N": str(int(expires.timestamp()))},
                    },
                    ConditionExpression="attribute_not_exists(#l) OR #e < :now",
                    ExpressionAttributeNames={"#l": "lock", "#e": "expires"},
                    ExpressionAttributeValues={":now": {"N": str(int(now.timestamp()))}},
                )
        except ProviderError as exc:
            if not _condition_failed(exc):
                raise
            return False
        return True

    def delete(self, lock: str, owner: str | None = None) -> bool:
        """Delete the lease (only if `owner` holds it, when given); False when someone else holds it."""
        conditional: dict[str, Any] = {}
        if owner is not None:
            conditional = {
                "ConditionExpression": "#o = :me",
                "ExpressionAttributeNames": {"#o": "owner"},
                "ExpressionAttributeValues": {":me": {"S": owner}},
            }
        try:
            with aws_errors("DeleteItem", self.name):
                self._c.delete_item(TableName=self.name, Key={"lock": {"S": lock}}, **conditional)
        except ProviderError as exc:
            if owner is None or not _condition_failed(exc):
                raise
            return False
        return True

    def items(self) -> list[LeaseItem]:
        """Every lease in the table (a consistent read); none when the table does not exist."""
        ddb = self._c
        with aws_errors("Scan", self.name):
            try:
                items = ddb.scan(TableName=self.name, ConsistentRead=True).get("Items", [])
            except ddb.exceptions.ResourceNotFoundException:
                items = []
        return [LeaseItem(i["lock"]["S"], i["owner"]["S"], i["since"]["S"], int(i["expires"]["N"])) for i in items]
