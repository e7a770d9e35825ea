"""`backup restore` into a throttled table: bounded retries, then one clear error line and exit 1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from dynamodb_throttle_support import ThrottlingDynamoDb

pytestmark = pytest.mark.e2e


@pytest.fixture
def throttled(aws: str) -> Iterator[ThrottlingDynamoDb]:
    proxy = ThrottlingDynamoDb(aws)
    yield proxy
    proxy.stop()


def test_restore_exhausting_the_retry_bound_fails_with_one_line(
    cli: Any, backup_setup: dict[str, Any], throttled: ThrottlingDynamoDb
) -> None:
    env, config_dir = backup_setup["env"], backup_setup["config_dir"]
    ports = env.local.ports.model_copy(update={"moto": throttled.port})
    scratch = env.model_copy(update={"name": "scratch", "local": env.local.model_copy(update={"ports": ports})})
    (config_dir / "scratch.yaml").write_text(yaml.safe_dump(scratch.model_dump(mode="json", exclude_none=True)))
    ddb = backup_setup["runtime"].aws.client("dynamodb")
    ddb.create_table(
        TableName="Products",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName="Products", Item={"id": {"S": "p1"}, "price": {"N": "9.99"}})
    data = yaml.safe_load(backup_setup["playbook"].read_text())
    data["spec"].update({"mode": "weekly", "tables": ["Products"], "buckets": []})
    weekly = backup_setup["playbook"].with_name("weekly.yaml")
    weekly.write_text(yaml.safe_dump(data))
    base = ["--config-dir", str(config_dir), "--output", "json"]
    snap = json.loads(cli(*base, "backup", "weekly", "--yes", "--playbook", str(weekly)).stdout)["id"]

    throttled.throttle()
    r = cli(*base, "backup", "restore", snap, "--to-env", "scratch", "--yes", "--playbook", str(weekly))

    assert r.exit_code == 1, r.stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: dynamodb: BatchWriteItem on Products: 1 item(s) still unprocessed after 8 attempts (throttled)"
    ], r.stderr
    assert "Traceback" not in r.stderr
    assert throttled.batch_calls == 8  # the bound, not an endless loop
