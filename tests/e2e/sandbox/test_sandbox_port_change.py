"""Issue 19 item 1: `local.ports.*` changed while the sandbox runs; `up`/`status` compare the pid file's port."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest
import yaml

from multicloud_ctl.local.processes import free_port
from multicloud_ctl.local.supervisor import Supervisor, process_cmdline

pytestmark = pytest.mark.e2e


def write_config(env: Any, directory: Any) -> None:
    """Rewrite the sandbox's environment file, as an operator editing `local.ports.*` would."""
    data = env.model_dump(mode="json", exclude_none=True)
    (directory / f"{env.name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))


def _s3(port: int) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_up_after_a_port_change_refuses_and_keeps_the_running_moto_and_its_state(cli: Any, sandbox: Any) -> None:
    d = str(sandbox.config_dir)
    old = sandbox.port("moto")
    first = cli("--config-dir", d, "-o", "json", "local", "up", "moto")
    assert first.exit_code == 0, first.stderr
    pid = json.loads(first.stdout)[0]["pid"]
    _s3(old).create_bucket(Bucket="kept-across-port-change")

    new = free_port()
    moved_env = sandbox.env.with_local_ports(moto=new)
    write_config(moved_env, sandbox.config_dir)

    status = cli("--config-dir", d, "-o", "json", "local", "status", "moto")
    assert status.exit_code == 3
    row = json.loads(status.stdout)[0]
    assert (row["port"], row["pid"], row["state"], row["healthy"]) == (new, pid, f"running on old port {old}", False)
    assert "`mcctl local down moto`" in status.stderr

    started = time.monotonic()
    up = cli("--config-dir", d, "local", "up")
    took = time.monotonic() - started
    assert up.exit_code == 2
    assert (
        f"error: sandbox still running on the old port (moto on {old}, local.ports.moto is now {new}); "
        "nothing was changed" in up.stderr
    )
    assert "hint: `mcctl local down moto` then `mcctl local up`" in up.stderr
    assert f"local.ports.moto: {old} back in config/local.yaml" in up.stderr
    assert took < 10, f"up took {took:.1f}s to refuse"  # it used to wait 40 s for health on the new port
    assert process_cmdline(pid) is not None  # not stopped
    assert [b["Name"] for b in _s3(old).list_buckets()["Buckets"]] == ["kept-across-port-change"]
    assert not any((sandbox.env.env_state_dir / "sandbox").glob("arm.pid"))  # nothing else was started

    down = cli("--config-dir", d, "-o", "json", "local", "down", "moto")
    assert down.exit_code == 0
    assert json.loads(down.stdout)[0]["port"] == old  # where the stopped process was
    assert process_cmdline(pid) is None
    again = cli("--config-dir", d, "-o", "json", "local", "up", "moto")
    assert again.exit_code == 0, again.stderr
    row = json.loads(again.stdout)[0]
    assert (row["port"], row["state"], row["healthy"]) == (new, "running", True)
    Supervisor(moved_env).down()


def test_an_extra_port_change_is_detected_too(cli: Any, sandbox: Any) -> None:
    d = str(sandbox.config_dir)
    assert cli("--config-dir", d, "local", "up", "edge").exit_code == 0
    old = sandbox.port("edge_proxy")
    new = free_port()
    moved_env = sandbox.env.with_local_ports(edge_proxy=new)
    write_config(moved_env, sandbox.config_dir)
    try:
        status = cli("--config-dir", d, "-o", "json", "local", "status", "edge")
        assert status.exit_code == 3
        assert json.loads(status.stdout)[0]["state"] == f"running on old port {old}"
        up = cli("--config-dir", d, "local", "up", "edge")
        assert up.exit_code == 2 and f"local.ports.edge_proxy is now {new}" in up.stderr
    finally:
        Supervisor(moved_env).down()
