"""The backup steps of `mcctl local demo` run the real CLI against the sandbox and report one line each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from multicloud_ctl.operations.backup.demo import STEPS

pytestmark = pytest.mark.e2e


def test_demo_steps_back_up_snapshot_and_verify(config_dir: Path, local_env: Any, azurite: Any) -> None:
    from multicloud_ctl.cli.console import Console
    from multicloud_ctl.local.demo import DemoContext

    ctx = DemoContext(environment=local_env, console=Console(), config_dir=config_dir, supervisor=None)  # type: ignore[arg-type]
    ddb = ctx.runtime().aws.client("dynamodb")
    ddb.create_table(
        TableName="Products",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName="Products", Item={"id": {"S": "p1"}, "name": {"S": "Mug"}})
    lines = {name: run(ctx) for name, run in STEPS}
    assert lines["backup daily"].endswith("3 copied, 0 unchanged (stream)")
    assert "Products:1" in lines["backup weekly"]
    assert lines["backup verify"].endswith("ok") and "5/5 objects" in lines["backup verify"]
