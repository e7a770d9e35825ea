"""Cloudflare kinds against the sandbox edge API through the official SDK: pools, LB order, drift, repair."""

from __future__ import annotations

import json
from typing import Any

import pytest

from multicloud_ctl.operations import provision
from multicloud_ctl.operations.provision.registry import KINDS

pytestmark = pytest.mark.integration
CF_KINDS = [n for n, k in KINDS.items() if k.provider == "cloudflare" and n != "cf_ratelimit_rule"]


def pending(plans: list[Any]) -> dict[str, Any]:
    return {p.address: [str(c) for c in p.changes] or p.action for p in plans if p.action != "noop"}


def lb(edge: Any) -> dict[str, Any]:
    return edge.server.store.load_balancer_by_name("api.shop.local")


def test_pools_and_lb_converge_and_reordered_pools_are_drift(full_runtime: Any, aws_spec: Any, edge: Any) -> None:
    spec = aws_spec(*CF_KINDS)
    provision.apply(full_runtime(), spec)
    assert pending(provision.plan_resources(full_runtime(dry_run=True), spec)) == {}
    store = edge.server.store
    names = {p["id"]: p["name"] for p in store.find("pools", full_runtime().environment.cloudflare.account_id)}
    balancer = lb(edge)
    assert [names[i] for i in balancer["default_pools"]] == ["aws", "azure"]
    assert balancer["steering_policy"] == "off"

    # behind the tool's back: reorder the pools with the SDK
    rt = full_runtime()
    cf = rt.cloudflare
    cf.edit_load_balancer(balancer["id"], default_pools=list(reversed(balancer["default_pools"])))
    items = provision.find_drift(full_runtime(dry_run=True), spec)
    assert [(i.address, i.path) for i in items] == [("cf_load_balancer/api.shop.local", "default_pools")]
    assert items[0].live == ["azure", "aws"] and not items[0].allowed

    # allow_drift silences it
    allowed = aws_spec(*CF_KINDS, allow_drift=["cf_load_balancer/api.shop.local:default_pools"])
    assert all(i.allowed for i in provision.find_drift(full_runtime(dry_run=True), allowed))

    # the failover's intended order makes it the desired state
    intended = rt.environment.env_state_dir / "failover" / "intended.json"
    intended.parent.mkdir(parents=True, exist_ok=True)
    intended.write_text(
        json.dumps(
            {
                "version": 1,
                "load_balancer": {"name": "api.shop.local", "default_pools": ["azure", "aws"], "fallback_pool": "aws"},
            }
        )
    )
    items = provision.find_drift(full_runtime(dry_run=True), spec)
    assert [(i.address, i.path) for i in items] == [("cf_load_balancer/api.shop.local", "fallback_pool")]
    intended.unlink()

    # apply repairs
    provision.apply(full_runtime(), spec)
    assert provision.find_drift(full_runtime(dry_run=True), spec) == []
    assert [names[i] for i in lb(edge)["default_pools"]] == ["aws", "azure"]


def test_geo_steering_and_service_routing(full_runtime: Any, aws_spec: Any, edge: Any) -> None:
    spec = aws_spec(
        *CF_KINDS,
        features={"geo_steering": True, "service_routing": True},
        services=[{"name": "orders", "hostname": "orders", "pools": ["azure", "aws"]}],
    )
    provision.apply(full_runtime(), spec)
    assert pending(provision.plan_resources(full_runtime(dry_run=True), spec)) == {}
    assert lb(edge)["steering_policy"] == "geo"
    assert set(lb(edge)["region_pools"]) == {"ENAM", "WNAM", "WEU", "EEU"}
    assert edge.server.store.load_balancer_by_name("orders.shop.local") is not None

    # a failover to azure rewrote every region's list and recorded it: that is the desired state, not drift
    rt = full_runtime()
    balancer = lb(edge)
    ids = {p.name: p.id for p in rt.cloudflare.list_pools()}
    flipped = {r: [ids["azure"], ids["aws"]] for r in balancer["region_pools"]}
    rt.cloudflare.edit_load_balancer(balancer["id"], region_pools=flipped)
    drift = provision.find_drift(full_runtime(dry_run=True), spec)
    assert ("cf_load_balancer/api.shop.local", "region_pools") in [(i.address, i.path.split(".")[0]) for i in drift]
    intended = rt.environment.env_state_dir / "failover" / "intended.json"
    intended.parent.mkdir(parents=True, exist_ok=True)
    names = {v: k for k, v in ids.items()}
    intended.write_text(
        json.dumps(
            {
                "version": 1,
                "load_balancer": {
                    "name": "api.shop.local",
                    "default_pools": [names[i] for i in balancer["default_pools"]],
                    "fallback_pool": names[balancer["fallback_pool"]],
                    "region_pools": {r: ["azure", "aws"] for r in balancer["region_pools"]},
                },
            }
        )
    )
    assert [
        i for i in provision.find_drift(full_runtime(dry_run=True), spec) if i.address.endswith("api.shop.local")
    ] == []


