"""Fixtures for the security tests: moto + the fake ARM (with its Key Vault), and a posture that passes
every audit check, which each test then breaks on purpose."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from security_posture import arm_type, azure_resources, configure_aws, put_arm


@pytest.fixture(scope="module")
def arm_server() -> Iterator[Any]:
    from multicloud_ctl.local.arm.server import run_arm

    handle = run_arm(0, lro_polls=0)
    yield handle
    handle.stop()


@pytest.fixture
def sec_env(local_env: Any, arm_server: Any) -> Any:
    arm_server.server.store.reset()
    return local_env.model_copy(update={"azure": local_env.azure.model_copy(update={"arm_endpoint": arm_server.url})})


@pytest.fixture
def make_runtime(sec_env: Any) -> Callable[..., Any]:
    from multicloud_ctl.engine.clock import Clock
    from multicloud_ctl.engine.runtime import Runtime

    def make(*, dry_run: bool = False, clock: Clock | None = None) -> Runtime:
        rt = Runtime(environment=sec_env, dry_run=dry_run)
        if clock is not None:
            rt.clock = clock
        return rt

    return make


@pytest.fixture
def good_posture(make_runtime: Callable[..., Any], arm_server: Any) -> Any:
    """Everything the audit reads, configured well; returns the (non-dry-run) runtime used to build it."""
    from multicloud_ctl.operations.security.apikey_store import write_keys

    rt = make_runtime()
    configure_aws(rt)
    store = arm_server.server.store
    for key, (rid, body) in azure_resources(rt.environment).items():
        if key.startswith(("group:", "app:")):
            # through the SDK: groups, and sites (App Service keeps their siteConfig at config/web, which the
            # fake's site PUT writes); everything else straight into the fake's store
            put_arm(rt, rid, body)
        else:
            store.put_resource(rid, arm_type(rid), body)
    write_keys(rt, ["initial-key-0123456789"])
    return rt
