"""Every request a whole sandbox run sends conforms to the clouds' published API definitions.

The fakes check each request against Cloudflare's OpenAPI document and the Azure REST API specs and record what
they found (`MCCTL_CONFORMANCE_LOG`, read by tests/conformance_support.py). The run is `mcctl local demo` (every
step must pass: this is also the demo's own end-to-end test; provision, deploy, sync, backup, the failover drill,
observability, cost) plus the scenarios the demo does not cover: alerts, an API key rotation (which once waited
180 s and failed here: the sandbox's functions used a fixed key), a manual failover and its way back. Zero
violations, and no request with a documented body that no schema examined. Tests that start the fakes in-process
(the provision, failover, alerts and secrets scenarios) are held to the same rule after every test by the
`conformance_of_the_fakes` fixture in tests/conftest.py. The second test plants a bad body to prove the record
catches one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance_support import checked_operations, problems, read_log

pytestmark = pytest.mark.e2e


@pytest.mark.slow
def test_a_whole_sandbox_run_conforms(cli: Any, sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "conformance"
    monkeypatch.setenv("MCCTL_CONFORMANCE_LOG", str(log))  # the sandbox's processes inherit it
    d = ("--config-dir", str(sandbox.config_dir))
    res = cli(*d, "--output", "json", "local", "demo")
    assert res.exit_code == 0, res.stderr
    results = json.loads(res.stdout)
    assert [(r["step"], r["result"]) for r in results][:2] == [("sandbox up", "ok"), ("local status", "ok")]
    assert all(r["result"] == "ok" for r in results), res.stdout
    for args in (
        ("alerts", "apply"),
        ("secrets", "rotate", "api-key", "--grace", "3", "--wait", "30"),  # the hosts re-read the stores every 2 s
        ("failover", "--to", "azure"),
        ("failover", "--to", "aws"),
    ):
        res = cli(*d, "--yes", *args)
        assert res.exit_code == 0, f"{args}: {res.stderr}"
    assert cli(*d, "local", "down").exit_code == 0
    assert not list((sandbox.env.env_state_dir / "sandbox").glob("*.pid"))

    records = read_log(log)
    assert problems(records) == []
    services = {r["service"] for r in records}
    assert {"mcctl-arm", "mcctl-edge-api"} <= services, services
    edge_ops = checked_operations(records, "mcctl-edge-api")
    # the load balancer's whole life went through the checked operations (names from Cloudflare's document)
    assert {
        "account-load-balancer-monitors-create-monitor",
        "account-load-balancer-pools-create-pool",
        "load-balancers-create-load-balancer",
        "load-balancers-patch-load-balancer",  # the failovers
    } <= edge_ops, edge_ops


@pytest.mark.violations_expected
def test_the_record_catches_a_planted_bad_body(tmp_path: Path) -> None:
    from cloudflare import BadRequestError, Cloudflare

    from multicloud_ctl.local.edge.server import run_edge_api

    edge = run_edge_api(0, token="t")
    try:
        edge.server.conformance.file = tmp_path / "edge.jsonl"
        cf = Cloudflare(api_token="t", base_url=f"{edge.url}/client/v4", max_retries=0)
        cf.load_balancers.monitors.create(account_id="acct", type="http", expected_codes="200", path="/health")
        good = read_log(tmp_path)
        assert problems(good) == [] and len(good) == 1
        with pytest.raises(BadRequestError):  # weight is 0..1 in the document; 5 is refused, as Cloudflare does
            cf.load_balancers.pools.create(
                account_id="acct", name="p", origins=[{"name": "o", "address": "192.0.2.1", "weight": 5}]
            )
    finally:
        edge.stop()
    found = problems(read_log(tmp_path))
    assert len(found) == 1 and "origins.0.weight" in found[0] and "-> 400" in found[0], found
