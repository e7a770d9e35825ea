"""Helpers shared by the tests in this directory (imported by name: `from sync_support import ...`)."""

from __future__ import annotations

from typing import Any

PLAYBOOK = """\
apiVersion: mcctl/v1
kind: Sync
metadata: {name: sync-test}
spec:
  tables:
    - source: Orders
      target: orders
      keys: [{attribute: order_id, length: 64}]
      columns:
        - {attribute: status, length: 16}
        - {attribute: total, type: number}
      delete_mode: remove
  batch_size: 50
  segments: 2
  poll_seconds: 0.05
"""


def make_table(ddb: Any, name: str = "Orders", key: str = "order_id", view: str = "NEW_AND_OLD_IMAGES") -> str:
    out = ddb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view},
    )
    return str(out["TableDescription"]["LatestStreamArn"])


def put(ddb: Any, oid: str, **attrs: Any) -> None:
    item = {"order_id": {"S": oid}}
    for k, v in attrs.items():
        item[k] = v if isinstance(v, dict) else {"S": str(v)}
    ddb.put_item(TableName="Orders", Item=item)


def sql_rows(ctx: Any, live_only: bool = True) -> dict[str, dict[str, Any]]:
    from sqlalchemy import select

    t = ctx.tables.table_for("Orders")
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(t)).mappings().all()
    return {r["order_id"]: dict(r) for r in rows if not (live_only and r["_deleted"])}
