"""Fixtures for the cost tests: the sandbox's fake ARM (with the Cost Management plugin) on 127.0.0.1.

The real azure-mgmt-costmanagement SDK talks to it over HTTP exactly as it would to the sandbox.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from multicloud_ctl.local.arm.costmanagement import CostStore, store_for
from multicloud_ctl.local.arm.server import run_arm


@dataclass
class ArmCost:
    """A running fake ARM: its URL and the Cost Management store behind it."""

    url: str
    store: CostStore


@pytest.fixture
def arm_cost() -> Iterator[ArmCost]:
    """A fresh fake ARM on a free loopback port for one test."""
    handle = run_arm(0)
    try:
        yield ArmCost(handle.url, store_for(handle.server.store))
    finally:
        handle.stop()


@pytest.fixture
def cost_env(local_env: Any, arm_cost: ArmCost) -> Any:
    """The local environment with its ARM endpoint pointing at the test's fake ARM."""
    return local_env.model_copy(update={"azure": local_env.azure.model_copy(update={"arm_endpoint": arm_cost.url})})
