"""E2E fixtures: moto + fake ARM + fake edge API, an environment file pointing at them, a small playbook."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

KINDS = [
    "dynamodb_table",
    "s3_bucket",
    "azure_resource_group",
    "azure_storage_account",
    "cf_monitor",
    "cf_pool",
    "cf_load_balancer",
    "sql_schema",
]


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[Any, Any]]:
    from multicloud_ctl.local.arm.server import run_arm
    from multicloud_ctl.local.edge.server import run_edge_api

    arm, edge = run_arm(0), run_edge_api(0, token="sandbox-token")
    yield arm, edge
    arm.stop()
    edge.stop()


@pytest.fixture
def sandbox_dir(local_env: Any, servers: tuple[Any, Any], tmp_path: Path) -> Path:
    """`--config-dir` for an environment wired to this test's emulators (state reset)."""
    arm, edge = servers
    for srv in (arm, edge):
        srv.server.store.reset()
        srv.server.faults.clear()
    env = local_env.model_copy(
        update={
            "azure": local_env.azure.model_copy(update={"arm_endpoint": arm.url}),
            "cloudflare": local_env.cloudflare.model_copy(update={"base_url": f"{edge.url}/client/v4"}),
        }
    )
    from multicloud_ctl.config.secrets import SecretResolver
    from multicloud_ctl.local.functions.bootstrap import ensure_redis_auth_token, ensure_vpn_psk
    from multicloud_ctl.providers.aws.session import AwsClients

    # the shipped playbook's `local` VPN key and Redis AUTH token, as `local up` makes them
    ensure_vpn_psk(AwsClients(env, SecretResolver()), env)
    ensure_redis_auth_token(AwsClients(env, SecretResolver()), env)
    directory = tmp_path / "config"
    directory.mkdir()
    (directory / "local.yaml").write_text(yaml.safe_dump(env.model_dump(mode="json", exclude_none=True)))
    return directory


@pytest.fixture
def small_playbook(tmp_path: Path) -> Path:
    from multicloud_ctl.operations.provision.registry import KINDS as ALL

    path = tmp_path / "provision.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "mcctl/v1",
                "kind": "Provision",
                "metadata": {"name": "e2e"},
                "spec": {"features": {"secondary_region": False}, "kinds": {k: {"enabled": k in KINDS} for k in ALL}},
            }
        )
    )
    return path
