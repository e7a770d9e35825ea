"""`mcctl provision graph`: the dependency graph the apply follows, from the playbook alone (issue 18 item 8)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from multicloud_ctl.operations.provision.model import Resource
from multicloud_ctl.operations.provision.planner import dependency_graph, kind_graph, to_dot

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[3]


def test_waves_follow_depends_on_and_after_kinds() -> None:
    vpc = Resource("vpc", "main", {}, depends_on=())
    subnet = Resource("subnet", "a", {}, depends_on=("vpc/main",))
    gateway = Resource("vpn_gateway", "gw", {}, depends_on=("vpc/main",))
    alone = Resource("s3_bucket", "logs", {})
    rows = {r["resource"]: r for r in dependency_graph([gateway, subnet, alone, vpc])}
    assert {a: (r["wave"], r["waits_for"]) for a, r in rows.items()} == {
        "vpc/main": (0, []),
        "s3_bucket/logs": (0, []),
        "subnet/a": (1, ["vpc/main"]),
        "vpn_gateway/gw": (1, ["vpc/main"]),
    }
    assert {r["kind"]: r["waits_for"] for r in kind_graph([gateway, subnet, alone, vpc])}["subnet"] == ["vpc"]


def test_cli_graph_of_the_shipped_playbook_in_three_forms(cli: Any) -> None:
    res = cli("--output", "json", "provision", "graph")
    assert res.exit_code == 0, res.stderr
    nodes = json.loads(res.stdout)["nodes"]
    wave = {n["resource"]: n["wave"] for n in nodes}
    assert len(nodes) > 50 and max(wave.values()) >= 2
    for n in nodes:  # everything a resource waits for is in an earlier wave: a wave can run at once
        assert all(wave[d] < n["wave"] for d in n["waits_for"]), n
    kinds = {
        k["kind"]: k["waits_for"]
        for k in json.loads(cli("-o", "json", "provision", "graph", "--kinds").stdout)["nodes"]
    }
    assert "vpc" in kinds["subnet"] and "azure_resource_group" in kinds["azure_storage_account"]
    dot = cli("provision", "graph", "--format", "dot").stdout
    assert dot.startswith("digraph provision {") and dot.rstrip().endswith("}")
    assert len(re.findall(r" -> ", dot)) == sum(len(n["waits_for"]) for n in nodes)
    assert to_dot([{"resource": 'a"b', "waits_for": []}], "resource").count('"a\\"b"') == 1  # quoted for DOT
    bad = cli("provision", "graph", "--format", "png")
    assert bad.exit_code == 2 and "--format must be text or dot" in bad.stderr
