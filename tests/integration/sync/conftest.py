"""Fixtures for the sync tests: a streamed DynamoDB table on moto, a Sync playbook, SQLite or PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

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
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view},
    )
    return str(out["TableDescription"]["LatestStreamArn"])


@pytest.fixture
def ddb(aws: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=aws, region_name="us-east-1")


@pytest.fixture
def orders(ddb: Any) -> Any:
    make_table(ddb)
    return ddb


@pytest.fixture
def playbook(tmp_path: Path) -> Path:
    path = tmp_path / "sync.yaml"
    path.write_text(PLAYBOOK)
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'azure-sql.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def sync_env(local_env: Any, sql_url: str) -> Any:
    return local_env.model_copy(update={
        "azure": local_env.azure.model_copy(update={"sql": local_env.azure.sql.model_copy(update={"url": sql_url})}),
    })


@pytest.fixture
def sync_config_dir(sync_env: Any, tmp_path: Path) -> Path:
    import yaml

    directory = tmp_path / "config"
    directory.mkdir(parents=True, exist_ok=True)
    data = sync_env.model_dump(mode="json", exclude_none=True)
    (directory / f"{sync_env.name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return directory


@pytest.fixture
def sync_ctx(sync_env: Any, playbook: Path) -> Any:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.sync.context import open_context

    return open_context(Runtime(environment=sync_env), playbook)


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
