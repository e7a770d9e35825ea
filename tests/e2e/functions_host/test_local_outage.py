"""`mcctl local start|stop aws|azure`: the functions hosts as sandbox components; stop = an outage."""

from __future__ import annotations

import json
import socket
import urllib.request
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture
def sandbox_dir(local_env: Any, tmp_path: Path) -> Any:
    """A config dir whose sandbox ports are free (moto is the test session's; the Azure host brings up the local
    ARM it requires, whose Key Vault holds its service keys)."""
    import yaml

    from multicloud_ctl.local.processes import free_port
    from multicloud_ctl.local.supervisor import Supervisor

    ports = local_env.local.ports.model_copy(
        update={"functions_aws": free_port(), "functions_azure": free_port(), "smtp": free_port(), "arm": free_port()}
    )
    env = local_env.model_copy(update={"local": local_env.local.model_copy(update={"ports": ports})})
    config = tmp_path / "config"
    config.mkdir()
    (config / "local.yaml").write_text(yaml.safe_dump(env.model_dump(mode="json", exclude_none=True)))
    yield config, ports
    Supervisor(env).down(["functions_aws", "functions_azure", "arm"])


def refused(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def health(port: int) -> Any:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as resp:
        return json.loads(resp.read())


def test_stop_aws_makes_its_port_refuse_and_start_brings_it_back(cli: Any, sandbox_dir: Any) -> None:
    config, ports = sandbox_dir
    d = str(config)
    started = cli("--config-dir", d, "--output", "json", "local", "start", "aws")
    assert started.exit_code == 0, started.stderr
    rows = {r["component"]: r for r in json.loads(started.stdout)}
    assert list(rows) == ["moto", "functions_aws"]  # what the AWS host requires comes up (or is left) first
    assert rows["moto"]["pid"] is None and "left alone" in rows["moto"]["note"]  # the session's moto: not ours
    assert health(ports.functions_aws) == {"status": "ok", "cloud": "aws"}
    assert cli("--config-dir", d, "local", "start", "azure").exit_code == 0
    assert health(ports.functions_azure) == {"status": "ok", "cloud": "azure"}

    stopped = cli("--config-dir", d, "local", "stop", "aws")
    assert stopped.exit_code == 0, stopped.stderr
    assert refused(ports.functions_aws)  # the AWS region is "down"...
    assert health(ports.functions_azure)["cloud"] == "azure"  # ...the Azure one keeps serving

    assert cli("--config-dir", d, "local", "start", "aws").exit_code == 0
    assert health(ports.functions_aws)["cloud"] == "aws"
