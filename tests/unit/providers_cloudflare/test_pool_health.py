"""Pool health as the real API answers it (`pop_health` keyed by PoP), read through the real SDK.

The answers come from an `httpx.MockTransport` at the SDK's `http_client` seam; the main one is the
example in Cloudflare's published schema (vendored under `local/edge/schemas/`).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import httpx
import pytest

from multicloud_ctl.local.edge.openapi import load_document
from multicloud_ctl.providers.cloudflare.client import CloudflareClient
from multicloud_ctl.providers.cloudflare.models import PoolHealth

REPO = Path(__file__).resolve().parents[3]


def published_example() -> dict[str, Any]:
    """The `result` example of `load-balancing_health_details` in Cloudflare's OpenAPI document."""
    schema = load_document()["components"]["schemas"]["load-balancing_health_details"]
    return dict(copy.deepcopy(schema["allOf"][1]["properties"]["result"]["example"]))


def client_answering(result: dict[str, Any]) -> CloudflareClient:
    from multicloud_ctl.config.loader import load_environment

    def endpoint(request: httpx.Request) -> httpx.Response:
        assert request.url.path.endswith(f"/load_balancers/pools/{result['pool_id']}/health")
        return httpx.Response(200, json={"success": True, "errors": [], "messages": [], "result": result})

    env = load_environment("local", REPO / "config")
    return CloudflareClient(env, max_retries=0, http_client=httpx.Client(transport=httpx.MockTransport(endpoint)))


def pop(healthy: bool, **origins: bool) -> dict[str, Any]:
    return {
        "healthy": healthy,
        "origins": [
            {a: {"healthy": h, "rtt": "1ms", "failure_reason": "", "response_code": 200}} for a, h in origins.items()
        ],
    }


def test_the_published_example_reads_healthy() -> None:
    example = published_example()
    assert "Amsterdam, NL" in example["pop_health"]  # the shape this test is about
    health = client_answering(example).pool_health(example["pool_id"])
    assert (health.pool_id, health.healthy, health.origins) == (example["pool_id"], True, {"2001:DB8::5": True})
    assert health == PoolHealth(example["pool_id"], True, {"2001:DB8::5": True}, {"Amsterdam, NL": True})


@pytest.mark.parametrize(
    ("pops", "healthy"),
    [
        ({"Amsterdam, NL": True, "Frankfurt, DE": True, "London, GB": False}, True),
        ({"Amsterdam, NL": True, "Frankfurt, DE": False, "London, GB": False}, False),
        ({"Amsterdam, NL": True, "Frankfurt, DE": False}, False),  # a tie is not a majority
        ({}, False),  # no PoP has judged the pool (no monitor, or not probed yet)
    ],
)
def test_a_pool_is_healthy_when_most_pops_say_so(pops: dict[str, bool], healthy: bool) -> None:
    result = {"pool_id": "p1", "pop_health": {name: pop(ok, **{"192.0.2.1": ok}) for name, ok in pops.items()}}
    health = client_answering(result).pool_health("p1")
    assert health.healthy is healthy
    assert health.origins == ({"192.0.2.1": healthy} if pops else {})
    assert health.pops == pops


def test_each_origin_is_judged_by_the_same_majority() -> None:
    result = {
        "pool_id": "p1",
        "pop_health": {
            "Amsterdam, NL": pop(True, **{"192.0.2.1": True, "192.0.2.2": False}),
            "Frankfurt, DE": pop(True, **{"192.0.2.1": True, "192.0.2.2": True}),
            "London, GB": pop(True, **{"192.0.2.1": False, "192.0.2.2": False}),
        },
    }
    assert client_answering(result).pool_health("p1").origins == {"192.0.2.1": True, "192.0.2.2": False}


class RealShapedEdge:
    """Answers the three reads failover and health make, in the real API's shapes (two pools, two PoPs)."""

    def __init__(self, env: Any, health: dict[str, dict[str, bool]]) -> None:
        self.env, self.health = env, health

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path, cf = request.url.path, self.env.cloudflare
        if path.endswith(f"/zones/{cf.zone_id}/load_balancers"):
            lb = {
                "id": "lb1",
                "name": "api.shop.local",
                "default_pools": ["p-aws", "p-azure"],
                "fallback_pool": "p-azure",
            }
            result: Any = [lb]
        elif path.endswith(f"/accounts/{cf.account_id}/load_balancers/pools"):
            result = [
                {"id": f"p-{n}", "name": n, "enabled": True, "origins": [{"name": n, "address": f"{n}.example"}]}
                for n in ("aws", "azure")
            ]
        else:
            pool = path.split("/")[-2]
            pops = {name: pop(ok, **{f"{pool[2:]}.example": ok}) for name, ok in self.health[pool].items()}
            result = {"pool_id": pool, "pop_health": pops}
        return httpx.Response(200, json={"success": True, "errors": [], "messages": [], "result": result})


def test_failover_and_the_health_check_read_the_real_shape() -> None:
    from multicloud_ctl.config.loader import load_environment
    from multicloud_ctl.config.specs.health import DataCheck
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.lbstate import read_state
    from multicloud_ctl.operations.health.checks import check_cloudflare_pools
    from multicloud_ctl.operations.health.model import Status

    env = load_environment("local", REPO / "config")
    edge = RealShapedEdge(
        env,
        {
            "p-aws": {"Amsterdam, NL": True, "Ashburn, US": True, "Singapore, SG": False},
            "p-azure": {"Amsterdam, NL": True, "Ashburn, US": True, "Singapore, SG": True},
        },
    )
    rt = Runtime(environment=env)
    rt.__dict__["cloudflare"] = CloudflareClient(
        env, rt.secrets, max_retries=0, http_client=httpx.Client(transport=httpx.MockTransport(edge))
    )
    snap = read_state(rt)
    assert (snap.pools["aws"].healthy, snap.pools["azure"].healthy, snap.serving_pool()) == (True, True, "aws")
    check = check_cloudflare_pools(rt, DataCheck(kind="cloudflare_pools"))
    assert (check.status, check.message) == (Status.OK, "aws healthy, azure healthy")

    edge.health["p-aws"] = {"Amsterdam, NL": False, "Ashburn, US": False, "Singapore, SG": True}
    assert read_state(rt).serving_pool() == "azure"
    check = check_cloudflare_pools(rt, DataCheck(kind="cloudflare_pools"))
    assert (check.status, check.message) == (Status.WARNING, "aws unhealthy, azure healthy")
