"""Fixtures for failover tests: two stand-in origins, the local edge (API + proxy + monitors) on free
ports, a load balancer `api.shop.local` with pools aws (first) and azure, and an environment using them."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from standins import OriginController, StandInOrigin

from multicloud_ctl.local.edge.proxy import start_proxy
from multicloud_ctl.local.edge.server import run_edge_api

TOKEN = "sandbox-token"


@pytest.fixture
def origins() -> Iterator[dict[str, StandInOrigin]]:
    made = {"aws": StandInOrigin("aws"), "azure": StandInOrigin("azure")}
    yield made
    for origin in made.values():
        origin.stop()


@pytest.fixture
def controller(origins: dict[str, StandInOrigin]) -> Iterator[OriginController]:
    ctl = OriginController(origins)
    yield ctl
    ctl.close()


@pytest.fixture
def edge() -> Iterator[Any]:
    api = run_edge_api(0, token=TOKEN)
    proxy = start_proxy(api.server.store, 0)
    yield api, proxy
    proxy.stop()
    api.stop()


@pytest.fixture
def fo_env(local_env: Any, origins: dict[str, StandInOrigin], edge: Any) -> Any:
    api, proxy = edge
    ports = local_env.local.ports.model_copy(
        update={
            "edge_api": api.port,
            "edge_proxy": proxy.port,
            "functions_aws": origins["aws"].port,
            "functions_azure": origins["azure"].port,
        }
    )
    cloudflare = local_env.cloudflare.model_copy(
        update={"pools": {"aws": [origins["aws"].address], "azure": [origins["azure"].address]}}
    )
    return local_env.model_copy(
        update={"local": local_env.local.model_copy(update={"ports": ports}), "cloudflare": cloudflare}
    )


@pytest.fixture
def lb(fo_env: Any, origins: dict[str, StandInOrigin]) -> dict[str, str]:
    """Monitor + pools aws/azure + load balancer (aws first, fallback azure) created through the real SDK."""
    from multicloud_ctl.providers.cloudflare.client import CloudflareClient
    from multicloud_ctl.providers.cloudflare.models import Origin

    cf = CloudflareClient(fo_env)
    mon = cf.create_monitor(type="http", path="/health", interval=1, timeout=1, retries=0, expected_codes="200")
    ids = {}
    for cloud in ("aws", "azure"):
        pool = cf.create_pool(cloud, [Origin(f"{cloud}-1", origins[cloud].address)], monitor=mon.id)
        ids[cloud] = pool.id
    made = cf.create_load_balancer(
        "api.shop.local",
        [ids["aws"], ids["azure"]],
        ids["azure"],
        session_affinity_attributes={"zero_downtime_failover": "temporary"},
    )
    return {"lb": made.id, **ids}


@pytest.fixture
def fo_config(fo_env: Any, tmp_path: Path) -> Path:
    import yaml

    directory = tmp_path / "config"
    directory.mkdir(parents=True, exist_ok=True)
    data = fo_env.model_dump(mode="json", exclude_none=True)
    (directory / f"{fo_env.name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return directory