def test_throttled_call_is_retried_and_failover_disabled_pool_is_not_drift(
    full_runtime: Any, aws_spec: Any, edge: Any
) -> None:
    from multicloud_ctl.local.faults import FaultRule

    spec = aws_spec(*CF_KINDS)
    # one 429 (with Retry-After) on creating a pool: the SDK retries it
    edge.server.faults.arm(FaultRule(path=r"/load_balancers/pools$", status=429, count=1, method="POST", retry_after=0))
    provision.apply(full_runtime(), spec)
    assert edge.server.faults.rules == []
    assert pending(provision.plan_resources(full_runtime(dry_run=True), spec)) == {}

    # the failover disabled the aws pool and recorded it: that is the desired state now
    rt = full_runtime()
    pool = rt.cloudflare.find_pool("aws")
    rt.cloudflare.edit_pool(pool.id, enabled=False)
    assert [(i.address, i.path) for i in provision.find_drift(full_runtime(dry_run=True), spec)] == [
        ("cf_pool/aws", "enabled")
    ]
    intended = rt.environment.env_state_dir / "failover" / "intended.json"
    intended.parent.mkdir(parents=True, exist_ok=True)
    intended.write_text(json.dumps({"pools": {"aws": {"enabled": False}, "azure": {"enabled": True}}}))
    assert provision.find_drift(full_runtime(dry_run=True), spec) == []
    assert pending(provision.plan_resources(full_runtime(dry_run=True), spec)) == {}  # apply won't undo it


@pytest.mark.violations_expected
def test_zone_tls_settings_converge_drift_and_a_value_the_api_refuses(
    full_runtime: Any, aws_spec: Any, edge: Any
) -> None:
    from multicloud_ctl.errors import ProviderError
    from multicloud_ctl.providers.cloudflare.resources import CloudflareResources

    edge.server.settings.clear()  # a fresh zone: Cloudflare's defaults

    spec = aws_spec("cf_zone_settings")
    zone = full_runtime().environment.cloudflare.zone_id
    first = provision.plan_resources(full_runtime(dry_run=True), spec)
    assert [(p.address, p.action) for p in first] == [(f"cf_zone_settings/{zone}", "update")]  # from the defaults
    provision.apply(full_runtime(), spec)
    assert pending(provision.plan_resources(full_runtime(dry_run=True), spec)) == {}
    cf = CloudflareResources(full_runtime().cloudflare)
    assert cf.setting("min_tls_version") == "1.2" and cf.setting("always_use_https") == "on"
    assert cf.setting("security_header")["strict_transport_security"]["max_age"] == 31_536_000
    cf.set_setting("min_tls_version", "1.0")  # behind the tool's back
    items = provision.find_drift(full_runtime(dry_run=True), spec)
    assert [(i.address, i.path, i.live) for i in items] == [(f"cf_zone_settings/{zone}", "min_tls_version", "1.0")]
    with pytest.raises(ProviderError) as refused:  # not a value of the published schema: the fake refuses it
        cf.set_setting("min_tls_version", "1.4")
    assert refused.value.status == 400
    plan = provision.destroy_plan(full_runtime(dry_run=True), spec)
    assert plan.steps == ()  # zone settings are never "destroyed"


def test_a_plan_lists_each_collection_once_and_a_write_lists_it_again(
    full_runtime: Any, aws_spec: Any, edge: Any
) -> None:
    """Reads come from one listing per collection per run (issue 20): a plan of every Cloudflare resource lists
    each collection it reads once, not once per resource; a write through the client drops its listing."""
    from multicloud_ctl.providers.cloudflare.resources import CloudflareResources

    spec = aws_spec(*CF_KINDS)
    provision.apply(full_runtime(), spec)
    runtime = full_runtime(dry_run=True)
    plans = provision.plan_resources(runtime, spec)
    collections = {KINDS[p.address.split("/", 1)[0]].collection for p in plans} - {""}
    listed = runtime.cloudflare.listings.lists
    assert len(plans) > len(collections) and 0 < listed <= len(collections), (len(plans), collections, listed)

    rt = full_runtime()
    cf = CloudflareResources(rt.cloudflare)
    before = {m["id"] for m in cf.items("monitors")}
    made = cf.create("monitors", {"type": "http", "path": "/x", "expected_codes": "200", "description": "cache probe"})
    assert {m["id"] for m in cf.items("monitors")} == before | {made["id"]}  # listed again after the write
    cf.delete("monitors", made["id"])
    assert {m["id"] for m in cf.items("monitors")} == before
