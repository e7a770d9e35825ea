"""Fixtures for provision integration tests: a runtime on the sandbox and a spec limited to some kinds."""

from __future__ import annotations

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
        return ProvisionSpec.model_validate({"kinds": toggles, **extra})

    return make
