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


@pytest.mark.slow
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


def _served_by(env: Any) -> str:
    import urllib.error
    import urllib.request

    req = urllib.request.Request(
        f"http://127.0.0.1:{env.local.ports.edge_proxy}/health", headers={"Host": "api.shop.local"}
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return str(resp.headers["x-mcctl-pool"])
    except urllib.error.HTTPError as exc:  # 521 until the monitors have seen an origin go
        return f"HTTP {exc.code}"


def _wait_served_by(env: Any, pool: str, timeout: float = 30) -> None:
    import time

    end = time.monotonic() + timeout
    while _served_by(env) != pool:
        assert time.monotonic() < end, f"{pool} never served"
        time.sleep(0.2)


@pytest.mark.parametrize("failback", ["pinned", "auto"])
def test_failback_after_the_outage_ends(sandbox: tuple[Path, Any], failback: str) -> None:
    """pinned: azure keeps the traffic when aws comes back; auto: aws takes it back with no mcctl run."""
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.sandbox import ensure_sandbox_lb

    config, env = sandbox
    up = mcctl(config, "local", "up", "azurite", "edge", "functions_aws", "functions_azure")
    assert up.returncode == 0, up.stderr
    ensure_sandbox_lb(Runtime(env), interval=1)
    _wait_served_by(env, "aws")
    assert mcctl(config, "local", "stop", "aws").returncode == 0
    _wait_served_by(env, "azure")  # the monitors saw aws go: Cloudflare's own failover
    res = mcctl(
        config, "--output", "json", "failover", "--to", "azure", "--failback", failback, "--yes", "--force",
        "--reason", "e2e: no backup in a fresh sandbox",
    )  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr
    assert mcctl(config, "local", "start", "aws").returncode == 0
    fo = json.loads(mcctl(config, "--output", "json", "failover", "status").stdout)
    assert fo["intended"]["failback"] == failback
    if failback == "auto":
        _wait_served_by(env, "aws")
        return
    import time

    end = time.monotonic() + 30
    while not next(p["healthy"] for p in fo["pools"] if p["name"] == "aws"):
        assert time.monotonic() < end, "aws never turned healthy again"
        time.sleep(0.5)
        fo = json.loads(mcctl(config, "--output", "json", "failover", "status").stdout)
    assert {_served_by(env) for _ in range(10)} == {"azure"}  # pinned: aws is healthy and gets nothing
    assert (fo["serving"], fo["automatic_failback"]) == ("azure", False)


def test_failover_to_azure_with_every_aws_process_of_the_sandbox_stopped(
    sandbox: tuple[Path, Any], tmp_path: Path
) -> None:
    """AWS entirely dark (the sandbox's moto and the AWS functions host stopped): the environment lease is a
    majority of three stores (DynamoDB, Azure Blob, Cloudflare D1), so Azure and Cloudflare grant it; the
    failover switches, the shop is served from Azure, and the journal has the RTO. `--ungraceful` says the
    source side is gone (its sync lag cannot be read); `--force` because a fresh sandbox has no backup yet."""
    import yaml

    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.local.processes import free_port
    from multicloud_ctl.operations.failover.sandbox import ensure_sandbox_lb

    config, base = sandbox
    ports = base.local.ports.model_copy(update={"moto": free_port()})  # the sandbox's own moto, not the session's
    lease = base.lease.model_copy(update={"stores": ["aws", "azure", "cloudflare"], "store_timeout_seconds": 15})
    env = base.model_copy(update={"local": base.local.model_copy(update={"ports": ports}), "lease": lease})
    (config / "local.yaml").write_text(yaml.safe_dump(env.model_dump(mode="json", exclude_none=True)))
    try:
        up = mcctl(config, "local", "up", "moto", "arm", "azurite", "edge", "functions_aws", "functions_azure")
        assert up.returncode == 0, up.stderr
        ensure_sandbox_lb(Runtime(env), interval=1)
        _wait_served_by(env, "aws")
        for component in ("functions_aws", "moto"):
            assert mcctl(config, "local", "stop", component).returncode == 0
        status = {
            r["component"]: r["healthy"] for r in json.loads(mcctl(config, "-o", "json", "local", "status").stdout)
        }
        assert status["moto"] is False and status["functions_aws"] is False
        res = mcctl(
            config, "--output", "json", "failover", "--to", "azure", "--yes", "--ungraceful", "--force",
            "--reason", "e2e: AWS is dark and a fresh sandbox has no backup",
        )  # fmt: skip
        assert res.returncode == 0, res.stdout + res.stderr
        result = json.loads(res.stdout)
        assert result["status"] == "ok" and result["rto_seconds"] is not None
        assert "sync-lag" in result["ungraceful_skipped"]
        assert {_served_by(env) for _ in range(5)} == {"azure"}
        journal = json.loads(mcctl(config, "--output", "json", "journal", "show", "last").stdout)
        assert journal["status"] == "ok" and "rto_seconds" in json.dumps(journal)
        # the same run with the lease in DynamoDB alone cannot start while AWS is dark
        alone = env.model_copy(update={"lease": lease.model_copy(update={"stores": ["aws"]})})
        (config / "local.yaml").write_text(yaml.safe_dump(alone.model_dump(mode="json", exclude_none=True)))
        res = mcctl(
            config, "failover", "--to", "aws", "--yes", "--ungraceful", "--force", "--reason", "e2e",
        )  # fmt: skip
        assert res.returncode == 1 and "error:" in res.stderr, res.stderr
    finally:
        from multicloud_ctl.local.supervisor import Supervisor

        Supervisor(env).down(["moto"])


def netem_available() -> bool:
    from multicloud_ctl.errors import SafetyRefused
    from multicloud_ctl.operations.failover.inject import Netem

    try:
        Netem(1, "partition").check()
    except SafetyRefused:
        return False
    return True


def drops_available() -> bool:
    """A partition can be made here: tc netem, or nftables where the kernel has no netem."""
    from multicloud_ctl.errors import SafetyRefused
    from multicloud_ctl.operations.failover.inject import network_fault

    try:
        network_fault(1, "partition", None)
    except SafetyRefused:
        return False
    return True


def test_a_network_fault_is_refused_in_one_line_where_tc_netem_cannot_run(sandbox: tuple[Path, Any]) -> None:
    """This kind of machine has iproute2 but a kernel without sch_netem: the drill refuses before it starts."""
    if netem_available():
        pytest.skip("tc netem works here: the partition drill below covers it")
    config, _env = sandbox
    res = mcctl(config, "failover", "drill", "--to", "azure", "--inject", "latency:2s", "--yes")
    assert res.returncode == 4, res.stdout + res.stderr
    assert res.stderr.count("error:") == 1 and "netem" in res.stderr
    bad = mcctl(config, "failover", "drill", "--to", "azure", "--inject", "loss:250%", "--yes")
    assert bad.returncode == 2 and "bad value" in bad.stderr


@pytest.mark.parametrize("fault", ["partition", "brownout:60%"])
def test_drill_with_a_network_partition_or_a_brownout(sandbox: tuple[Path, Any], fault: str) -> None:
    """A partition (tc netem dropping every packet to and from the AWS functions host's port: it still runs)
    and a brownout (that host answers 60% of requests 503): the monitors see it, the drill fails over, heals the
    fault, fails back, and reports detection time, RTO and the error rate the traffic saw."""
    if fault == "partition" and not drops_available():
        pytest.skip("no tc netem and no nftables on this machine (root and sch_netem or nf_tables needed)")
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.sandbox import ensure_sandbox_lb

    config, env = sandbox
    up = mcctl(config, "local", "up", "azurite", "edge", "functions_aws", "functions_azure")
    assert up.returncode == 0, up.stderr
    ensure_sandbox_lb(Runtime(env), interval=1)
    _wait_served_by(env, "aws")
    res = mcctl(
        config, "--output", "json", "failover", "drill", "--to", "azure", "--inject", fault, "--yes", "--force",
        "--reason", "e2e: no backup in a fresh sandbox",
    )  # fmt: skip
    assert res.returncode in (0, 3), res.stdout + res.stderr  # 3: an objective missed (reported, not a crash)
    report = json.loads(res.stdout)
    network = ("tc netem", "nftables") if fault == "partition" else ("brownout",)
    assert report["injected"].startswith(network), report["injected"]
    assert report["rto_seconds"] is not None and report["error_rate"] is not None
    if fault == "partition":
        assert report["detection_seconds"] is not None  # every probe of the monitors is dropped
    fo = json.loads(mcctl(config, "--output", "json", "failover", "status").stdout)
    assert fo["serving"] == "aws"  # healed and failed back
    if fault == "partition":
        qdisc = subprocess.run(["tc", "qdisc", "show", "dev", "lo"], capture_output=True, text=True).stdout
        assert "netem" not in qdisc  # the fault is gone with the drill
        if report["injected"].startswith("nftables"):
            tables = subprocess.run(["nft", "list", "tables"], capture_output=True, text=True).stdout
            assert "mcctl_drill_" not in tables
