"""The environment lease table in one region: a DynamoDB table with one item per lock name.

`engine/lock.py` decides the policy (the quorum, what to tell the operator) and `engine/lease_stores.py` makes
this table one of its stores; this client only makes the calls. Taking a lease is one conditional UpdateItem
(free, released, expired before `now`, or already ours), which adds 1 to the lease's fencing token when it
changes hands; renewing is an UpdateItem conditioned on owner and token; releasing sets `expires` to 0 (the
token stays, so it never goes back). A failed condition is an answer (`None`/`False`), not an error.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    token: int = 0


def _condition_failed(exc: ProviderError) -> bool:
    return "ConditionalCheckFailed" in str(exc)


class _ConditionFailed(Exception):
    """The UpdateItem's condition did not hold: an answer (held by someone else), not an error."""


@dataclass
class LeaseTable:
    """DescribeTable/CreateTable, conditional PutItem and DeleteItem, and a consistent Scan of table `name`."""

    clients: AwsClients
    name: str
    region: str | None = None

    @property
    def _c(self) -> Any:
        return self.clients.client("dynamodb", self.region)

    def _update_item(self, **params: Any) -> dict[str, Any]:
        """UpdateItem on this table; raises `_ConditionFailed` when its condition does not hold.

        Signed without botocore where the environment allows (`sigwire.py`: a lease taken and released by a
        no-change backup then never loads boto3); any answer but a 200 or a failed condition is asked again
        through the boto3 client, whose error mapping and retries apply (each update is conditional on who
        holds the lease, so asking twice changes nothing the first did not).
        """
        wire = self.clients.signed("dynamodb", self.region)
        if wire is not None:
            from multicloud_ctl.providers.aws.sigwire import error_type

            status, body = wire.json_call(
                "DynamoDB_20120810", "UpdateItem", {"TableName": self.name, **params}, self.name
            )
            if status == 200:
                return dict(body or {})
            if status == 400 and error_type(body) == "ConditionalCheckFailedException":
                raise _ConditionFailed
        try:
            with aws_errors("UpdateItem", self.name):
                return dict(self._c.update_item(TableName=self.name, **params))
        except ProviderError as exc:
            if _condition_failed(exc):
                raise _ConditionFailed from None
            raise

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

    def grant(self, lock: str, owner: str, since: str, expires: int, now: int) -> int | None:
        """Take the lease unless someone else holds it at `now`; the fencing token, or None when held.

        A free lease changes hands (token + 1); one `owner` already holds is extended (same token).
        Raises NotFound when the table does not exist.
        """
        names = {"#l": "lock", "#o": "owner", "#s": "since", "#e": "expires", "#t": "token"}
        values = {":me": {"S": owner}, ":since": {"S": since}, ":exp": {"N": str(expires)}}
        for update, condition, extra in (
            ("SET #o = :me, #s = :since, #e = :exp ADD #t :one", "attribute_not_exists(#l) OR #e < :now",
             {":now": {"N": str(now)}, ":one": {"N": "1"}}),
            ("SET #o = :me, #s = :since, #e = :exp", "#o = :me", {}),
        ):  # fmt: skip
            try:
                got = self._update_item(
                    Key={"lock": {"S": lock}},
                    UpdateExpression=update,
                    ConditionExpression=condition,
                    ExpressionAttributeNames={k: v for k, v in names.items() if k in update + condition},
                    ExpressionAttributeValues={**values, **extra},
                    ReturnValues="ALL_NEW",
                )
                return int(got["Attributes"]["token"]["N"])
            except _ConditionFailed:
                continue
        return None

    def renew(self, lock: str, owner: str, token: int, expires: int) -> bool:
        """Extend the lease while `owner` still holds it with `token`; False when it does not."""
        try:
            self._update_item(
                Key={"lock": {"S": lock}},
                UpdateExpression="SET #e = :exp",
                ConditionExpression="#o = :me AND #t = :token",
                ExpressionAttributeNames={"#o": "owner", "#e": "expires", "#t": "token"},
                ExpressionAttributeValues={
                    ":me": {"S": owner},
                    ":token": {"N": str(token)},
                    ":exp": {"N": str(expires)},
                },
            )
        except _ConditionFailed:
            return False
        return True

    def expire(self, lock: str, owner: str | None = None) -> bool:
        """Release the lease (only if `owner` holds it, when given: `lock break` gives none); token kept."""
        conditional: dict[str, Any] = {"ConditionExpression": "attribute_exists(#l)"}
        names = {"#l": "lock", "#e": "expires"}
        values: dict[str, Any] = {":zero": {"N": "0"}}
        if owner is not None:
            conditional = {"ConditionExpression": "#o = :me"}
            names = {"#o": "owner", "#e": "expires"}
            values[":me"] = {"S": owner}
        try:
            self._update_item(
                Key={"lock": {"S": lock}},
                UpdateExpression="SET #e = :zero",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                **conditional,
            )
        except _ConditionFailed:
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
        return [
            LeaseItem(
                i["lock"]["S"],
                i["owner"]["S"],
                i["since"]["S"],
                int(i["expires"]["N"]),
                int(i.get("token", {"N": "0"})["N"]),
            )
            for i in items
        ]
