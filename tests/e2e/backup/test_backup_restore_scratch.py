"""`backup restore --to-env scratch`: restore into another environment (its own moto), compare, source untouched."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from multicloud_ctl.engine.journal import list_journals
from multicloud_ctl.local.processes import Emulator, free_port, start_moto

pytestmark = pytest.mark.e2e


@pytest.fixture
def scratch_moto(tmp_path: Path) -> Iterator[Emulator]:
    emu = start_moto(free_port(), log=tmp_path / "scratch-moto.log")
    yield emu
    emu.stop()


def test_restore_into_a_scratch_environment(cli: Any, backup_setup: dict[str, Any], scratch_moto: Emulator) -> None:
    from multicloud_ctl.engine.runtime import Runtime

    env = backup_setup["env"]
    ports = env.local.ports.model_copy(update={"moto": scratch_moto.port})
    scratch = env.model_copy(update={"name": "scratch", "local": env.local.model_copy(update={"ports": ports})})
    config_dir = backup_setup["config_dir"]
    (config_dir / "scratch.yaml").write_text(yaml.safe_dump(scratch.model_dump(mode="json", exclude_none=True)))

    source = backup_setup["runtime"]
    source.aws.client("s3").put_object(Bucket="src-a", Key="img/1.jpg", Body=b"\xff\xd8jpeg")
    ddb = source.aws.client("dynamodb")
    ddb.create_table(
        TableName="Products",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName="Products", Item={"id": {"S": "p1"}, "price": {"N": "9.99"}})
    data = yaml.safe_load(backup_setup["playbook"].read_text())
    data["spec"].update({"mode": "weekly", "tables": ["Products"]})
    weekly = backup_setup["playbook"].with_name("weekly.yaml")
    weekly.write_text(yaml.safe_dump(data))
    base = ["--config-dir", str(config_dir), "--output", "json"]
    snap = json.loads(cli(*base, "backup", "weekly", "--yes", "--playbook", str(weekly)).stdout)["id"]

    r = cli(*base, "backup", "restore", snap, "--to-env", "scratch", "--yes", "--playbook", str(weekly))
    assert r.exit_code == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["target_env"] == "scratch" and result["comparison"]["ok"] is True

    target = Runtime(environment=scratch)
    assert target.aws.client("s3").get_object(Bucket="src-a", Key="img/1.jpg")["Body"].read() == b"\xff\xd8jpeg"
    item = target.aws.client("dynamodb").get_item(TableName="Products", Key={"id": {"S": "p1"}})["Item"]
    assert item["price"] == {"N": "9.99"}
    journals = list_journals(scratch.env_state_dir, verb="backup restore")
    assert len(journals) == 1 and journals[0]["status"] == "ok"
    assert ddb.scan(TableName="Products")["Count"] == 1  # the source is untouched
