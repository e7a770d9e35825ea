"""`mcctl local up|status|down|start|stop|demo` end to end, on free ports, with real processes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from multicloud_ctl.local.supervisor import Supervisor, process_cmdline

pytestmark = pytest.mark.e2e
CORE = ("moto", "azurite", "arm", "edge")


def alive(pid: int) -> bool:
    return process_cmdline(pid) is not None


def status_json(cli: Any, sandbox: Any) -> tuple[int, list[dict[str, Any]]]:
    res = cli("--config-dir", str(sandbox.config_dir), "--output", "json", "local", "status")
    return res.exit_code, json.loads(res.stdout)


def test_up_is_idempotent_status_reports_and_down_stops_everything(cli: Any, sandbox: Any) -> None:
    d = str(sandbox.config_dir)
    first = cli("--config-dir", d, "local", "up")
    assert first.exit_code == 0, first.stderr
    code, rows = status_json(cli, sandbox)
    assert code == 0
    assert all(r["state"] == "running" and r["healthy"] for r in rows)
    core = [r for r in rows if r["component"] in CORE]  # later issues add components (functions hosts...)
    assert [(r["component"], r["port"], r["state"], r["healthy"]) for r in core] == [
        ("moto", sandbox.port("moto"), "running", True),
        ("azurite", sandbox.port("azurite_blob"), "running", True),
        ("arm", sandbox.port("arm"), "running", True),
        ("edge", sandbox.port("edge_api"), "running", True),
    ]
    pids = {r["component"]: r["pid"] for r in rows}
    again = cli("--config-dir", d, "--output", "json", "local", "up")
    assert again.exit_code == 0
    assert {r["component"]: (r["pid"], r["note"]) for r in json.loads(again.stdout)} == {
        name: (pid, "already running") for name, pid in pids.items()
    }
    assert (sandbox.env.env_state_dir / "sandbox" / "azurite").is_dir()  # Azurite data under the state dir

    down = cli("--config-dir", d, "local", "down")
    assert down.exit_code == 0
    assert not any(alive(pid) for pid in pids.values())
    code, rows = status_json(cli, sandbox)
    assert code == 3 and {r["state"] for r in rows} == {"stopped"}


def test_stop_and_start_one_component(cli: Any, sandbox: Any) -> None:
    d = str(sandbox.config_dir)
    assert cli("--config-dir", d, "local", "up", "arm", "edge").exit_code == 0
    stopped = cli("--config-dir", d, "local", "stop", "arm")
    assert stopped.exit_code == 0
    res = cli("--config-dir", d, "local", "status", "arm", "edge")
    assert res.exit_code == 3 and "not healthy: arm" in res.stderr
    assert cli("--config-dir", d, "local", "start", "arm").exit_code == 0
    assert cli("--config-dir", d, "local", "status", "arm", "edge").exit_code == 0


def test_port_taken_by_a_foreign_process_is_one_clear_line_and_exit_2(cli: Any, sandbox: Any) -> None:
    port = sandbox.port("arm")
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        res = cli("--config-dir", str(sandbox.config_dir), "local", "up")
    assert res.exit_code == 2
    assert f"error: port {port} on 127.0.0.1 is already taken by another process (local.ports.arm" in res.stderr
    assert "Traceback" not in res.stderr
    assert not list((sandbox.env.env_state_dir / "sandbox").glob("*.pid"))  # nothing was started


def test_stale_pid_file_is_recovered(cli: Any, sandbox: Any) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    pid_file = sandbox.env.env_state_dir / "sandbox" / "arm.pid"
    pid_file.parent.mkdir(parents=True)
    pid_file.write_text(
        json.dumps(
            {
                "pid": dead.pid,
                "port": sandbox.port("arm"),
                "argv": [sys.executable, "-m", "multicloud_ctl.local.arm", "--port", "1"],
            }
        )
    )
    res = cli("--config-dir", str(sandbox.config_dir), "--output", "json", "local", "up", "arm")
    assert res.exit_code == 0, res.stderr
    row = json.loads(res.stdout)[0]
    assert row["note"] == "stale pid file removed" and row["healthy"] and row["pid"] != dead.pid


def test_down_never_kills_a_process_it_did_not_start(cli: Any, sandbox: Any) -> None:
    foreign = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        pid_file = sandbox.env.env_state_dir / "sandbox" / "arm.pid"
        pid_file.parent.mkdir(parents=True)
        pid_file.write_text(
            json.dumps(
                {
                    "pid": foreign.pid,
                    "port": sandbox.port("arm"),
                    "argv": [sys.executable, "-m", "multicloud_ctl.local.arm", "--port", "1"],
                }
            )
        )
        res = cli("--config-dir", str(sandbox.config_dir), "--output", "json", "local", "down", "arm")
        assert res.exit_code == 0
        assert json.loads(res.stdout)[0]["note"] == "stale pid file removed"
        assert foreign.poll() is None and not pid_file.exists()
    finally:
        foreign.kill()
        foreign.wait()


def test_a_matching_service_not_started_by_mcctl_is_used_and_left_alone(cli: Any, sandbox: Any) -> None:
    from multicloud_ctl.local.arm.server import ArmServer
    from multicloud_ctl.local.jsonhttp import start_in_thread

    external = start_in_thread(ArmServer(sandbox.port("arm")))
    try:
        d = str(sandbox.config_dir)
        res = cli("--config-dir", d, "--output", "json", "local", "up", "arm")
        assert res.exit_code == 0
        assert json.loads(res.stdout)[0]["state"] == "external"
        assert cli("--config-dir", d, "local", "down", "arm").exit_code == 0
        assert Supervisor(sandbox.env).healthy(Supervisor(sandbox.env).components["arm"])  # still serving
    finally:
        external.stop()


def test_components_outlive_the_cli_process(sandbox: Any) -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    cmd = [
        sys.executable,
        "-m",
        "multicloud_ctl",
        "--config-dir",
        str(sandbox.config_dir),
        "local",
        "up",
        "arm",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    time.sleep(0.3)
    sup = Supervisor(sandbox.env)
    assert sup.owned_pid(sup.components["arm"]) is not None and sup.healthy(sup.components["arm"])


def test_unknown_component_is_a_usage_error(cli: Any, sandbox: Any) -> None:
    res = cli("--config-dir", str(sandbox.config_dir), "local", "start", "nope")
    assert res.exit_code == 2 and "unknown sandbox component(s): nope" in res.stderr


def test_local_verbs_refuse_a_cloud_environment(cli: Any, sandbox: Any, tmp_path: Path) -> None:
    import yaml

    data = yaml.safe_load((sandbox.config_dir / "local.yaml").read_text())
    data.update(name="staging", kind="cloud")
    data.pop("local")
    (sandbox.config_dir / "staging.yaml").write_text(yaml.safe_dump(data))
    res = cli("--config-dir", str(sandbox.config_dir), "--env", "staging", "local", "status")
    assert res.exit_code == 2 and "is not local" in res.stderr


def test_a_taken_secondary_port_is_named_too(cli: Any, sandbox: Any) -> None:
    port = sandbox.port("edge_proxy")  # the edge process also serves the request proxy
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        res = cli("--config-dir", str(sandbox.config_dir), "local", "up", "edge")
    assert res.exit_code == 2 and f"port {port}" in res.stderr and "local.ports.edge_proxy" in res.stderr


def test_relative_state_dir_is_anchored_at_the_working_directory(
    cli: Any, sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    data = yaml.safe_load((sandbox.config_dir / "local.yaml").read_text())
    data["state_dir"] = "rel-state"
    (sandbox.config_dir / "local.yaml").write_text(yaml.safe_dump(data))
    monkeypatch.chdir(tmp_path)
    try:
        assert cli("--config-dir", str(sandbox.config_dir), "local", "up", "edge").exit_code == 0
        record = json.loads((tmp_path / "rel-state" / "local" / "sandbox" / "edge.pid").read_text())
        state_file = Path(record["argv"][record["argv"].index("--state-file") + 1])
        assert state_file == tmp_path / "rel-state" / "local" / "sandbox" / "edge-state.json"  # absolute
    finally:
        cli("--config-dir", str(sandbox.config_dir), "local", "down")


def test_down_purge_deletes_the_sandbox_data(cli: Any, sandbox: Any) -> None:
    from multicloud_ctl.providers.cloudflare.client import CloudflareClient
    from multicloud_ctl.providers.cloudflare.models import Origin

    d = str(sandbox.config_dir)
    assert cli("--config-dir", d, "local", "up", "edge").exit_code == 0
    CloudflareClient(sandbox.env).create_pool("aws", [Origin("aws", "127.0.0.1:1")])
    state_file = sandbox.env.env_state_dir.resolve() / "sandbox" / "edge-state.json"
    assert state_file.exists()
    assert cli("--config-dir", d, "local", "stop", "edge").exit_code == 0
    assert cli("--config-dir", d, "local", "start", "edge").exit_code == 0
    assert [p.name for p in CloudflareClient(sandbox.env).list_pools()] == ["aws"]  # the edge kept its state
    assert cli("--config-dir", d, "local", "down", "--purge").exit_code == 0
    assert not state_file.exists()
