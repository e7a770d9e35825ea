"""The fake Cloudflare API against the real cloudflare SDK: envelope, CRUD, 404, auth, persistence."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import cloudflare
import pytest

from multicloud_ctl.local.edge.api import LOCAL_POP
from multicloud_ctl.local.edge.openapi import load_document
from multicloud_ctl.local.edge.server import run_edge_api
from multicloud_ctl.local.edge.store import EdgeStore
from multicloud_ctl.local.jsonhttp import ServerHandle

pytestmark = pytest.mark.integration
ACC, ZONE = "acc1", "zone1"


def sdk(edge: ServerHandle, token: str = "sandbox-token") -> cloudflare.Cloudflare:
    return cloudflare.Cloudflare(api_token=token, base_url=f"{edge.url}/client/v4", max_retries=0)


def test_pools_monitors_and_load_balancer_crud(edge: ServerHandle) -> None:
    cf = sdk(edge)
    mon = cf.load_balancers.monitors.create(account_id=ACC, type="http", path="/health", expected_codes="200")
    aws = cf.load_balancers.pools.create(
        account_id=ACC, name="aws", monitor=mon.id, origins=[{"name": "aws", "address": "127.0.0.1:7071"}]
    )
    azure = cf.load_balancers.pools.create(
        account_id=ACC, name="azure", origins=[{"name": "azure", "address": "127.0.0.1:7072", "weight": 0.5}]
    )
    assert aws.origins[0].enabled is True and azure.origins[0].weight == 0.5
    lb = cf.load_balancers.create(
        zone_id=ZONE,
        name="api.shop.local",
        default_pools=[aws.id, azure.id],
        fallback_pool=azure.id,
        steering_policy="off",
        proxied=True,
    )
    assert (lb.default_pools, lb.fallback_pool, lb.proxied) == ([aws.id, azure.id], azure.id, True)
    lb = cf.load_balancers.edit(lb.id, zone_id=ZONE, default_pools=[azure.id, aws.id])
    assert lb.default_pools == [azure.id, aws.id] and lb.steering_policy == "off"
    edited = cf.load_balancers.pools.edit(aws.id, account_id=ACC, enabled=False)
    assert edited.enabled is False and edited.name == "aws"  # PATCH keeps what it does not name
    replaced = cf.load_balancers.pools.update(
        aws.id, account_id=ACC, name="aws", origins=[{"name": "a2", "address": "127.0.0.1:9"}]
    )
    assert replaced.enabled is True and [o.address for o in replaced.origins] == ["127.0.0.1:9"]  # PUT resets
    assert {p.name for p in cf.load_balancers.pools.list(account_id=ACC)} == {"aws", "azure"}
    assert [m.id for m in cf.load_balancers.monitors.list(account_id=ACC)] == [mon.id]
    assert [x.id for x in cf.load_balancers.list(zone_id=ZONE)] == [lb.id]
    with pytest.raises(cloudflare.BadRequestError):  # a pool in use by a load balancer cannot go
        cf.load_balancers.pools.delete(aws.id, account_id=ACC)
    cf.load_balancers.delete(lb.id, zone_id=ZONE)
    cf.load_balancers.pools.delete(aws.id, account_id=ACC)
    cf.load_balancers.monitors.delete(mon.id, account_id=ACC)
    assert [p.name for p in cf.load_balancers.pools.list(account_id=ACC)] == ["azure"]


def test_load_balancer_must_reference_existing_pools(edge: ServerHandle) -> None:
    with pytest.raises(cloudflare.BadRequestError):
        sdk(edge).load_balancers.create(zone_id=ZONE, name="x", default_pools=["nope"], fallback_pool="nope")


def test_pool_health_follows_origin_health(edge: ServerHandle) -> None:
    cf = sdk(edge)
    pool = cf.load_balancers.pools.create(
        account_id=ACC, name="aws", origins=[{"name": "a", "address": "127.0.0.1:7071"}]
    )
    health = cf.load_balancers.pools.health.get(pool.id, account_id=ACC).to_dict()
    assert health["pop_health"][LOCAL_POP]["healthy"] is True
    edge.server.store.set_origin_health(pool.id, "127.0.0.1:7071", False)
    health = cf.load_balancers.pools.health.get(pool.id, account_id=ACC).to_dict()
    assert health == {
        "pool_id": pool.id,
        "pop_health": {
            LOCAL_POP: {
                "healthy": False,
                "origins": [
                    {
                        "127.0.0.1:7071": {
                            "healthy": False,
                            "rtt": "1ms",
                            "failure_reason": "No failures",
                            "response_code": 200,
                        }
                    }
                ],
            }
        },
    }


def test_pool_health_has_the_published_shape(edge: ServerHandle) -> None:
    """Same keys at every level as the example in Cloudflare's schema (PoP names and addresses vary)."""
    schema = load_document()["components"]["schemas"]["load-balancing_health_details"]
    example = schema["allOf"][1]["properties"]["result"]["example"]
    cf = sdk(edge)
    pool = cf.load_balancers.pools.create(account_id=ACC, name="aws", origins=[{"name": "a", "address": "2001:db8::5"}])
    ours = cf.load_balancers.pools.health.get(pool.id, account_id=ACC).to_dict()
    assert ours.keys() == example.keys()
    [(_, our_pop)], [(_, their_pop)] = ours["pop_health"].items(), example["pop_health"].items()
    assert our_pop.keys() == their_pop.keys()
    [[(address, our_origin)]], [[(_, their_origin)]] = (
        [o.items() for o in pop["origins"]] for pop in (our_pop, their_pop)
    )
    assert address == "2001:db8::5" and our_origin.keys() == their_origin.keys()
    assert {k: type(v) for k, v in our_origin.items()} == {k: type(v) for k, v in their_origin.items()}


