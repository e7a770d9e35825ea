"""Per-cloud network namespaces: the plan (names, addresses), its nft rule text, and teardown that is idempotent."""

from __future__ import annotations

import ipaddress
import subprocess
from pathlib import Path
from typing import Any

import pytest

from multicloud_ctl.errors import SafetyRefused, UsageError
from multicloud_ctl.local.netns import (
    NetnsHost,
    NetnsPlan,
    load_plan,
    missing_prerequisites,
    plan_netns,
    save_plan,
)
from multicloud_ctl.operations.failover.inject import parse_inject, partition_scope

PORTS = {"aws": (5000, 7071), "azure": (10000, 5100, 7072, 2525)}


def plan(tmp_path: Path, taken: set[ipaddress.IPv4Address] | None = None) -> NetnsPlan:
    return plan_netns(tmp_path, PORTS, taken)


def test_names_and_addresses_follow_from_the_sandbox_directory(tmp_path: Path) -> None:
    p = plan(tmp_path)
    assert p == plan(tmp_path)  # deterministic
    assert p.tag != plan(tmp_path / "other").tag
    aws, azure = p.link("aws"), p.link("azure")
    assert (aws.namespace, azure.namespace) == (f"mcctl-{p.tag}-aws", f"mcctl-{p.tag}-azure")
    assert all(len(link.host_if) <= 15 for link in p.links)  # IFNAMSIZ
    base = ipaddress.IPv4Address(aws.host_ip) - 1
    assert ipaddress.IPv4Network("10.213.0.0/16").supernet_of(ipaddress.IPv4Network(f"{base}/29"))
    assert [aws.host_ip, aws.ns_ip, azure.host_ip, azure.ns_ip] == [str(base + n) for n in (1, 2, 5, 6)]
    assert p.ports == (5000, 7071, 10000, 5100, 7072, 2525)
    assert p.where("moto") == f"netns {aws.namespace}" and p.where("arm") == f"netns {azure.namespace}"
    assert p.where("edge") == "host"


def test_a_block_with_an_address_already_on_the_host_is_skipped(tmp_path: Path) -> None:
    first = plan(tmp_path)
    moved = plan(tmp_path, {ipaddress.IPv4Address(first.link("azure").ns_ip)})
    assert ipaddress.IPv4Address(moved.link("aws").host_ip) == ipaddress.IPv4Address(first.link("aws").host_ip) + 8


def test_the_plan_survives_its_json_record(tmp_path: Path) -> None:
    p = plan(tmp_path).with_holder(4242, ["python", "-m", "multicloud_ctl.local.netns", "hold", "5000"])
    save_plan(tmp_path, p)
    again = load_plan(tmp_path)
    assert again == p and again is not None and again.holder["pid"] == 4242
    assert load_plan(tmp_path / "nothing") is None


def test_host_rules_forward_each_port_to_its_namespace_and_cross_cloud_through_the_host(tmp_path: Path) -> None:
    p = plan(tmp_path)
    aws, azure = p.link("aws"), p.link("azure")
    text = p.host_ruleset()
    assert text.startswith(f"add table ip {p.table}\ndelete table ip {p.table}\n")  # replaces itself atomically
    lines = [line.strip() for line in text.splitlines()]
    assert f"ip daddr 127.0.0.1 tcp dport {{ 5000, 7071 }} dnat to {aws.ns_ip}" in lines
    assert f"ip daddr 127.0.0.1 tcp dport {{ 2525, 5100, 7072, 10000 }} dnat to {azure.ns_ip}" in lines
    assert f'iifname "{azure.host_if}" tcp dport {{ 5000, 7071 }} dnat to {aws.ns_ip}' in lines
    assert f'iifname "{aws.host_if}" ip daddr {aws.host_ip} dnat to 127.0.0.1' in lines
    assert f'oifname "{aws.host_if}" ip saddr 127.0.0.0/8 snat to {aws.host_ip}' in lines
    # cross-cloud before host delivery: the first dnat that matches wins
    assert lines.index(f'iifname "{aws.host_if}" tcp dport {{ 2525, 5100, 7072, 10000 }} dnat to {azure.ns_ip}') < (
        lines.index(f'iifname "{aws.host_if}" ip daddr {aws.host_ip} dnat to 127.0.0.1')
    )
    ns = [line.strip() for line in p.ns_ruleset("aws").splitlines()]
    assert 'iifname "host0" tcp dport { 5000, 7071 } dnat to 127.0.0.1' in ns
    assert f"ip daddr 127.0.0.1 tcp dport != {{ 5000, 7071 }} dnat to {aws.host_ip}" in ns


def fault_lines(p: NetnsPlan, scope: str) -> dict[str, list[str]]:
    chains: dict[str, list[str]] = {}
    current = ""
    for line in p.fault_ruleset("aws", scope).splitlines():
        line = line.strip()
        if line.startswith("chain "):
            current = line.split()[1]
            chains[current] = []
        elif line.endswith("drop"):
            chains[current].append(line)
    return chains


