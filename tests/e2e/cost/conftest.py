"""CLI fixtures for `mcctl cost`: moto (session) + the fake ARM, and a config dir pointing at both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from multicloud_ctl.local.arm.server import run_arm


@pytest.fixture
def arm_url() -> Iterator[str]:
    """A fresh fake ARM (with the Cost Management plugin) on a free loopback port."""
    handle = run_arm(0)
    try:
        yield handle.url
    finally:
        handle.stop()


@pytest.fixture
def cost_config_dir(config_dir: Path, arm_url: str) -> Path:
    """--config-dir for a local environment whose moto and ARM endpoints are this test's."""
    import yaml

    path = config_dir / "local.yaml"
    data = yaml.safe_load(path.read_text())
    data["azure"]["arm_endpoint"] = arm_url
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return config_dir


@pytest.fixture
def playbook(tmp_path: Path) -> Any:
    """Write a Cost playbook with the given spec YAML and return its path."""

    def write(spec_yaml: str) -> Path:
        path = tmp_path / "cost.yaml"
        path.write_text("apiVersion: mcctl/v1\nkind: Cost\nmetadata: {name: cost-test}\nspec:\n" + spec_yaml)
        return path

    return write
