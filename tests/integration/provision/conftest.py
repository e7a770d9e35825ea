"""Fixtures for provision integration tests: a runtime on the sandbox and a spec limited to some kinds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def runtime_for(local_env: Any) -> Any:
    """`runtime_for(dry_run=False, env=None)` -> a fresh Runtime (fresh AWS call counter)."""
    from multicloud_ctl.engine.runtime import Runtime

    def make(*, dry_run: bool = False, env: Any = None) -> Runtime:
        return Runtime(environment=env or local_env, dry_run=dry_run)

    return make


@pytest.fixture
def aws_spec() -> Any:
    """`aws_spec(*kinds)` -> a ProvisionSpec with only those kinds enabled."""
    from multicloud_ctl.config.specs.provision import ProvisionSpec
    from multicloud_ctl.operations.provision.registry import KINDS

    def make(*kinds: str, **extra: Any) -> ProvisionSpec:
        toggles = {name: {"enabled": name in kinds} for name in KINDS}
        for name, settings in extra.pop("kinds", {}).items():
            toggles[name].update(settings)
        return ProvisionSpec.model_validate({"kinds": toggles, **extra})

    return make


@pytest.fixture(scope="module")
def arm_server() -> Iterator[Any]:
    from multicloud_ctl.local.arm.server import run_arm

    handle = run_arm(0)
    yield handle
    handle.stop()


@pytest.fixture
def arm(arm_server: Any) -> Any:
    """The fake ARM with no resources and no armed faults."""
    arm_server.server.store.reset()
    arm_server.server.faults.clear()
    return arm_server


@pytest.fixture
def cloud_env(local_env: Any, arm: Any) -> Any:
    """`local_env` with the fake ARM wired in."""
    return local_env.model_copy(update={"azure": local_env.azure.model_copy(update={"arm_endpoint": arm.url})})


@pytest.fixture
def cloud_runtime(cloud_env: Any) -> Any:
    from multicloud_ctl.engine.runtime import Runtime

    def make(*, dry_run: bool = False) -> Runtime:
        return Runtime(environment=cloud_env, dry_run=dry_run)

    return make


EDGE_TOKEN = "sandbox-token"  # config/local.yaml: literal-dev:sandbox-token


@pytest.fixture(scope="module")
def edge_server() -> Iterator[Any]:
    from multicloud_ctl.local.edge.server import run_edge_api

    handle = run_edge_api(0, token=EDGE_TOKEN)
    yield handle
    handle.stop()


@pytest.fixture
def edge(edge_server: Any) -> Any:
    edge_server.server.store.reset()
    edge_server.server.faults.clear()
    return edge_server


@pytest.fixture
def full_env(cloud_env: Any, edge: Any) -> Any:
    """AWS (moto) + Azure (fake ARM) + Cloudflare (fake edge API)."""
    cf = cloud_env.cloudflare.model_copy(update={"base_url": f"{edge.url}/client/v4"})
    return cloud_env.model_copy(update={"cloudflare": cf})


@pytest.fixture
def full_runtime(full_env: Any) -> Any:
    from multicloud_ctl.engine.runtime import Runtime

    def make(*, dry_run: bool = False, env: Any = None) -> Runtime:
        return Runtime(environment=env or full_env, dry_run=dry_run)

    return make


@pytest.fixture
def sandbox_vpn_psk(local_env: Any) -> str:
    """The shipped playbook's `local` VPN key reference, its secret created on moto as `mcctl local up` does (and
    the session cache's AUTH token, the playbook's other `local` secret)."""
    from multicloud_ctl.config.secrets import SecretResolver
    from multicloud_ctl.local.functions.bootstrap import ensure_redis_auth_token, ensure_vpn_psk
    from multicloud_ctl.providers.aws.session import AwsClients

    ensure_redis_auth_token(AwsClients(local_env, SecretResolver()), local_env)
    return ensure_vpn_psk(AwsClients(local_env, SecretResolver()), local_env)
