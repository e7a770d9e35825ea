"""Fixtures for the sandbox's fake cloud servers, run in-process on free loopback ports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from multicloud_ctl.local.jsonhttp import ServerHandle

REPO = Path(__file__).resolve().parents[3]
EDGE_TOKEN = "sandbox-token"  # config/local.yaml: literal-dev:sandbox-token


def base_env() -> Any:
    from multicloud_ctl.config.loader import load_environment

    return load_environment("local", REPO / "config")


@pytest.fixture(scope="module")
def arm_server() -> Iterator[ServerHandle]:
    from multicloud_ctl.local.arm.server import run_arm

    handle = run_arm(0)
    yield handle
    handle.stop()


@pytest.fixture
def arm(arm_server: ServerHandle) -> ServerHandle:
    """The fake ARM, with its resources and armed faults cleared for this test."""
    arm_server.server.store.reset()
    arm_server.server.faults.clear()
    return arm_server


@pytest.fixture
def arm_env(arm: ServerHandle) -> Any:
    env = base_env()
    return env.model_copy(update={"azure": env.azure.model_copy(update={"arm_endpoint": arm.url})})


@pytest.fixture(scope="module")
def edge_server() -> Iterator[ServerHandle]:
    from multicloud_ctl.local.edge.server import run_edge_api

    handle = run_edge_api(0, token=EDGE_TOKEN)
    yield handle
    handle.stop()


@pytest.fixture
def edge(edge_server: ServerHandle) -> ServerHandle:
    edge_server.server.store.reset()
    edge_server.server.faults.clear()
    return edge_server


@pytest.fixture
def edge_env(edge: ServerHandle) -> Any:
    env = base_env()
    return env.model_copy(
        update={"cloudflare": env.cloudflare.model_copy(update={"base_url": f"{edge.url}/client/v4"})}
    )
