"""The fake ARM in-process, and a `local` environment pointing the Azure clients at it (and at Azurite)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from multicloud_ctl.local.jsonhttp import ServerHandle

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def arm() -> Iterator[ServerHandle]:
    from multicloud_ctl.local.arm.server import run_arm

    handle = run_arm(0)
    yield handle
    handle.stop()


@pytest.fixture
def azure_env(arm: ServerHandle, azurite: Any) -> Any:
    """`local` with ARM on the fake and blob on the session's Azurite; ARM state cleared per test."""
    from multicloud_ctl.config.loader import load_environment

    arm.server.store.reset()
    env = load_environment("local", REPO / "config")
    ports = env.local.ports.model_copy(update={"azurite_blob": azurite.port})
    return env.model_copy(
        update={
            "azure": env.azure.model_copy(update={"arm_endpoint": arm.url}),
            "local": env.local.model_copy(update={"ports": ports}),
        }
    )
