"""Failback as Cloudflare really does it (pool order and health), and failover under geo steering.

Real parts: the cloudflare SDK against our fake API (OpenAPI-validated), the edge proxy routing by the load
balancer's steering policy, monitors probing stand-in origins.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from wait_support import wait_for

sys.path.insert(0, str(Path(__file__).parent))

from test_failover_cli import run, write_playbook

from multicloud_ctl.providers.cloudflare.client import CloudflareClient

pytestmark = pytest.mark.integration


def served_by(proxy: Any, headers: dict[str, str] | None = None) -> str:
    req = urllib.request.Request(f"{proxy.url}/health", headers={"Host": "api.shop.local", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return str(resp.headers["x-mcctl-pool"])
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}: {exc.read().decode()}"


def raw_lb(env: Any, lb: dict[str, str]) -> dict[str, Any]:
    """The load balancer as the API has it, pool ids replaced by names."""
    cf = CloudflareClient(env)
    names = {lb["aws"]: "aws", lb["azure"]: "azure"}
    got = cf.sdk.load_balancers.get(lb["lb"], zone_id=cf.zone_id).to_dict()

    def named(value: Any) -> Any:
        if isinstance(value, list):
            return [names.get(v, v) for v in value]
        if isinstance(value, dict):
            return {k: named(v) for k, v in value.items()}
        return names.get(value, value)

    keys = ("default_pools", "fallback_pool", "region_pools", "country_pools", "pop_pools", "steering_policy")
    return {**{k: named(got.get(k)) for k in keys}, "session_affinity_attributes": got["session_affinity_attributes"]}


def down(api: Any, origins: Any, lb: dict[str, str], cloud: str) -> None:
    origins[cloud].stop()
    wait_for(lambda: not api.server.store.pool_healthy(lb[cloud]))


def up(api: Any, origins: Any, lb: dict[str, str], cloud: str) -> None:
    origins[cloud].start()
    wait_for(lambda: api.server.store.pool_healthy(lb[cloud]))


def test_pinned_failover_keeps_traffic_on_azure_after_aws_recovers(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], edge: Any, origins: Any, tmp_path: Path
) -> None:
    api, proxy = edge
    down(api, origins, lb, "aws")
    book = write_playbook(tmp_path, "azure")
    res = run(cli, fo_config, "failover", "--to", "azure", "--playbook", str(book), "--yes")
    assert res.exit_code == 0, res.stderr
    up(api, origins, lb, "aws")
    assert {served_by(proxy) for _ in range(10)} == {"azure"}  # aws is healthy again, and does not get traffic
    status = json.loads(run(cli, fo_config, "failover", "status").stdout)
    assert (status["serving"], status["automatic_failback"], status["failback_to"]) == ("azure", False, None)
    assert status["intended"]["failback"] == "pinned" and status["intended"]["automatic_failback"] is False
    # the LB's affinity attributes are the operator's, untouched by failover
    assert raw_lb(fo_env, lb)["session_affinity_attributes"]["zero_downtime_failover"] == "temporary"
    back = run(cli, fo_config, "failover", "--to", "aws", "--playbook", str(write_playbook(tmp_path, "aws")), "--yes")
    assert back.exit_code == 0, back.stderr
    assert served_by(proxy) == "aws"


def test_auto_failback_returns_traffic_to_aws_by_itself(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], edge: Any, origins: Any, tmp_path: Path
) -> None:
    api, proxy = edge
    down(api, origins, lb, "aws")
    book = write_playbook(tmp_path, "azure")
    res = run(cli, fo_config, "failover", "--to", "azure", "--playbook", str(book), "--failback", "auto", "--yes")
    assert res.exit_code == 0, res.stderr
    assert raw_lb(fo_env, lb)["default_pools"] == ["aws", "azure"]  # aws stays first: it takes traffic back
    assert served_by(proxy) == "azure"
    status = json.loads(run(cli, fo_config, "failover", "status").stdout)
    assert (status["serving"], status["automatic_failback"], status["failback_to"]) == ("azure", True, "aws")
    table = cli("--config-dir", str(fo_config), "failover", "status")
    assert "serving: azure" in table.stdout and "steering off, automatic failback to aws)" in table.stdout
    assert "failback auto)" in table.stdout
    assert status["intended"]["failback"] == "auto" and status["intended"]["failback_to"] == "aws"
    up(api, origins, lb, "aws")
    wait_for(lambda: served_by(proxy) == "aws")  # nobody ran mcctl: Cloudflare's order and health did it
    status = json.loads(run(cli, fo_config, "failover", "status").stdout)
    assert (status["serving"], status["automatic_failback"]) == ("aws", False)


def test_auto_failback_from_a_healthy_primary_is_refused(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], edge: Any, tmp_path: Path
) -> None:
    before = raw_lb(fo_env, lb)
    book = write_playbook(tmp_path, "azure")
    res = run(cli, fo_config, "failover", "--to", "azure", "--playbook", str(book), "--failback", "auto", "--yes")
    assert res.exit_code == 2
    assert "--failback auto cannot move traffic to azure while aws is healthy" in res.stderr
    assert raw_lb(fo_env, lb) == before
    assert not (fo_env.env_state_dir / "failover" / "intended.json").exists()
    disabling = (
        write_playbook(tmp_path, "azure")
        .read_text()
        .replace("fallback: aws", "fallback: aws\n    pools: {aws: {enabled: false}}")
    )
    book.write_text(disabling)
    res = run(cli, fo_config, "failover", "--to", "azure", "--playbook", str(book), "--failback", "auto", "--yes")
    assert res.exit_code == 2 and "never returns traffic to a disabled pool" in res.stderr


def geo_lb(env: Any, lb: dict[str, str]) -> dict[str, Any]:
    """Turn the fixture's load balancer into prod's shape: geo steering with region, country and PoP pools."""
    cf = CloudflareClient(env)
    aws, azure = lb["aws"], lb["azure"]
    cf.edit_load_balancer(
        lb["lb"],
        steering_policy="geo",
        region_pools={"WEU": [aws, azure], "ENAM": [aws]},
        country_pools={"US": [aws, azure]},
        pop_pools={"SJC": [aws, azure]},
    )
    return raw_lb(env, lb)


LOCATIONS = [{}, {"cf-ipcountry": "US"}, {"x-mcctl-pop": "SJC"}, {"x-mcctl-pop": "IAD", "cf-ipcountry": "CA"},
             {"x-mcctl-pop": "NRT"}]  # fmt: skip


def test_failover_moves_geo_steered_traffic_and_rollback_restores_every_list(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], edge: Any, tmp_path: Path
) -> None:
    _, proxy = edge
    before = geo_lb(fo_env, lb)
    assert {served_by(proxy, h) for h in LOCATIONS} == {"aws"}
    book = write_playbook(tmp_path, "azure")
    dry = run(cli, fo_config, "failover", "--to", "azure", "--playbook", str(book), "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    step = next(s for s in json.loads(dry.stdout)["plan"]["steps"] if s["action"] == "cloudflare.set_load_balancer")
    for shown in ("region_pools.WEU azure > aws", "region_pools.ENAM azure > aws", "country_pools.US azure > aws",
                  "pop_pools.SJC azure > aws"):  # fmt: skip
        assert shown in step["description"], step["description"]
    assert raw_lb(fo_env, lb) == before

    res = run(cli, fo_config, "failover", "--to", "azure", "--playbook", str(book), "--yes")
    assert res.exit_code == 0, res.stderr
    after = raw_lb(fo_env, lb)
    assert after["region_pools"] == {"WEU": ["azure", "aws"], "ENAM": ["azure", "aws"]}
    assert after["country_pools"] == {"US": ["azure", "aws"]} and after["pop_pools"] == {"SJC": ["azure", "aws"]}
    assert (
        after["steering_policy"] == "geo"
        and after["session_affinity_attributes"] == before["session_affinity_attributes"]
    )
    assert [served_by(proxy, h) for h in LOCATIONS] == ["azure"] * len(LOCATIONS)
    status = json.loads(run(cli, fo_config, "failover", "status").stdout)
    assert set(status["serving_by_location"].values()) == {"azure"}
    table = cli("--config-dir", str(fo_config), "failover", "status").stdout
    assert "steering geo, pinned)" in table and "region_pools.ENAM: azure" in table

    # back to aws with a verification that cannot pass: the rollback puts every list back as it was
    back = write_playbook(tmp_path, "aws", deadline=1)
    back.write_text(back.read_text().replace("verify: {", "verify: {origin_header: x-not-set, "))
    res = run(cli, fo_config, "failover", "--to", "aws", "--playbook", str(back), "--yes")
    assert res.exit_code == 1 and "rolled back" in res.stderr
    assert raw_lb(fo_env, lb) == after
    res = run(cli, fo_config, "failover", "--to", "aws", "--playbook", str(write_playbook(tmp_path, "aws")), "--yes")
    assert res.exit_code == 0, res.stderr
    final = raw_lb(fo_env, lb)
    # the playbook's order [aws, azure] everywhere; ENAM had only aws before and keeps azure behind it now
    assert final["region_pools"] == {"WEU": ["aws", "azure"], "ENAM": ["aws", "azure"]}
    assert {served_by(proxy, h) for h in LOCATIONS} == {"aws"}


def test_failover_under_a_spreading_steering_policy_is_refused(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], edge: Any, tmp_path: Path
) -> None:
    CloudflareClient(fo_env).edit_load_balancer(lb["lb"], steering_policy="random")
    before = raw_lb(fo_env, lb)
    res = run(
        cli, fo_config, "failover", "--to", "azure", "--playbook", str(write_playbook(tmp_path, "azure")), "--yes"
    )
    assert res.exit_code == 2 and "steering_policy 'random' spreads traffic across pools" in res.stderr
    assert raw_lb(fo_env, lb) == before
