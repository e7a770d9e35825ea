"""Fixtures: both functions hosts as real processes on free ports, against moto, SQLite and Redis."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fnhost_support import Hosts, start_host

from multicloud_ctl.local.processes import free_port, stop_process


@pytest.fixture
def hosts(local_env: Any, tmp_path: Path) -> Iterator[Hosts]:
    from multicloud_ctl.config.secrets import SecretResolver
    from multicloud_ctl.local.functions.bootstrap import ensure_sandbox
    from multicloud_ctl.local.functions.envfile import host_settings, write_env_file
    from multicloud_ctl.providers.aws.session import AwsClients

    ports = local_env.local.ports.model_copy(
        update={"functions_aws": free_port(), "functions_azure": free_port(), "smtp": free_port()}
    )
    env = local_env.model_copy(update={"local": local_env.local.model_copy(update={"ports": ports})})
    pool = ensure_sandbox(AwsClients(env, SecretResolver()), env, max_deliveries=2)
    state = tmp_path / "hosts"
    procs = {}
    for cloud in ("aws", "azure"):
        settings = host_settings(
            env,
            cloud,
            pool,
            state_dir=state,
            max_deliveries=2,
            smtp_port=ports.smtp if cloud == "azure" else None,
        )
        env_file = write_env_file(state / f"{cloud}.env", settings)
        port = getattr(ports, f"functions_{cloud}")
        extra = ("--smtp-port", str(ports.smtp)) if cloud == "azure" else ()
        procs[cloud] = start_host(cloud, port, env_file, state / f"{cloud}.log", *extra)
    try:
        yield Hosts(
            env,
            f"http://127.0.0.1:{ports.functions_aws}",
            f"http://127.0.0.1:{ports.functions_azure}",
            state / "outbox",
            procs,
            pool.pool_id,
            pool.client_id,
        )
    finally:
        for proc in procs.values():
            stop_process(proc)


@pytest.fixture
def boto(aws: str) -> Any:
    import boto3

    return lambda service: boto3.client(service, endpoint_url=aws, region_name="us-east-1")
