"""Load-balancer steering of the edge proxy (steering off, weights, fallback) on a real EdgeStore, no network."""

from __future__ import annotations

import random

import pytest

from multicloud_ctl.local.edge.monitors import expected, origin_target
from multicloud_ctl.local.edge.proxy import candidates, pick_load_balancer
from multicloud_ctl.local.edge.store import EdgeStore

ACCOUNT, ZONE = "acc", "zone"


@pytest.fixture
def store() -> EdgeStore:
    s = EdgeStore()
    aws = s.create(
        "pools",
        ACCOUNT,
        {
            "name": "aws",
            "origins": [{"name": "aws-1", "address": "127.0.0.1:1"}, {"name": "aws-2", "address": "127.0.0.1:2"}],
        },
    )
    azure = s.create("pools", ACCOUNT, {"name": "azure", "origins": [{"name": "az-1", "address": "127.0.0.1:3"}]})
    s.create(
        "load_balancers",
        ZONE,
        {"name": "api.shop.local", "default_pools": [aws["id"], azure["id"]], "fallback_pool": azure["id"]},
    )
    s.ids = {"aws": aws["id"], "azure": azure["id"]}  # type: ignore[attr-defined]
    return s


def first_pool(store: EdgeStore) -> str:
    lb = pick_load_balancer(store, "api.shop.local")
    assert lb is not None
    return candidates(store, lb, random.Random(1))[0].pool_name


def test_first_healthy_enabled_pool_serves(store: EdgeStore) -> None:
    assert first_pool(store) == "aws"
    store.set_origin_health(store.ids["aws"], "127.0.0.1:1", False)  # type: ignore[attr-defined]
    assert first_pool(store) == "aws"  # one healthy origin left: minimum_origins 1
    store.set_origin_health(store.ids["aws"], "127.0.0.1:2", False)  # type: ignore[attr-defined]
    assert first_pool(store) == "azure"


def test_disabled_pool_is_skipped_and_fallback_serves_unhealthy(store: EdgeStore) -> None:
    store.update("pools", ACCOUNT, store.ids["aws"], {"enabled": False}, partial=True)  # type: ignore[attr-defined]
    store.set_origin_health(store.ids["azure"], "127.0.0.1:3", False)  # type: ignore[attr-defined]
    lb = pick_load_balancer(store, "api.shop.local")
    assert lb is not None
    got = candidates(store, lb, random.Random(1))
    assert [c.origin["name"] for c in got] == ["az-1"]  # the fallback, whatever its health


def test_weights_and_zero_weight(store: EdgeStore) -> None:
    aws = store.ids["aws"]  # type: ignore[attr-defined]
    store.update(
        "pools",
        ACCOUNT,
        aws,
        {
            "origins": [
                {"name": "aws-1", "address": "127.0.0.1:1", "weight": 0.9},
                {"name": "aws-2", "address": "127.0.0.1:2", "weight": 0.1},
            ]
        },
        partial=True,
    )
    lb = pick_load_balancer(store, "api")
    assert lb is not None
    rng = random.Random(7)
    firsts = [candidates(store, lb, rng)[0].origin["name"] for _ in range(2000)]
    assert 1650 < firsts.count("aws-1") < 1950
    store.update(
        "pools",
        ACCOUNT,
        aws,
        {
            "origins": [
                {"name": "aws-1", "address": "127.0.0.1:1", "weight": 0},
                {"name": "aws-2", "address": "127.0.0.1:2", "weight": 1},
            ]
        },
        partial=True,
    )
    assert {c.origin["name"] for c in candidates(store, lb, rng)} == {"aws-2"}


def test_failover_across_pools_only_when_enabled(store: EdgeStore) -> None:
    lb = pick_load_balancer(store, "api.shop.local")
    assert lb is not None
    assert {c.pool_name for c in candidates(store, lb, random.Random(1))} == {"aws"}
    lb["adaptive_routing"] = {"failover_across_pools": True}
    assert [c.pool_name for c in candidates(store, lb, random.Random(1))][-1] == "azure"


def test_host_matching() -> None:
    s = EdgeStore()
    p = s.create("pools", ACCOUNT, {"name": "p", "origins": [{"address": "127.0.0.1:1"}]})
    for name in ("api.shop.local", "www.shop.local"):
        s.create("load_balancers", ZONE, {"name": name, "default_pools": [p["id"]], "fallback_pool": p["id"]})
    assert pick_load_balancer(s, "www.shop.local:8080")["name"] == "www.shop.local"  # type: ignore[index]
    assert pick_load_balancer(s, "127.0.0.1:5280") is None  # two load balancers, no match


@pytest.mark.parametrize(
    ("code", "spec", "ok"),
    [(200, "200", True), (204, "2xx", True), (301, "2xx", False), (301, "200,301", True), (500, "2xx,3xx", False)],
)
def test_expected_codes(code: int, spec: str, ok: bool) -> None:
    assert expected(code, spec) is ok


def test_origin_target_ports() -> None:
    assert origin_target("127.0.0.1:7071", {"type": "http"}) == ("127.0.0.1", 7071, False)
    assert origin_target("origin.example", {"type": "https"}) == ("origin.example", 443, True)
    assert origin_target("origin.example", {"type": "http", "port": 8080}) == ("origin.example", 8080, False)
