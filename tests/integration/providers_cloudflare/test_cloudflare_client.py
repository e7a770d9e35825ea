"""CloudflareClient against the fake edge: typed results, error mapping with cf-ray, the dry-run guard."""

from __future__ import annotations

from typing import Any

import pytest

from multicloud_ctl import errors
from multicloud_ctl.local.faults import arm_fault
from multicloud_ctl.local.jsonhttp import ServerHandle
from multicloud_ctl.providers.cloudflare.client import CloudflareClient
from multicloud_ctl.providers.cloudflare.models import Origin

pytestmark = pytest.mark.integration


def setup_lb(cf: CloudflareClient) -> tuple[str, str, str]:
    mon = cf.create_monitor(type="http", path="/health", expected_codes="200", interval=5)
    aws = cf.create_pool("aws", [Origin("aws", "127.0.0.1:7071")], monitor=mon.id)
    azure = cf.create_pool("azure", [Origin("azure", "127.0.0.1:7072")], monitor=mon.id)
    lb = cf.create_load_balancer("api.shop.local", [aws.id, azure.id], azure.id, steering_policy="off")
    return aws.id, azure.id, lb.id


def test_failover_shaped_calls_round_trip(cf_env: Any, edge: ServerHandle) -> None:
    cf = CloudflareClient(cf_env)
    aws, azure, lb_id = setup_lb(cf)
    assert cf.find_load_balancer("api") is not None and cf.find_pool("azure").id == azure  # type: ignore[union-attr]
    lb = cf.edit_load_balancer(lb_id, default_pools=[azure, aws])
    assert lb.default_pools == (azure, aws) and lb.fallback_pool == azure
    assert cf.edit_pool(aws, enabled=False).enabled is False
    assert cf.pool_health(aws).healthy is False
    edge.server.store.set_origin_health(azure, "127.0.0.1:7072", False)
    health = cf.pool_health(azure)
    assert (health.pool_id, health.healthy, health.origins) == (azure, False, {"127.0.0.1:7072": False})
    pool = cf.update_pool(aws, "aws", [Origin("aws-2", "127.0.0.1:9000", weight=0.5)])
    assert pool.origins == (Origin("aws-2", "127.0.0.1:9000", True, 0.5),) and pool.enabled is True
    assert cf.get_monitor(cf.list_monitors()[0].id).path == "/health"


def test_dns_record_calls(cf_env: Any) -> None:
    cf = CloudflareClient(cf_env)
    rec = cf.create_dns_record("CNAME", "www.shop.local", "api.shop.local", proxied=True)
    assert (rec.type, rec.content, rec.proxied) == ("CNAME", "api.shop.local", True)
    assert [r.id for r in cf.list_dns_records(name="www.shop.local")] == [rec.id]
    assert cf.edit_dns_record(rec.id, content="other.shop.local").content == "other.shop.local"
    assert cf.update_dns_record(rec.id, "A", "www.shop.local", "127.0.0.1").type == "A"
    cf.delete_dns_record(rec.id)
    assert cf.list_dns_records() == []


def test_not_found_maps_with_the_cf_ray(cf_env: Any) -> None:
    with pytest.raises(errors.NotFound) as info:
        CloudflareClient(cf_env).get_pool("missing")
    assert info.value.request_id and info.value.request_id.endswith("-LCL") and info.value.status == 404


def test_bad_token_maps_to_auth_error(cf_env: Any) -> None:
    env = cf_env.model_copy(
        update={"cloudflare": cf_env.cloudflare.model_copy(update={"api_token": "literal-dev:wrong-token"})}
    )
    with pytest.raises(errors.AuthError) as info:
        CloudflareClient(env).list_pools()
    assert "wrong-token" not in str(info.value)


def test_rate_limit_maps_to_throttled_after_retries(cf_env: Any, edge: ServerHandle) -> None:
    arm_fault(edge.url, r"/pools$", status=429, count=5, retry_after=0)
    with pytest.raises(errors.Throttled):
        CloudflareClient(cf_env, max_retries=1).list_pools()
    arm_fault(edge.url, r"/monitors$", status=503, count=1)
    assert CloudflareClient(cf_env, max_retries=1).list_monitors() == []  # one 503, retried


def test_dry_run_makes_zero_mutating_calls(cf_env: Any, edge: ServerHandle) -> None:
    aws, azure, lb_id = setup_lb(CloudflareClient(cf_env))
    dry = CloudflareClient(cf_env, dry_run=True)
    assert len(dry.list_pools()) == 2 and dry.get_load_balancer(lb_id).default_pools == (aws, azure)
    with pytest.raises(errors.DryRunViolation, match="PATCH"):
        dry.edit_load_balancer(lb_id, default_pools=[azure, aws])
    with pytest.raises(errors.DryRunViolation, match="POST"):
        dry.create_pool("x", [Origin("x", "h:1")])
    with pytest.raises(errors.DryRunViolation, match="DELETE"):
        dry.delete_dns_record("any")
    assert (dry.guard.mutating, dry.guard.blocked) == (0, 3)
    assert edge.server.store.load_balancer_by_name("api.shop.local")["default_pools"] == [aws, azure]  # type: ignore[index]


def test_unreachable_api_maps_to_endpoint_unreachable(cf_env: Any) -> None:
    from multicloud_ctl.local.processes import free_port

    env = cf_env.model_copy(
        update={
            "cloudflare": cf_env.cloudflare.model_copy(update={"base_url": f"http://127.0.0.1:{free_port()}/client/v4"})
        }
    )
    with pytest.raises(errors.EndpointUnreachable):
        CloudflareClient(env, max_retries=0).list_pools()


def test_the_monitor_timeout_reaches_the_api(cf_env: Any, edge: ServerHandle) -> None:
    """`timeout` is the probe's timeout in the monitor body, not the SDK's HTTP request timeout."""
    cf = CloudflareClient(cf_env)
    mon = cf.create_monitor(type="http", path="/health", expected_codes="200", interval=10, timeout=2)
    assert mon.timeout == 2 and edge.server.store.get("monitors", cf.account_id, mon.id)["timeout"] == 2
    assert cf.edit_monitor(mon.id, timeout=3).timeout == 3
    replaced = cf.update_monitor(mon.id, type="http", path="/health", expected_codes="200", timeout=4)
    assert replaced.timeout == 4 and cf.get_monitor(mon.id).timeout == 4


def test_clients_share_one_verifying_tls_context(cf_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx loads a CA bundle for every client it builds; ours share one context per process (and per
    SSL_CERT_FILE/SSL_CERT_DIR), which still verifies certificates and host names."""
    import ssl

    import certifi

    from multicloud_ctl.providers.cloudflare.client import tls_context

    def context_of(cf: CloudflareClient) -> ssl.SSLContext:
        return cf.sdk._client._transport._pool._ssl_context  # type: ignore[attr-defined]  # httpx -> httpcore

    first, second = CloudflareClient(cf_env), CloudflareClient(cf_env)
    assert first.list_monitors() == [] and second.list_monitors() == []  # both work against the fake edge
    shared = context_of(first)
    assert context_of(second) is shared and tls_context() is shared
    assert shared.verify_mode == ssl.CERT_REQUIRED and shared.check_hostname is True
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())
    other = tls_context()
    assert other is not shared and context_of(CloudflareClient(cf_env)) is other
