"""More of `mcctl backup` and `mcctl schedule` through the CLI: weekly, restore, prune, server-side on Azurite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.e2e
ZERO = {"aws_sent": 0, "aws_refused": 0, "azure_sent": 0, "azure_refused": 0}


def _weekly_playbook(setup: dict[str, Any]) -> Path:
    data = yaml.safe_load(setup["playbook"].read_text())
    data["spec"].update({"mode": "weekly", "tables": ["Products"]})
    path = setup["playbook"].with_name("backup-weekly.yaml")
    path.write_text(yaml.safe_dump(data))
    return path


def test_weekly_restore_prune_through_the_cli(cli: Any, backup_setup: dict[str, Any]) -> None:
    base = ["--config-dir", str(backup_setup["config_dir"]), "--output", "json"]
    runtime = backup_setup["runtime"]
    runtime.aws.client("s3").put_object(Bucket="src-a", Key="k", Body=b"value")
    ddb = runtime.aws.client("dynamodb")
    ddb.create_table(
        TableName="Products",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName="Products", Item={"id": {"S": "p1"}, "qty": {"N": "3"}})
    weekly = str(_weekly_playbook(backup_setup))

    dry = cli(*base, "backup", "weekly", "--dry-run", "--playbook", weekly)
    assert dry.exit_code == 0, dry.stderr
    plan = json.loads(dry.stdout)
    assert plan["objects"] == 1 and plan["tables"] == {"Products": 1} and plan["mutating_calls"] == ZERO

    run = cli(*base, "backup", "weekly", "--yes", "--playbook", weekly)
    assert run.exit_code == 0, run.stderr
    snap = json.loads(run.stdout)["id"]

    ddb.delete_item(TableName="Products", Key={"id": {"S": "p1"}})
    restore_dry = cli(*base, "backup", "restore", snap, "--tables", "Products", "--dry-run", "--playbook", weekly)
    assert restore_dry.exit_code == 0, restore_dry.stderr
    assert json.loads(restore_dry.stdout)["tables"] == {"dynamodb:Products": 1}
    assert ddb.scan(TableName="Products")["Count"] == 0
    restored = cli(*base, "backup", "restore", snap, "--tables", "Products", "--yes", "--playbook", weekly)
    assert restored.exit_code == 0, restored.stderr
    assert json.loads(restored.stdout)["comparison"]["tables"]["dynamodb:Products"] == {
        "expected": 1,
        "live": 1,
        "digest_match": True,
    }
    assert ddb.get_item(TableName="Products", Key={"id": {"S": "p1"}})["Item"]["qty"] == {"N": "3"}

    unknown = cli(*base, "backup", "restore", snap, "--tables", "Nope", "--yes", "--playbook", weekly)
    assert unknown.exit_code == 2 and "Nope" in unknown.stderr

    pruned = cli(
        *base, "backup", "prune", "--keep-weekly", "0", "--keep-monthly", "0", "--dry-run", "--playbook", weekly
    )
    assert pruned.exit_code == 0, pruned.stderr
    out = json.loads(pruned.stdout)
    assert out["remove"] == [snap] and out["mutating_calls"] == ZERO


def test_server_transfer_on_azurite_fails_with_a_hint(cli: Any, backup_setup: dict[str, Any]) -> None:
    backup_setup["runtime"].aws.client("s3").put_object(Bucket="src-a", Key="k", Body=b"v")
    r = cli(
        "--config-dir",
        str(backup_setup["config_dir"]),
        "backup",
        "daily",
        "--yes",
        "--transfer",
        "server",
        "--playbook",
        str(backup_setup["playbook"]),
    )
    assert r.exit_code == 1
    assert "no manifest written" in r.stderr and "--transfer auto or stream" in r.stderr


def test_schedule_export_formats(cli: Any, tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[3]
    cron = cli(
        "--env",
        "prod",
        "schedule",
        "export",
        "--format",
        "cron",
        "--playbooks",
        str(repo / "playbooks"),
        "--workdir",
        "/srv/mcctl",
    )
    assert cron.exit_code == 0, cron.stderr
    assert "30 2 * * * cd /srv/mcctl && " in cron.stdout and "backup daily --playbook" in cron.stdout
    out = tmp_path / "units"
    systemd = cli(
        "schedule", "export", "--format", "systemd", "--playbooks", str(repo / "playbooks"), "--out-dir", str(out)
    )
    assert systemd.exit_code == 0, systemd.stderr
    timer = (out / "mcctl-local-backup-weekly.timer").read_text()
    assert "OnCalendar=Sun *-*-* 03:00:00" in timer and "Persistent=true" in timer
    gha = cli("schedule", "export", "--format", "github-actions", "--playbooks", str(repo / "playbooks"))
    workflow = yaml.safe_load(gha.stdout)
    # the failover readiness evaluation runs hourly next to the scheduled playbooks (issue 17 item 4)
    assert [c["cron"] for c in workflow["on"]["schedule"]] == ["30 2 * * *", "0 3 * * 0", "0 * * * *"]
    assert set(workflow["jobs"]) == {"backup-daily", "backup-weekly", "failover-readiness"}
    bad = cli("schedule", "export", "--format", "crontab")
    assert bad.exit_code == 2
