"""The DynamoDB tables the AWS-side functions use: key schemas, the category index, streams for CDC.

`table_specs(cfg)` gives `create_table` keyword arguments per table (provisioning and tests share them).
Items use the attribute names of `sql_schema` columns; `Orders.lines` is a list of maps there.
"""

from __future__ import annotations

from typing import Any

from multicloud_ctl.functions.config import FunctionConfig

CATEGORY_INDEX = "category-index"
STREAM = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}


def _table(name: str, key: str, *, stream: bool = True, **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "TableName": name,
        "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": key, "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
        "SSESpecification": {"Enabled": True},  # as `mcctl provision` creates them (and the audit expects)
    }
    if stream:
        spec["StreamSpecification"] = dict(STREAM)
    spec.update(extra)
    return spec


def table_specs(cfg: FunctionConfig) -> dict[str, dict[str, Any]]:
    """Logical table name -> create_table kwargs."""
    products = _table(
        cfg.table_products,
        "product_id",
        GlobalSecondaryIndexes=[
            {
                "IndexName": CATEGORY_INDEX,
                "KeySchema": [
                    {"AttributeName": "category", "KeyType": "HASH"},
                    {"AttributeName": "product_id", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    products["AttributeDefinitions"].append({"AttributeName": "category", "AttributeType": "S"})
    return {
        "products": products,
        "inventory": _table(cfg.table_inventory, "product_id"),
        "orders": _table(cfg.table_orders, "order_id"),
        "users": _table(cfg.table_users, "user_id"),
        "idempotency": _table(cfg.table_idempotency, "key", stream=False),
    }


def create_tables(client: Any, cfg: FunctionConfig) -> list[str]:
    """Create the tables that do not exist yet (sandbox and tests); returns the names created."""
    existing = set(client.list_tables().get("TableNames", []))
    made = []
    for spec in table_specs(cfg).values():
        if spec["TableName"] not in existing:
            client.create_table(**spec)
            made.append(spec["TableName"])
    return made