def test_the_three_partitions_drop_what_they_say(tmp_path: Path) -> None:
    p = plan(tmp_path)
    aws, azure = p.link("aws"), p.link("azure")
    into, out = f'iifname "{aws.host_if}" drop', f"ip daddr {aws.ns_ip} drop"
    assert fault_lines(p, "all") == {
        "input": [into],
        "output": [out],
        "forward": [into, f'oifname "{aws.host_if}" drop'],
    }
    assert fault_lines(p, "edge") == {"input": [into], "output": [out], "forward": []}
    assert fault_lines(p, "clouds") == {
        "input": [],
        "output": [],
        "forward": [
            f'iifname "{aws.host_if}" oifname "{azure.host_if}" drop',
            f'iifname "{azure.host_if}" oifname "{aws.host_if}" drop',
        ],
    }
    with pytest.raises(ValueError):
        p.fault_ruleset("aws", "half")


def test_partition_names_and_refusals() -> None:
    assert [partition_scope(t, "aws") for t in ("partition", "partition:aws", "partition:aws-edge")] == [
        "all",
        "all",
        "edge",
    ]
    assert partition_scope("partition:azure-aws", "aws") == partition_scope("partition:aws-azure", "aws") == "clouds"
    assert parse_inject("partition:aws-edge", "aws") == ("partition", None)
    with pytest.raises(UsageError, match="unknown partition 'azure-edge'"):
        parse_inject("partition:azure-edge", "aws")


def test_prerequisites_are_named_in_one_line(tmp_path: Path) -> None:
    assert missing_prerequisites(euid=1000) == "not running as root"
    assert missing_prerequisites(euid=0, path=str(tmp_path)) == (
        "`ip` and `nft` and `sysctl` not found (iproute2, nftables, procps)"
    )


def test_a_partial_partition_is_refused_without_namespaces(tmp_path: Path) -> None:
    from multicloud_ctl.config.loader import load_environment
    from multicloud_ctl.config.specs.failover import Injection
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.inject import fault_for

    env = load_environment("local", Path(__file__).resolve().parents[3] / "config")
    env = env.model_copy(update={"state_dir": tmp_path})
    with pytest.raises(SafetyRefused, match="partition between aws and the edge cannot be made") as err:
        fault_for(Runtime(env), "aws", "partition:aws-edge", Injection(), None)
    assert "--isolate-clouds" in (err.value.hint or "")


needs_root = pytest.mark.skipif(missing_prerequisites() is not None, reason=f"{missing_prerequisites()}")


@needs_root
def test_every_ruleset_is_valid_nft(tmp_path: Path) -> None:
    p = plan(tmp_path)
    texts = [p.host_ruleset(), p.ns_ruleset("aws"), p.ns_ruleset("azure")]
    texts += [p.fault_ruleset("aws", scope) for scope in ("all", "edge", "clouds")]
    for text in texts:
        # `nft -c` parses and checks against the kernel without changing anything; the "delete table" of a
        # table that does not exist is fine inside a batch that adds it first
        done = subprocess.run(["nft", "-c", "-f", "-"], input=text, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr + text


@needs_root
def test_teardown_is_idempotent_and_leaves_nothing(tmp_path: Path) -> None:
    host = NetnsHost()
    p = plan(tmp_path / "teardown")
    assert host.teardown(p) == []  # nothing was ever made: harmless
    try:
        host.apply(p)
        host.cut(p, "aws", "edge")
        assert sorted(host.leftovers(p)) == sorted(
            [f"netns {link.namespace}" for link in p.links]
            + [f"veth {link.host_if}" for link in p.links]
            + [f"nft table {p.table}", f"nft table {p.fault_table}"]
        )
        host.apply(p)  # again over its own leftovers
    finally:
        assert host.teardown(p) == []
    assert host.teardown(p) == []


def test_up_isolated_without_the_tools_is_one_line_and_starts_nothing(cli: Any, tmp_path: Path) -> None:
    import yaml

    from multicloud_ctl.config.loader import load_environment

    env = load_environment("local", Path(__file__).resolve().parents[3] / "config")
    env = env.model_copy(update={"state_dir": tmp_path / "state"})
    config = tmp_path / "config"
    config.mkdir()
    (config / "local.yaml").write_text(yaml.safe_dump(env.model_dump(mode="json", exclude_none=True)))
    (tmp_path / "bin").mkdir()
    res = cli("--config-dir", str(config), "local", "up", "--isolate-clouds", env={"PATH": str(tmp_path / "bin")})
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    errors = [i for i, line in enumerate(lines) if line.startswith("error:")]
    assert len(errors) == 1
    first, hint = lines[errors[0]], " ".join(lines[errors[0] + 1 :])
    assert first.startswith("error: per-cloud network namespaces (--isolate-clouds / local.isolation: namespaces)")
    assert first.endswith(("not running as root", "`ip` and `nft` and `sysctl` not found (iproute2, nftables, procps)"))
    assert "without --isolate-clouds" in hint
    assert not list((tmp_path / "state").rglob("*.pid"))  # nothing was started


@needs_root
def test_loss_on_an_isolated_sandbox_acts_on_the_veth_or_drops_the_answers_too() -> None:
    from multicloud_ctl.operations.failover.inject import Netem, NftDrop, network_fault

    fault = network_fault(1, "loss", 0.2, "mcnabcdefaw")
    if isinstance(fault, Netem):  # a kernel with sch_netem
        assert fault.device == "mcnabcdefaw"
    else:
        assert isinstance(fault, NftDrop) and fault.both_hooks
    plain = network_fault(1, "loss", 0.2)
    assert getattr(plain, "device", "lo") == "lo" and not getattr(plain, "both_hooks", False)