def test_dns_records_crud_filter_and_pagination(edge: ServerHandle) -> None:
    cf = sdk(edge)
    ids = [
        cf.dns.records.create(zone_id=ZONE, type="A", name=f"h{i}.shop.local", content=f"127.0.0.{i}", ttl=1).id
        for i in range(5)
    ]
    assert len(list(cf.dns.records.list(zone_id=ZONE, per_page=2))) == 5  # the SDK walks 3 pages
    only = list(cf.dns.records.list(zone_id=ZONE, name={"exact": "h3.shop.local"}))
    assert [r.content for r in only] == ["127.0.0.3"]
    cf.dns.records.edit(ids[0], zone_id=ZONE, type="A", name="h0.shop.local", ttl=1, content="10.0.0.1")
    assert cf.dns.records.get(ids[0], zone_id=ZONE).content == "10.0.0.1"
    cf.dns.records.delete(ids[0], zone_id=ZONE)
    with pytest.raises(cloudflare.NotFoundError) as info:
        cf.dns.records.get(ids[0], zone_id=ZONE)
    assert info.value.body["errors"][0]["code"] == 81044  # type: ignore[index]


def test_not_found_uses_the_cloudflare_envelope(edge: ServerHandle) -> None:
    req = urllib.request.Request(
        f"{edge.url}/client/v4/accounts/{ACC}/load_balancers/pools/nope",
        headers={"Authorization": "Bearer sandbox-token"},
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=5)
    body = json.loads(info.value.read())
    assert info.value.code == 404 and info.value.headers["cf-ray"].endswith("-LCL")
    assert body["success"] is False and body["errors"][0]["code"] == 1003 and body["result"] is None


def test_missing_or_wrong_token_is_refused(edge: ServerHandle) -> None:
    with pytest.raises(cloudflare.PermissionDeniedError):
        sdk(edge, token="wrong").load_balancers.pools.list(account_id=ACC)
    req = urllib.request.Request(f"{edge.url}/client/v4/accounts/{ACC}/load_balancers/pools")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=5)
    assert info.value.code == 401


def test_state_is_persisted_to_the_state_file(tmp_path: Path) -> None:
    state = tmp_path / "edge.json"
    first = run_edge_api(0, token="t", state_file=state)
    try:
        cf = sdk(first, "t")
        cf.load_balancers.pools.create(account_id=ACC, name="aws", origins=[{"name": "a", "address": "h:1"}])
    finally:
        first.stop()
    assert [p["name"] for p in EdgeStore(path=state).find("pools", ACC)] == ["aws"]
    second = run_edge_api(0, token="t", state_file=state)
    try:
        assert [p.name for p in sdk(second, "t").load_balancers.pools.list(account_id=ACC)] == ["aws"]
    finally:
        second.stop()
