"""`mcctl runbook show provider-failure`: live facts, and the manual commands really work."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from test_failover_cli import lb_state, run

pytestmark = pytest.mark.integration


def test_runbook_with_aws_down_points_at_azure_and_its_manual_switch_works(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], origins: Any
) -> None:
    origins["aws"].stop()
    res = run(cli, fo_config, "runbook", "show", "provider-failure")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["healthy"] == ["azure"] and doc["failed"] == ["aws"] and doc["target"] == "azure"
    assert doc["facts"]["edge"]["default_pools"] == ["aws", "azure"]
    commands = [s["run"] for s in doc["steps"]]
    assert any("failover --to azure" in c and "--ungraceful" in c for c in commands)
    manual = next(c for c in commands if c.startswith("curl "))
    assert lb["lb"] in manual and lb["azure"] in manual
    # the printed manual procedure is exact: running it switches the load balancer
    done = subprocess.run(
        ["bash", "-c", manual],
        env={**os.environ, "CLOUDFLARE_API_TOKEN": "sandbox-token"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    order, fallback, enabled = lb_state(fo_env, lb)
    assert order == ("azure", "aws") and fallback == "azure" and enabled["aws"] is False


def test_runbook_table_output(cli: Any, fo_config: Path, lb: dict[str, str]) -> None:
    res = cli("--config-dir", str(fo_config), "runbook", "show", "provider-failure")
    assert res.exit_code == 0, res.stderr
    assert "live facts" in res.stdout and "1. Confirm the scope" in res.stdout
    assert "not a provider failure" in res.stdout  # both sides answer
    assert cli("--config-dir", str(fo_config), "runbook", "show", "nope").exit_code == 2
