"""`mcctl backup daily` with `spec.source.inventory`, from the CLI: the report is used, a stale one is refused."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "integration" / "backup"))

import inventory_support as inv

from multicloud_ctl.engine.clock import default_clock

pytestmark = pytest.mark.e2e


def _with_inventory(setup: dict[str, Any], **extra: Any) -> Path:
    doc = yaml.safe_load(setup["playbook"].read_text())
    doc["spec"]["source"] = {
        "inventory": {"bucket": "shop-inventory", "prefix": "reports", "config_id": "daily", **extra}
    }
    setup["playbook"].write_text(yaml.safe_dump(doc))
    return setup["playbook"]


def test_daily_from_a_report_then_a_stale_report_is_refused_in_one_line(cli: Any, backup_setup: dict[str, Any]) -> None:
    s3 = backup_setup["runtime"].aws.client("s3")
    for i in range(12):
        s3.put_object(Bucket="src-a", Key=f"p{i % 3}/obj {i:03d}", Body=f"body {i}".encode())
    inv.configure(s3, "src-a", "shop-inventory", "reports", "daily")
    now = default_clock().now()
    inv.deliver(s3, "src-a", "shop-inventory", "reports", "daily", now - timedelta(hours=2))
    base = ["--config-dir", str(backup_setup["config_dir"])]
    playbook = str(_with_inventory(backup_setup))
    dry = cli(*base, "-o", "json", "backup", "daily", "--dry-run", "--playbook", playbook)
    assert dry.exit_code == 0, dry.stderr
    assert (
        json.loads(dry.stdout)["to_copy"] == 12 and json.loads(dry.stdout)["sources"]["src-a"]["source"] == "inventory"
    )
    run = cli(*base, "-o", "json", "backup", "daily", "--yes", "--playbook", playbook)
    assert run.exit_code == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["copied"] == 12 and out["sources"]["src-a"]["objects"] == 12
    verify = cli(*base, "backup", "verify", "--playbook", playbook)
    assert verify.exit_code == 0, verify.stderr
    # the only report is now 40 h old: a playbook that refuses to fall back fails the run in one line
    playbook = str(_with_inventory(backup_setup, max_age_hours=24, if_unusable="fail"))
    late = {"MCCTL_NOW": (now + timedelta(hours=38)).isoformat()}
    stale = cli(*base, "backup", "daily", "--yes", "--playbook", playbook, env=late)
    assert stale.exit_code == 1, stale.stdout + stale.stderr
    assert stale.stderr.count("error:") == 1 and "is stale" in stale.stderr and "hint:" in stale.stderr
    fallback = cli(*base, "-o", "json", "backup", "daily", "--yes", "--playbook",
                   str(_with_inventory(backup_setup, max_age_hours=24)), env=late)  # fmt: skip
    assert fallback.exit_code == 0, fallback.stderr
    listed = json.loads(fallback.stdout)
    assert (
        listed["sources"]["src-a"]["source"] == "listing"
        and "is stale" in listed["sources"]["src-a"]["inventory_unusable"]
    )
    assert (listed["copied"], listed["skipped"]) == (0, 12)
