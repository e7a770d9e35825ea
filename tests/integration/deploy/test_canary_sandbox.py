"""The canary bake judged on what the sandbox's functions host publishes, not on injected metrics.

Version 1 of product-service is deployed with `mcctl deploy`; a bad build (a Handler that cannot be
imported) is published as version 2 with boto3. While the canary (10% of `live` on version 2) bakes, real
requests go through the AWS functions host, which routes by the alias weights, runs each version's Handler
and publishes `AWS/Lambda` metrics under Lambda's dimension sets to moto (exact dimension matching). The bake
must see version 2's errors and put the alias back on version 1.
"""

from __future__ import annotations

import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

SERVICE = "product-service"


@pytest.fixture
def aws_host(local_env: Any, tmp_path: Path) -> Iterator[str]:
    """The AWS functions host as a real process on a free port, against the test's moto."""
    from multicloud_ctl.config.secrets import SecretResolver
    from multicloud_ctl.local.functions.bootstrap import ensure_sandbox
    from multicloud_ctl.local.functions.component import host_command
    from multicloud_ctl.local.functions.envfile import host_settings, write_env_file
    from multicloud_ctl.local.processes import free_port, stop_process, wait_http
    from multicloud_ctl.providers.aws.session import AwsClients

    pool = ensure_sandbox(AwsClients(local_env, SecretResolver()), local_env, max_deliveries=2)
    env_file = write_env_file(tmp_path / "aws.env", host_settings(local_env, "aws", pool, state_dir=tmp_path))
    port = free_port()
    with open(tmp_path / "aws-host.log", "ab") as log:
        proc = subprocess.Popen(
            host_command("aws", port, env_file, "--no-bus"),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_http(f"http://127.0.0.1:{port}/_admin/health", proc=proc, timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(proc)


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_canary_version_erroring_through_the_sandbox_rolls_back(
    cli: Any, config_dir: Path, playbook: Any, boto: Any, local_env: Any, aws_host: str
) -> None:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.deploy.traffic import BakePolicy, DeployBreach, Shift
    from multicloud_ctl.providers.aws.cloudwatch_alarms import LambdaMetrics
    from multicloud_ctl.providers.aws.lambda_ import LambdaClient

    res = cli(
        "--config-dir", str(config_dir), "--yes", "deploy", "--cloud", "aws", SERVICE, "--playbook", str(playbook())
    )
    assert res.exit_code == 0, res.stderr
    assert status_of(f"{aws_host}/products?limit=1") == 200  # version 1 through `live`

    lam = boto("lambda")
    lam.update_function_configuration(
        FunctionName=SERVICE, Handler="multicloud_ctl.functions.aws_lambda.no_such_module.handler"
    )
    assert lam.publish_version(FunctionName=SERVICE)["Version"] == "2"

    statuses: list[int] = []
    stop = threading.Event()

    def traffic() -> None:
        while not stop.is_set():
            statuses.append(status_of(f"{aws_host}/products?limit=1"))

    runtime = Runtime(local_env)
    shift = Shift(LambdaClient(runtime.aws), LambdaMetrics(runtime.aws), SERVICE, "live", runtime.clock)
    sender = threading.Thread(target=traffic, daemon=True)
    sender.start()
    try:
        with pytest.raises(DeployBreach, match="rolled back to version 1"):
            shift.run("2", "1", "canary10", BakePolicy(seconds=20, poll_seconds=0.3, max_errors=0, max_error_rate=1))
    finally:
        stop.set()
        sender.join(timeout=15)

    alias = lam.get_alias(FunctionName=SERVICE, Name="live")
    assert alias["FunctionVersion"] == "1"
    assert not alias.get("RoutingConfig", {}).get("AdditionalVersionWeights")
    assert 502 in statuses and 200 in statuses  # the canary's share failed, the rest was served by version 1
    readings = [h for h in shift.history if "errors" in h]
    assert readings[-1]["errors"] >= 1 and readings[-1]["weight"] == 0.1

    # what the host published is what Lambda publishes: per alias, and per executed version behind it
    now = runtime.clock()
    errors = boto("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Dimensions=[{"Name": "FunctionName", "Value": SERVICE}, {"Name": "Resource", "Value": f"{SERVICE}:live"}],
        StartTime=now - timedelta(minutes=10),
        EndTime=now + timedelta(minutes=1),
        Period=60,
        Statistics=["Sum"],
    )
    assert sum(p["Sum"] for p in errors["Datapoints"]) >= 1
