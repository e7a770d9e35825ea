"""Fixtures: moto (reset once), the fake ARM, both functions hosts exporting spans and JSON logs into the
environment's state dir; a config dir for the CLI. Module-scoped: starting the hosts takes seconds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from obs_support import Shop, start_host

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def shop(moto_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    import urllib.request

    from multicloud_ctl.config.loader import load_environment
    from multicloud_ctl.config.secrets import SecretResolver
    from multicloud_ctl.local.arm.server import run_arm
    from multicloud_ctl.local.functions.bootstrap import ensure_sandbox
    from multicloud_ctl.local.functions.envfile import host_settings, write_env_file
    from multicloud_ctl.local.processes import free_port, stop_process
    from multicloud_ctl.providers.aws.session import AwsClients

    urllib.request.urlopen(urllib.request.Request(f"{moto_server.url}/moto-api/reset", method="POST", data=b""))
    arm = run_arm(0, lro_polls=0)
    tmp = tmp_path_factory.mktemp("obs")
    base = load_environment("local", REPO / "config")
    ports = base.local.ports.model_copy(
        update={
            "moto": moto_server.port,
            "functions_aws": free_port(),
            "functions_azure": free_port(),
            "smtp": free_port(),
        }
    )
    sql = base.azure.sql.model_copy(update={"url": f"sqlite:///{tmp / 'azure-sql.db'}"})
    env = base.model_copy(
        update={
            "state_dir": tmp / "state",
            "azure": base.azure.model_copy(update={"sql": sql, "arm_endpoint": arm.url}),
            "local": base.local.model_copy(update={"ports": ports}),
        }
    )
    config_dir = tmp / "config"
    config_dir.mkdir()
    (config_dir / "local.yaml").write_text(yaml.safe_dump(env.model_dump(mode="json", exclude_none=True)))
    pool = ensure_sandbox(AwsClients(env, SecretResolver()), env, max_deliveries=3)
    sandbox = env.env_state_dir / "sandbox"
    sandbox.mkdir(parents=True)
    procs = []
    try:
        for cloud in ("aws", "azure"):
            settings = host_settings(env, cloud, pool, state_dir=sandbox, max_deliveries=3)
            settings["MCCTL_FN_SQL_CREATE_SCHEMA"] = "1"  # `local up` migrates; these bare hosts create tables
            env_file = write_env_file(sandbox / f"functions_{cloud}.env", settings)
            procs.append(
                start_host(cloud, getattr(ports, f"functions_{cloud}"), env_file, sandbox / f"functions_{cloud}.log")
            )
        yield Shop(
            env,
            config_dir,
            f"http://127.0.0.1:{ports.functions_aws}",
            f"http://127.0.0.1:{ports.functions_azure}",
            pool.pool_id,
            pool.client_id,
            procs,
        )
    finally:
        for proc in procs:
            stop_process(proc)
        arm.stop()


@pytest.fixture
def boto(moto_server: Any) -> Any:
    import boto3

    return lambda service: boto3.client(
        service,
        endpoint_url=moto_server.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
