"""The edge proxy's steering policies over HTTP, with the real SDK configuring them and real monitors measuring.

Randomness comes from `MCCTL_SEED` (the proxy draws from `seeded_random()`), so the counts are replayable.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from multicloud_ctl.local.edge.proxy import start_proxy
from multicloud_ctl.providers.cloudflare.client import CloudflareClient
from wait_support import wait_for

pytestmark = pytest.mark.integration


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url, headers={"Host": "api.shop.local", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, str(resp.headers["x-mcctl-pool"])
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def seeded_proxy(edge: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A second proxy over the same edge, its randomness seeded by MCCTL_SEED."""
    api, _ = edge
    monkeypatch.setenv("MCCTL_SEED", "11")
    proxy = start_proxy(api.server.store, 0)
    yield proxy
    proxy.stop()


def test_least_outstanding_requests_steers_away_from_requests_in_flight(
    edge: Any, lb: dict[str, str], origins: Any, fo_env: Any, seeded_proxy: Any
) -> None:
    held = [threading.Thread(target=get, args=(f"{seeded_proxy.url}/slow",)) for _ in range(9)]
    for t in held:  # steering off: all nine go to aws and stay there until released
        t.start()
    wait_for(lambda: seeded_proxy.server.outstanding.get(lb["aws"]) == 9)
    CloudflareClient(fo_env).edit_load_balancer(lb["lb"], steering_policy="least_outstanding_requests")
    busy = Counter(get(f"{seeded_proxy.url}/health")[1] for _ in range(40))
    assert busy["azure"] >= 32, busy  # aws weighs 1/(1+9) of azure
    origins["aws"].release.set()
    for t in held:
        t.join(10)
    wait_for(lambda: set(seeded_proxy.server.outstanding.values()) == {0})  # decremented after the answer
    idle = Counter(get(f"{seeded_proxy.url}/health")[1] for _ in range(60))
    assert idle["aws"] >= 15 and idle["azure"] >= 15, idle


def test_random_steering_follows_weights_and_replays_with_the_seed(
    edge: Any, lb: dict[str, str], fo_env: Any, seeded_proxy: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    api, _ = edge
    CloudflareClient(fo_env).edit_load_balancer(
        lb["lb"], steering_policy="random", random_steering={"pool_weights": {lb["aws"]: 0.3}, "default_weight": 0.9}
    )
    first = [get(f"{seeded_proxy.url}/health")[1] for _ in range(60)]
    assert 5 <= first.count("aws") <= 25 and first.count("azure") >= 35, Counter(first)  # 1 : 3
    replay = start_proxy(api.server.store, 0)  # MCCTL_SEED=11 still set: the same draws
    try:
        assert [get(f"{replay.url}/health")[1] for _ in range(60)] == first
    finally:
        replay.stop()


def test_dynamic_latency_prefers_the_pool_its_monitors_measured_faster(
    edge: Any, lb: dict[str, str], origins: Any, fo_env: Any
) -> None:
    api, proxy = edge
    store = api.server.store
    origins["aws"].delay = 0.3  # every answer, the monitor's probes too (timeout 1 s: still healthy)
    CloudflareClient(fo_env).edit_load_balancer(lb["lb"], steering_policy="dynamic_latency")
    wait_for(lambda: (store.pool_rtt(lb["aws"]) or 0) > 150 and store.pool_rtt(lb["azure"]) is not None)
    assert get(f"{proxy.url}/health")[1] == "azure"
    origins["azure"].healthy = False
    wait_for(lambda: not store.pool_healthy(lb["azure"]))
    assert get(f"{proxy.url}/health")[1] == "aws"


def test_proximity_uses_the_pools_coordinates_and_the_pop(edge: Any, lb: dict[str, str], fo_env: Any) -> None:
    _, proxy = edge
    cf = CloudflareClient(fo_env)
    cf.edit_pool(lb["aws"], latitude=38.9, longitude=-77.4)  # Virginia
    cf.edit_pool(lb["azure"], latitude=52.3, longitude=4.9)  # Amsterdam
    cf.edit_load_balancer(lb["lb"], steering_policy="proximity")
    assert get(f"{proxy.url}/health")[1] == "azure"  # the proxy plays LHR
    assert get(f"{proxy.url}/health", {"x-mcctl-pop": "IAD"})[1] == "aws"
    assert get(f"{proxy.url}/health", {"x-mcctl-pop": "SJC"})[1] == "aws"
    assert get(f"{proxy.url}/health", {"x-mcctl-pop": "FRA"})[1] == "azure"


def test_a_policy_the_edge_does_not_implement_is_a_503_naming_it(edge: Any, lb: dict[str, str]) -> None:
    api, proxy = edge
    # the API refuses an unknown policy (OpenAPI enum); a state file written by hand could still hold one
    scope = next(v["_scope"] for v in api.server.store.items["load_balancers"].values())
    api.server.store.update("load_balancers", scope, lb["lb"], {"steering_policy": "by_moon_phase"}, partial=True)
    status, body = get(f"{proxy.url}/health")
    assert status == 503 and "steering_policy by_moon_phase is not implemented" in body
