"""A failover drill against the real sandbox: the edge process (API + proxy + monitors), the real functions
hosts, and the outage injected through the supervisor (`mcctl local stop aws`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def sandbox(local_env: Any, tmp_path: Path) -> Iterator[tuple[Path, Any]]:
    import yaml

    from multicloud_ctl.local.processes import free_port
    from multicloud_ctl.local.supervisor import Supervisor

    names = ("edge_api", "edge_proxy", "functions_aws", "functions_azure", "smtp", "arm", "azurite_blob")
    ports = local_env.local.ports.model_copy(update={n: free_port() for n in names})
    env = local_env.model_copy(
        update={
            "local": local_env.local.model_copy(update={"ports": ports}),
            "cloudflare": local_env.cloudflare.model_copy(
                update={
                    "pools": {
                        "aws": [f"127.0.0.1:{ports.functions_aws}"],
                        "azure": [f"127.0.0.1:{ports.functions_azure}"],
                    }
                }
            ),
        }
    )
    config = tmp_path / "config"
    config.mkdir()
    (config / "local.yaml").write_text(yaml.safe_dump(env.model_dump(mode="json", exclude_none=True)))
    yield config, env
    Supervisor(env).down(["functions_aws", "functions_azure", "edge", "azurite", "arm"])


def mcctl(config: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "multicloud_ctl", "--config-dir", str(config), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "MCCTL_CONFIG_DIR": str(config), "NO_COLOR": "1"},
    )


def test_drill_with_supervisor_outage(sandbox: tuple[Path, Any]) -> None:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.sandbox import ensure_sandbox_lb

    config, env = sandbox
    up = mcctl(config, "local", "up", "azurite", "edge", "functions_aws", "functions_azure")
    assert up.returncode == 0, up.stderr
    made = ensure_sandbox_lb(Runtime(env))
    assert made["load_balancer"] == "api.shop.local"
    res = mcctl(
        config,
        "--output",
        "json",
        "failover",
        "drill",
        "--to",
        "azure",
        "--inject",
        "outage",
        "--yes",
        "--force",
        "--reason",
        "e2e: no backup in a fresh sandbox",
    )
    assert res.returncode == 0, res.stdout + res.stderr
    report = json.loads(res.stdout)
    assert report["status"] == "passed" and report["injected"] == "mcctl local stop aws"
    assert report["rto_seconds"] < 5
    assert report["traffic"]["served_by"].get("azure", 0) > 0
    status = json.loads(mcctl(config, "--output", "json", "local", "status").stdout)
    assert {r["component"]: r["healthy"] for r in status}["functions_aws"] is True  # restarted by the drill
    fo = json.loads(mcctl(config, "--output", "json", "failover", "status").stdout)
    assert fo["serving"] == "aws"
    assert any(r["verb"] == "failover drill" and r["status"] == "ok" for r in fo["last_runs"])
