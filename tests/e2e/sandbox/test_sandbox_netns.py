"""`mcctl local up --isolate-clouds`: each cloud in its own network namespace, still at 127.0.0.1, partitioned for real.

One sandbox, one test (a full sandbox start is the expensive part): up isolated, every component reached at
127.0.0.1 from the host and running in the namespace `status` names, then `partition:aws-edge`: AWS is dark from
the host while the Azure functions host still takes messages off moto's queue (through the host, across the cut
that spares it), then healed, then `down` leaves no namespace, veth, nft table or port holder.
"""

from __future__ import annotations

import json
import os
import socket
import time
import urllib.request
import uuid
from typing import Any

import pytest

from multicloud_ctl.local.netns import NetnsHost, load_plan, missing_prerequisites
from multicloud_ctl.local.supervisor import process_cmdline

pytestmark = pytest.mark.e2e

AWS, AZURE = {"moto", "functions_aws"}, {"azurite", "arm", "functions_azure"}


def reachable(port: int, timeout: float = 0.5) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=timeout).close()
        return True
    except OSError:
        return False


def analytics_completed(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_admin/health", timeout=5) as resp:
        return int(json.loads(resp.read())["queues"]["analytics"]["completed"])


def netns_inode(pid: int) -> int:
    return os.stat(f"/proc/{pid}/ns/net").st_ino


def test_isolated_sandbox_partition_aws_edge_then_down_leaves_nothing(cli: Any, sandbox: Any) -> None:
    why = missing_prerequisites()
    if why is not None:
        pytest.skip(f"per-cloud network namespaces need root, iproute2 and nftables: {why}")
    import boto3

    from multicloud_ctl.functions.domain.events import ORDER_PLACED, Event
    from multicloud_ctl.operations.failover.inject import NsPartition

    d = str(sandbox.config_dir)
    up = cli("--config-dir", d, "--output", "json", "local", "up", "--isolate-clouds")
    assert up.exit_code == 0, up.stderr
    plan = load_plan(sandbox.env.env_state_dir / "sandbox")
    assert plan is not None
    rows = {r["component"]: r for r in json.loads(up.stdout)}
    for name, row in rows.items():
        cloud = "aws" if name in AWS else "azure" if name in AZURE else None
        ns = plan.link(cloud).namespace if cloud else None
        assert row["where"] == (f"netns {ns}" if ns else "host"), name
        assert row["healthy"] and reachable(row["port"]), name  # at 127.0.0.1 from the host, through the NAT
        expected = os.stat(f"/run/netns/{ns}").st_ino if ns else netns_inode(os.getpid())
        assert netns_inode(row["pid"]) == expected, name  # the process really runs there

    moto, fn_aws, fn_azure = (sandbox.port(f) for f in ("moto", "functions_aws", "functions_azure"))
    sqs = boto3.client(
        "sqs",
        endpoint_url=f"http://127.0.0.1:{moto}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    url = sqs.get_queue_url(QueueName="analytics")["QueueUrl"]
    before = analytics_completed(fn_azure)
    event = Event(str(uuid.uuid4()), ORDER_PLACED, "2026-12-04T10:00:00+00:00", "netns-test", {"lines": []})
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(event.to_dict()), DelaySeconds=2)  # taken after the cut

    fault = NsPartition(plan, "aws", "edge")
    fault.stop()
    try:
        assert not reachable(moto) and not reachable(fn_aws)  # AWS dark from the host and the edge
        assert reachable(fn_azure)
        deadline = time.monotonic() + 15
        while analytics_completed(fn_azure) == before and time.monotonic() < deadline:
            time.sleep(0.2)
        assert analytics_completed(fn_azure) == before + 1  # Azure's host took it off moto through the cut
        assert not reachable(moto)
    finally:
        fault.start()
    assert reachable(moto) and reachable(fn_aws)

    down = cli("--config-dir", d, "local", "down")
    assert down.exit_code == 0, down.stderr
    assert NetnsHost().leftovers(plan) == []
    assert load_plan(sandbox.env.env_state_dir / "sandbox") is None
    pid, argv = plan.holder.get("pid"), plan.holder.get("argv")
    assert isinstance(pid, int) and isinstance(argv, list)
    cmdline = process_cmdline(pid)
    assert cmdline is None or cmdline[-len(argv) + 1 :] != argv[1:]  # the port holder is gone
