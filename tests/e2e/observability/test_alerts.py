"""`mcctl alerts apply|list`: the playbook's rules become CloudWatch alarms (moto) and Azure Monitor metric
alerts (fake ARM); list shows each rule's cloud state and mcctl's evaluation over the pulled metrics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from obs_support import Shop
from test_metrics_dashboard import PLAYBOOK, cli, shipped  # noqa: F401  (module fixtures shared)

pytestmark = pytest.mark.e2e


def test_apply_is_idempotent_and_list_shows_both_clouds(shipped: Shop, cli: Any, tmp_path: Path) -> None:  # noqa: F811
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.providers.azure.resources import ArmResources

    arm = ArmResources(Runtime(environment=shipped.env).azure)  # the resource group `mcctl provision` creates
    arm.put(arm.resource_id(shipped.env.azure.resource_group, ""), "2021-04-01", {"location": "eastus"})
    base = ("--config-dir", str(shipped.config_dir), "--output", "json")
    dry = cli(*base, "alerts", "apply", "--dry-run", "--playbook", PLAYBOOK)
    assert dry.exit_code == 0
    plan = json.loads(dry.stdout)
    assert plan["dry_run"] is True and len(plan["steps"]) == 4
    applied = cli(*base, "--yes", "alerts", "apply", "--playbook", PLAYBOOK)
    assert applied.exit_code == 0, applied.stdout
    assert json.loads(applied.stdout)["status"] == "ok"
    again = json.loads(cli(*base, "alerts", "apply", "--dry-run", "--playbook", PLAYBOOK).stdout)
    assert again["steps"] == []

    listed = cli(*base, "alerts", "list", "--playbook", PLAYBOOK)
    assert listed.exit_code == 0, listed.stdout
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    assert all(r["provisioned"] for r in rows.values())
    assert rows["order-service-errors"]["cloud_state"] in ("OK", "INSUFFICIENT_DATA")  # CloudWatch's own state
    assert rows["payment-processor-errors"]["cloud_state"] == "enabled"
    assert rows["payment-processor-stalled"]["evaluated"] == "ok"  # it processed our order within the hour
    assert rows["order-service-errors"]["evaluated"] == "ok"

    firing = tmp_path / "firing.yaml"
    firing.write_text(
        Path(PLAYBOOK)
        .read_text()
        .replace("comparison: lt\n      threshold: 1\n", "comparison: ge\n      threshold: 1\n")
    )
    res = cli(*base, "alerts", "list", "--playbook", str(firing))
    assert res.exit_code == 3
    assert {r["name"]: r["evaluated"] for r in json.loads(res.stdout)}["payment-processor-stalled"] == "firing"
