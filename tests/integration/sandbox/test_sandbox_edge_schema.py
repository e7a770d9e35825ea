"""The fake Cloudflare API refuses what Cloudflare's published request schemas refuse (through the real SDK)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import cloudflare
import pytest

from multicloud_ctl.local.jsonhttp import ServerHandle

pytestmark = [pytest.mark.integration, pytest.mark.violations_expected]  # every test here plants a refused body
ACC, ZONE = "acc1", "zone1"


def sdk(edge: ServerHandle) -> cloudflare.Cloudflare:
    return cloudflare.Cloudflare(api_token="sandbox-token", base_url=f"{edge.url}/client/v4", max_retries=0)


def refused(call: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The first error of the 400 answer `call` gets."""
    with pytest.raises(cloudflare.BadRequestError) as info:
        call(*args, **kwargs)
    body = info.value.body
    assert isinstance(body, dict) and body["success"] is False and body["result"] is None
    return dict(body["errors"][0])


def pool(cf: cloudflare.Cloudflare, **origin: Any) -> Any:
    return cf.load_balancers.pools.create(
        account_id=ACC, name="aws", origins=[{"name": "a", "address": "127.0.0.1:7071", **origin}]
    )


def test_a_bad_monitor_type_is_refused(edge: ServerHandle) -> None:
    monitors = sdk(edge).load_balancers.monitors
    error = refused(monitors.create, account_id=ACC, type="bogus", expected_codes="200")  # type: ignore[arg-type]
    assert error["code"] == 1002 and error["message"].startswith("type: 'bogus' is not one of ['http', 'https'")
    assert edge.server.store.find("monitors", ACC) == []


@pytest.mark.parametrize("kind", ["http", "https"])
def test_an_http_monitor_needs_expected_codes(edge: ServerHandle, kind: str) -> None:
    monitors = sdk(edge).load_balancers.monitors
    error = refused(monitors.create, account_id=ACC, type=kind, path="/health")  # type: ignore[arg-type]
    assert error == {"code": 1002, "message": "'expected_codes' is a required property"}
    refused(monitors.create, account_id=ACC, path="/health")  # no type: the default is http
    mon = monitors.create(account_id=ACC, type=kind, path="/health", expected_codes="2xx")  # type: ignore[arg-type]
    refused(monitors.update, mon.id, account_id=ACC, type=kind, path="/")  # type: ignore[arg-type]
    assert monitors.edit(mon.id, account_id=ACC, interval=30).expected_codes == "2xx"  # a patch keeps them


def test_a_tcp_monitor_needs_no_expected_codes(edge: ServerHandle) -> None:
    mon = sdk(edge).load_balancers.monitors.create(account_id=ACC, type="tcp", port=5432)
    assert mon.type == "tcp"


def test_an_origin_weight_above_one_is_refused(edge: ServerHandle) -> None:
    cf = sdk(edge)
    error = refused(pool, cf, weight=5)
    assert error == {"code": 1002, "message": "origins.0.weight: 5 is greater than the maximum of 1"}
    made = pool(cf, weight=0.25)
    bad = [{"name": "a", "address": "127.0.0.1:7071", "weight": 5}]
    refused(cf.load_balancers.pools.edit, made.id, account_id=ACC, origins=bad)
    refused(cf.load_balancers.pools.update, made.id, account_id=ACC, name="aws", origins=bad)
    assert cf.load_balancers.pools.get(made.id, account_id=ACC).origins[0].weight == 0.25  # type: ignore[index]


@pytest.mark.parametrize("ttl", [5, 0, 29, 86401])
def test_a_dns_ttl_outside_1_or_30_to_86400_is_refused(edge: ServerHandle, ttl: int) -> None:
    records = sdk(edge).dns.records
    error = refused(records.create, zone_id=ZONE, type="A", name="api.shop.local", content="127.0.0.1", ttl=ttl)
    assert (error["code"], error["message"]) == (1004, "DNS Validation Error")
    assert error["error_chain"][0]["code"] == 9021 and error["error_chain"][0]["message"].startswith(f"ttl: {ttl} ")
    assert edge.server.store.find("dns_records", ZONE) == []


@pytest.mark.parametrize("ttl", [1, 30, 3600, 86400])
def test_a_dns_ttl_of_1_or_30_to_86400_is_accepted(edge: ServerHandle, ttl: int) -> None:
    rec = sdk(edge).dns.records.create(zone_id=ZONE, type="A", name="api.shop.local", content="127.0.0.1", ttl=ttl)
    assert rec.ttl == ttl


def test_an_a_record_needs_an_ipv4_address(edge: ServerHandle) -> None:
    records = sdk(edge).dns.records
    error = refused(records.create, zone_id=ZONE, type="A", name="api.shop.local", content="api.shop.local", ttl=1)
    assert error["error_chain"] == [{"code": 1004, "message": "content: 'api.shop.local' is not a 'ipv4'"}]


def test_a_bogus_steering_policy_is_refused(edge: ServerHandle) -> None:
    cf = sdk(edge)
    made = pool(cf)
    lbs = cf.load_balancers
    args = {"zone_id": ZONE, "name": "api.shop.local", "default_pools": [made.id], "fallback_pool": made.id}
    error = refused(lbs.create, **args, steering_policy="bogus")
    assert error["code"] == 1002 and error["message"].startswith("steering_policy: 'bogus' is not one of ['off'")
    lb = lbs.create(**args, steering_policy="off")
    refused(lbs.edit, lb.id, zone_id=ZONE, steering_policy="bogus")  # type: ignore[arg-type]
    assert lbs.get(lb.id, zone_id=ZONE).steering_policy == "off"


def test_a_refusal_is_cloudflares_error_envelope(edge: ServerHandle) -> None:
    body = json.dumps({"name": "aws", "origins": [{"name": "a", "address": "h:1", "weight": 5}]}).encode()
    req = urllib.request.Request(
        f"{edge.url}/client/v4/accounts/{ACC}/load_balancers/pools",
        data=body,
        method="POST",
        headers={"Authorization": "Bearer sandbox-token", "Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=5)
    assert info.value.code == 400 and info.value.headers["cf-ray"].endswith("-LCL")
    assert json.loads(info.value.read()) == {
        "success": False,
        "errors": [{"code": 1002, "message": "origins.0.weight: 5 is greater than the maximum of 1"}],
        "messages": [],
        "result": None,
    }


def test_our_client_reports_the_dns_error_chain(edge_env: Any) -> None:
    from multicloud_ctl import errors
    from multicloud_ctl.providers.cloudflare.client import CloudflareClient

    with pytest.raises(errors.ProviderError) as info:
        CloudflareClient(edge_env).create_dns_record("A", "api.shop.local", "127.0.0.1", ttl=5)
    assert "DNS Validation Error: ttl: 5 is not valid under any of the given schemas" in str(info.value)
    assert info.value.status == 400
