"""The functions hosts as sandbox components: `functions_aws`, `functions_azure` (aliases `aws`, `azure`).

`mcctl local up` starts both after the emulators; `mcctl local stop aws` stops the AWS host (its port then
refuses connections, as a region outage looks from outside) and `mcctl local start aws` brings it back. Each
launcher waits for moto, makes sure the sandbox resources exist, writes the host's env file and returns argv.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from multicloud_ctl.errors import OperationFailed
from multicloud_ctl.local.components import ALIASES, Component, LaunchSpec, json_service, register

if TYPE_CHECKING:
    from multicloud_ctl.local.components import SandboxContext

MAX_DELIVERIES = 5


def _launch(ctx: SandboxContext, port: int, cloud: str) -> LaunchSpec:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.local.functions.bootstrap import SANDBOX_KEYS_TTL_S, ensure_sandbox, ensure_service_keys
    from multicloud_ctl.local.functions.envfile import host_settings, write_env_file
    from multicloud_ctl.local.processes import wait_http
    from multicloud_ctl.providers.aws.session import AwsClients

    env = ctx.environment
    moto = env.endpoints().aws
    if moto:
        wait_http(f"{moto}/moto-api/", timeout=30)  # `local up` spawns moto just before us
    pool = ensure_sandbox(AwsClients(env, ctx.secrets), env, MAX_DELIVERIES)
    arm = env.endpoints().arm
    if arm and cloud == "azure":
        _wait_for_arm(f"{arm.rstrip('/')}/_admin/health")  # Key Vault (the service keys) is served by the local ARM
    key_ref = ensure_service_keys(Runtime(env, secrets=ctx.secrets), cloud)
    directory = ctx.directory.resolve()
    smtp = env.local.ports.smtp if env.local and cloud == "azure" else None
    settings = host_settings(env, cloud, pool, state_dir=directory, max_deliveries=MAX_DELIVERIES, smtp_port=smtp)
    settings["MCCTL_FN_SERVICE_API_KEYS"] = key_ref  # rotated by `mcctl secrets rotate api-key`
    settings["MCCTL_FN_API_KEYS_TTL"] = str(SANDBOX_KEYS_TTL_S)
    settings["MCCTL_FN_KEYVAULT_TOKEN"] = "sandbox"  # the local Key Vault takes any bearer token
    env_file = write_env_file(directory / f"functions_{cloud}.env", settings)
    argv = host_command(cloud, port, env_file)
    if smtp:
        argv += ["--smtp-port", str(smtp)]
    from multicloud_ctl.config.home import current

    # this invocation's config directory (config/home.py), absolute but not resolved: the state beside a linked
    # config/ (the checkout's links into the package templates) is the link's home, not the templates'
    config_dir = current().config_dir.absolute()
    if cloud == "azure" and (config_dir / f"{env.name}.yaml").exists():
        argv += ["--backup-env", env.name, "--config-dir", str(config_dir)]
    return LaunchSpec(argv, _aws_credentials(ctx))


def _wait_for_arm(url: str, timeout: float = 30.0) -> None:
    """Wait until the fake ARM itself answers `url`: any HTTP answer is not enough, a foreign server holding the
    port (Azurite answers 501 to the vault's PUT) would take the service keys."""
    import time

    from multicloud_ctl.local.supervisor import probe

    identify = json_service("mcctl-arm")
    deadline = time.monotonic() + timeout
    while True:
        answer = probe(url)
        if answer is not None and identify(answer):
            return
        if time.monotonic() >= deadline:
            what = "nothing answers" if answer is None else f"HTTP {answer.status} from a server that is not it"
            raise OperationFailed(
                f"the sandbox's ARM is not answering at {url} ({what})",
                hint="mcctl local status shows what holds the port; arm.log in the sandbox's state directory says why",
            )
        time.sleep(0.1)


def host_command(cloud: str, port: int, env_file: Path, *extra: str) -> list[str]:
    """The command line of one functions host (`python -m multicloud_ctl.local.functions`)."""
    return [
        sys.executable,
        "-m",
        "multicloud_ctl.local.functions",
        "--cloud",
        cloud,
        "--port",
        str(port),
        "--env-file",
        str(env_file),
        *extra,
    ]


def _aws_credentials(ctx: SandboxContext) -> dict[str, str]:
    """moto's dummy credentials for the handlers' boto3 (in Lambda the execution role provides them)."""
    aws = ctx.environment.aws
    creds = {"AWS_DEFAULT_REGION": aws.regions.primary}
    if aws.access_key_id and aws.secret_access_key:
        creds["AWS_ACCESS_KEY_ID"] = ctx.secrets.resolve(aws.access_key_id)
        creds["AWS_SECRET_ACCESS_KEY"] = ctx.secrets.resolve(aws.secret_access_key)
    return creds


def aws_launch(ctx: SandboxContext, port: int) -> LaunchSpec:
    return _launch(ctx, port, "aws")


def azure_launch(ctx: SandboxContext, port: int) -> LaunchSpec:
    return _launch(ctx, port, "azure")


register(
    Component(
        "functions_aws",
        "functions_aws",
        aws_launch,
        "/_admin/health",
        json_service("mcctl-functions-aws"),
        requires=("moto",),
    )
)
register(
    Component(
        "functions_azure",
        "functions_azure",
        azure_launch,
        "/_admin/health",
        json_service("mcctl-functions-azure"),
        requires=("moto", "arm"),  # the tables and the Key Vault that holds the service keys
        extra_ports=("smtp",),  # the notification mail server runs in this process
    )
)
ALIASES.update({"aws": "functions_aws", "azure": "functions_azure"})
