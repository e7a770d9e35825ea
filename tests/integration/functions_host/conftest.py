"""Fixtures: both functions hosts as real processes on free ports, against moto, SQLite and Redis.

The hosts are started once per module (each start imports the handlers: seconds on a busy machine); moto is
reset once before they start and the tests create their own data (unique users, products, queues' messages).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fnhost_support import Hosts, start_host

from multicloud_ctl.local.processes import free_port, stop_process


@pytest.fixture(scope="module")
def hosts(moto_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hosts]:
    import urllib.request

    from multicloud_ctl.config.loader import load_environment
    from multicloud_ctl.config.secrets import SecretResolver
    from multicloud_ctl.local.functions.bootstrap import ensure_sandbox
    from multicloud_ctl.local.functions.envfile import host_settings, write_env_file
    from multicloud_ctl.providers.aws.session import AwsClients

    urllib.request.urlopen(urllib.request.Request(f"{moto_server.url}/moto-api/reset", method="POST", data=b""))
    state = tmp_path_factory.mktemp("hosts")
    base = load_environment("local", Path(__file__).resolve().parents[3] / "config")
    ports = base.local.ports.model_copy(
        update={
            "moto": moto_server.port,
            "functions_aws": free_port(),
            "functions_azure": free_port(),
            "smtp": free_port(),
        }
    )
    sql = base.azure.sql.model_copy(update={"url": f"sqlite:///{state / 'azure-sql.db'}"})
    env = base.model_copy(
        update={
            "state_dir": state / "state",
            "azure": base.azure.model_copy(update={"sql": sql}),
            "local": base.local.model_copy(update={"ports": ports}),
        }
    )
    pool = ensure_sandbox(AwsClients(env, SecretResolver()), env, max_deliveries=2)
    procs = {}
    env_files = {}
    for cloud in ("aws", "azure"):
        smtp = ports.smtp if cloud == "azure" else None
        settings = host_settings(env, cloud, pool, state_dir=state, max_deliveries=2, smtp_port=smtp)
        env_files[cloud] = write_env_file(state / f"{cloud}.env", settings)
        extra = ("--smtp-port", str(smtp)) if smtp else ()
        procs[cloud] = start_host(
            cloud, getattr(ports, f"functions_{cloud}"), env_files[cloud], state / f"{cloud}.log", *extra
        )
    try:
        yield Hosts(
            env,
            f"http://127.0.0.1:{ports.functions_aws}",
            f"http://127.0.0.1:{ports.functions_azure}",
            state / "outbox",
            procs,
            pool.pool_id,
            pool.client_id,
            env_files,
        )
    finally:
        for proc in procs.values():
            stop_process(proc)


@pytest.fixture
def boto(moto_server: Any) -> Any:
    """Plain boto3 clients on the session's moto (no reset: the module's hosts own that state)."""
    import boto3

    return lambda service: boto3.client(service, endpoint_url=moto_server.url, region_name="us-east-1")
