"""Fixtures for deploy tests: a Deploy playbook writer and helpers to read the Lambda state back from moto."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml


@pytest.fixture
def playbook(tmp_path: Path):  # type: ignore[no-untyped-def]
    """`playbook(**spec)` writes a Deploy playbook (fast bake, no vendoring) and returns its path."""

    def write(**spec: Any) -> Path:
        body: dict[str, Any] = {
            "strategy": "all-at-once",
            "vendor": False,
            "bake": {"seconds": 0, "poll_seconds": 0.2},
        }
        for key, value in spec.items():
            if isinstance(value, dict) and isinstance(body.get(key), dict):
                body[key] = {**body[key], **value}
            else:
                body[key] = value
        path = tmp_path / f"deploy-{len(list(tmp_path.glob('deploy-*.yaml')))}.yaml"
        path.write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "mcctl/v1",
                    "kind": "Deploy",
                    "metadata": {"name": "deploy-test"},
                    "spec": body,
                }
            )
        )
        return path

    return write


@pytest.fixture
def boto(aws: str) -> Any:
    """`boto("lambda")`: a plain boto3 client on moto, to check what deploy left behind."""
    import boto3

    def make(service: str) -> Any:
        return boto3.client(service, endpoint_url=aws, region_name="us-east-1")

    return make


@pytest.fixture(scope="module")
def arm_server() -> Any:
    from multicloud_ctl.local.arm.server import run_arm

    handle = run_arm(0)
    yield handle
    handle.stop()


@pytest.fixture
def azure_config(local_env: Any, azurite: Any, arm_server: Any, tmp_path: Path) -> Any:
    """(config dir, env) with Azurite and a fresh, empty fake ARM wired in (deploy creates the group)."""
    arm_server.server.store.reset()
    ports = local_env.local.ports.model_copy(update={"azurite_blob": azurite.port})
    env = local_env.model_copy(
        update={
            "azure": local_env.azure.model_copy(update={"arm_endpoint": arm_server.url}),
            "local": local_env.local.model_copy(update={"ports": ports}),
        }
    )
    config = tmp_path / "config"
    config.mkdir()
    (config / "local.yaml").write_text(yaml.safe_dump(env.model_dump(mode="json", exclude_none=True)))
    return config, env
