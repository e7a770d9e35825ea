"""The fake Cloudflare API in-process, and a `local` environment pointing the Cloudflare client at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from multicloud_ctl.local.jsonhttp import ServerHandle

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def edge() -> Iterator[ServerHandle]:
    from multicloud_ctl.local.edge.server import run_edge_api

    handle = run_edge_api(0, token="sandbox-token")  # config/local.yaml: literal-dev:sandbox-token
    yield handle
    handle.stop()


@pytest.fixture
def cf_env(edge: ServerHandle) -> Any:
    from multicloud_ctl.config.loader import load_environment

    edge.server.store.reset()
    edge.server.faults.clear()
    env = load_environment("local", REPO / "config")
    return env.model_copy(
        update={"cloudflare": env.cloudflare.model_copy(update={"base_url": f"{edge.url}/client/v4"})}
    )
