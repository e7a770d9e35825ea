"""The local edge proxy routes like a Cloudflare load balancer (steering off) and names the origin."""

from __future__ import annotations

import urllib.request
from typing import Any

import pytest

from wait_support import wait_for

pytestmark = pytest.mark.integration


def get(url: str, host: str = "api.shop.local") -> tuple[int, dict[str, str]]:
    req = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}


def test_first_healthy_pool_serves_and_header_names_origin(edge: Any, lb: dict[str, str]) -> None:
    _, proxy = edge
    status, headers = get(f"{proxy.url}/health")
    assert status == 200
    assert headers["cf-origin"] == "aws-1"
    assert headers["x-mcctl-pool"] == "aws"


def test_monitor_marks_origin_down_and_traffic_moves(edge: Any, lb: dict[str, str], origins: Any) -> None:
    api, proxy = edge
    store = api.server.store
    origins["aws"].stop()
    wait_for(lambda: not store.pool_healthy(lb["aws"]))
    assert get(f"{proxy.url}/health")[1]["x-mcctl-pool"] == "azure"
    origins["aws"].start()
    wait_for(lambda: store.pool_healthy(lb["aws"]))
    assert get(f"{proxy.url}/health")[1]["x-mcctl-pool"] == "aws"


def test_pool_health_served_through_api(edge: Any, lb: dict[str, str], origins: Any, fo_env: Any) -> None:
    from multicloud_ctl.providers.cloudflare.client import CloudflareClient

    api, _ = edge
    cf = CloudflareClient(fo_env)
    origins["azure"].healthy = False  # answers 503: not an expected code
    wait_for(lambda: not api.server.store.pool_healthy(lb["azure"]))
    health = cf.pool_health(lb["azure"])
    assert health.healthy is False
    assert health.origins == {origins["azure"].address: False}
    assert cf.pool_health(lb["aws"]).healthy is True


def test_weights_within_pool_and_zero_weight_drains(edge: Any, lb: dict[str, str], origins: Any, fo_env: Any) -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from standins import StandInOrigin

    from multicloud_ctl.providers.cloudflare.client import CloudflareClient
    from multicloud_ctl.providers.cloudflare.models import Origin

    _, proxy = edge
    extra = StandInOrigin("aws")
    try:
        cf = CloudflareClient(fo_env)
        cf.edit_pool(
            lb["aws"],
            origins=[
                Origin("aws-1", origins["aws"].address, weight=0.75),
                Origin("aws-2", extra.address, weight=0.25),
            ],
        )
        seen = [get(f"{proxy.url}/health")[1]["cf-origin"] for _ in range(200)]
        assert 100 < seen.count("aws-1") < 190 and seen.count("aws-2") > 10
        cf.edit_pool(
            lb["aws"],
            origins=[
                Origin("aws-1", origins["aws"].address, weight=0.0),
                Origin("aws-2", extra.address, weight=1.0),
            ],
        )
        assert {get(f"{proxy.url}/health")[1]["cf-origin"] for _ in range(30)} == {"aws-2"}
    finally:
        extra.stop()


def test_all_pools_down_uses_fallback_then_521(edge: Any, lb: dict[str, str], origins: Any) -> None:
    api, proxy = edge
    origins["aws"].stop()
    origins["azure"].healthy = False
    wait_for(lambda: not api.server.store.pool_healthy(lb["azure"]) and not api.server.store.pool_healthy(lb["aws"]))
    status, headers = get(f"{proxy.url}/health")
    assert status == 503 and headers["x-mcctl-pool"] == "azure"  # fallback serves whatever its health
    origins["azure"].stop()
    assert get(f"{proxy.url}/health")[0] == 521


def test_disabled_pool_is_skipped(edge: Any, lb: dict[str, str], fo_env: Any) -> None:
    from multicloud_ctl.providers.cloudflare.client import CloudflareClient

    _, proxy = edge
    CloudflareClient(fo_env).edit_pool(lb["aws"], enabled=False)
    assert get(f"{proxy.url}/health")[1]["x-mcctl-pool"] == "azure"
