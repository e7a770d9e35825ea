"""Two functions hosts (AWS and Azure sides) as subprocesses whose service API keys come from the clouds'
secret stores (Secrets Manager on moto, Key Vault on the fake ARM), re-read every second."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def key_store_hosts(env: Any, directory: Path) -> Iterator[Any]:
    """Start both hosts on env.local.ports.functions_aws/azure; yields env; stops them after."""
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.functions.adapters.dynamo_schema import create_tables
    from multicloud_ctl.functions.config import FunctionConfig
    from multicloud_ctl.local.functions.component import host_command
    from multicloud_ctl.local.functions.envfile import host_settings, write_env_file
    from multicloud_ctl.local.processes import wait_http
    from multicloud_ctl.operations.deploy.fnenv import function_env
    from multicloud_ctl.operations.security.apikey_store import aws_secret_name, keyvault_secret_url

    fn_cfg = FunctionConfig.from_env(function_env(env, "aws", None))
    create_tables(Runtime(environment=env).aws.client("dynamodb"), fn_cfg)
    procs = []
    try:
        for cloud, port in (("aws", env.local.ports.functions_aws), ("azure", env.local.ports.functions_azure)):
            settings = host_settings(env, cloud, None, state_dir=directory)
            settings["MCCTL_FN_API_KEYS_TTL"] = "1"
            settings["MCCTL_FN_SQL_CREATE_SCHEMA"] = "1"  # `local up` migrates; these bare hosts create tables
            settings["MCCTL_FN_SERVICE_API_KEYS"] = (
                f"aws-secretsmanager:{aws_secret_name(env)}"
                if cloud == "aws"
                else f"azure-keyvault:{keyvault_secret_url(env)}"
            )
            settings["MCCTL_FN_KEYVAULT_TOKEN"] = "sandbox"
            env_file = write_env_file(directory / f"{cloud}.env", settings)
            child_env = {
                **os.environ,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": env.aws.regions.primary,
            }
            log = (directory / f"{cloud}.log").open("wb")
            procs.append(
                subprocess.Popen(
                    host_command(cloud, port, env_file, "--no-bus"),
                    env=child_env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        for port in (env.local.ports.functions_aws, env.local.ports.functions_azure):
            wait_http(f"http://127.0.0.1:{port}/_admin/health", timeout=60)
        yield env
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
