"""The domain stores on DynamoDB (boto3 low-level client: thread-safe, unlike resources).

Stock changes are single `UpdateItem` calls with a condition (`available >= :qty`), so stock never goes
negative under any concurrency; idempotency keys and status changes are conditional writes as well.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from multicloud_ctl.functions.adapters.aws import client
from multicloud_ctl.functions.adapters.dynamo_schema import CATEGORY_INDEX
from multicloud_ctl.functions.config import FunctionConfig
from multicloud_ctl.functions.domain.clock import iso, utc_now
from multicloud_ctl.functions.domain.errors import Invalid
from multicloud_ctl.functions.domain.orders import Order
from multicloud_ctl.functions.domain.products import Page, Product
from multicloud_ctl.functions.domain.users import UserProfile

IDEMPOTENCY_TTL = 24 * 3600


def _ser() -> Any:
    from boto3.dynamodb.types import TypeSerializer

    return TypeSerializer()


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    ser = _ser()
    return {k: ser.serialize(v) for k, v in values.items()}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeDeserializer

    des = TypeDeserializer()
    return {k: _plain(des.deserialize(v)) for k, v in item.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _conditional_failed(exc: Exception) -> bool:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code")
    return code == "ConditionalCheckFailedException"


class _Table:
    def __init__(self, cfg: FunctionConfig, name: str, key: str) -> None:
        self.cfg, self.name, self.key = cfg, name, key

    @property
    def ddb(self) -> Any:
        return client("dynamodb", self.cfg)

    def get_item(self, key_value: str) -> dict[str, Any] | None:
        found = self.ddb.get_item(TableName=self.name, Key={self.key: {"S": key_value}}, ConsistentRead=True)
        return from_item(found["Item"]) if "Item" in found else None

    def put_item(self, values: Mapping[str, Any], **kwargs: Any) -> None:
        self.ddb.put_item(TableName=self.name, Item=to_item(values), **kwargs)


class DynamoProducts(_Table):
    def __init__(self, cfg: FunctionConfig) -> None:
        super().__init__(cfg, cfg.table_products, "product_id")

    def get(self, product_id: str) -> Product | None:
        item = self.get_item(product_id)
        return Product.from_dict(item) if item else None

    def put(self, product: Product) -> None:
        self.put_item(product.to_dict())

    def delete(self, product_id: str) -> bool:
        out = self.ddb.delete_item(TableName=self.name, Key={"product_id": {"S": product_id}}, ReturnValues="ALL_OLD")
        return "Attributes" in out

    def list(self, category: str | None, limit: int, cursor: str | None) -> Page:
        kwargs: dict[str, Any] = {"TableName": self.name, "Limit": limit}
        if cursor:
            try:
                start = json.loads(base64.urlsafe_b64decode(cursor.encode()))
            except (ValueError, RecursionError):  # RecursionError: a hostile, deeply nested cursor
                start = None
            if not isinstance(start, dict) or not all(isinstance(v, dict) for v in start.values()):
                raise Invalid("cursor: not a cursor from this API")
            kwargs["ExclusiveStartKey"] = start
        if category is None:
            out = self.ddb.scan(**kwargs)
        else:
            out = self.ddb.query(
                IndexName=CATEGORY_INDEX,
                KeyConditionExpression="category = :c",
                ExpressionAttributeValues={":c": {"S": category}},
                **kwargs,
            )
        items = [Product.from_dict(from_item(i)) for i in out.get("Items", [])]
        last = out.get("LastEvaluatedKey")
        token = base64.urlsafe_b64encode(json.dumps(last, sort_keys=True).encode()).decode() if last else None
        return Page(items, token)


class DynamoInventory(_Table):
    def __init__(self, cfg: FunctionConfig) -> None:
        super().__init__(cfg, cfg.table_inventory, "product_id")

    def get(self, product_id: str) -> int | None:
        item = self.get_item(product_id)
        return int(item["available"]) if item else None

    def set(self, product_id: str, available: int) -> None:
        self.put_item({"product_id": product_id, "available": available, "updated_at": iso(utc_now())})

    def _add(self, product_id: str, delta: int, condition: str) -> int | None:
        try:
            out = self.ddb.update_item(
                TableName=self.name,
                Key={"product_id": {"S": product_id}},
                UpdateExpression="SET available = available + :d, updated_at = :now",
                ConditionExpression=condition,
                ExpressionAttributeValues={
                    ":d": {"N": str(delta)},
                    ":now": {"S": iso(utc_now())},
                    **({":need": {"N": str(-delta)}} if ":need" in condition else {}),
                },
                ReturnValues="UPDATED_NEW",
            )
        except Exception as exc:
            if _conditional_failed(exc):
                return None
            raise
        return int(out["Attributes"]["available"]["N"])

    def try_reserve(self, product_id: str, qty: int) -> int | None:
        return self._add(product_id, -qty, "attribute_exists(product_id) AND available >= :need")

    def release(self, product_id: str, qty: int) -> int | None:
        return self._add(product_id, qty, "attribute_exists(product_id)")


class DynamoOrders(_Table):
    def __init__(self, cfg: FunctionConfig) -> None:
        super().__init__(cfg, cfg.table_orders, "order_id")

    def get(self, order_id: str) -> Order | None:
        item = self.get_item(order_id)
        return Order.from_dict(item) if item else None

    def put(self, order: Order) -> None:
        self.put_item(order.to_dict())

    def set_status(self, order_id: str, expected: str, new: str, updated_at: str) -> bool:
        try:
            self.ddb.update_item(
                TableName=self.name,
                Key={"order_id": {"S": order_id}},
                UpdateExpression="SET #s = :new, updated_at = :now",
                ConditionExpression="#s = :expected",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":new": {"S": new},
                    ":expected": {"S": expected},
                    ":now": {"S": updated_at},
                },
            )
            return True
        except Exception as exc:
            if _conditional_failed(exc):
                return False
            raise


class DynamoUsers(_Table):
    def __init__(self, cfg: FunctionConfig) -> None:
        super().__init__(cfg, cfg.table_users, "user_id")

    def get(self, user_id: str) -> UserProfile | None:
        item = self.get_item(user_id)
        return UserProfile.from_dict(item) if item else None

    def put(self, profile: UserProfile) -> None:
        self.put_item(profile.to_dict())


class DynamoIdempotency(_Table):
    """Key -> order id, with a TTL attribute (`expires_at`) so old keys age out."""

    def __init__(self, cfg: FunctionConfig) -> None:
        super().__init__(cfg, cfg.table_idempotency, "key")

    def claim(self, key: str, value: str) -> bool:
        try:
            self.put_item(
                {"key": key, "value": value, "expires_at": int(time.time()) + IDEMPOTENCY_TTL},
                ConditionExpression="attribute_not_exists(#k)",
                ExpressionAttributeNames={"#k": "key"},
            )
            return True
        except Exception as exc:
            if _conditional_failed(exc):
                return False
            raise

    def get(self, key: str) -> str | None:
        item = self.get_item(key)
        return str(item["value"]) if item else None

    def forget(self, key: str) -> None:
        self.ddb.delete_item(TableName=self.name, Key={"key": {"S": key}})
