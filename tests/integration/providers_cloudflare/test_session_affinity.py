"""The load balancer's `session_affinity_attributes` (zero_downtime_failover) through our model and client."""

from __future__ import annotations

from typing import Any

import pytest

from multicloud_ctl import errors
from multicloud_ctl.local.jsonhttp import ServerHandle
from multicloud_ctl.providers.cloudflare.client import CloudflareClient
from multicloud_ctl.providers.cloudflare.models import LoadBalancer, Origin, SessionAffinityAttributes

pytestmark = pytest.mark.integration


def setup_lb(cf: CloudflareClient) -> tuple[str, str, str]:
    aws = cf.create_pool("aws", [Origin("aws", "127.0.0.1:7071")]).id
    azure = cf.create_pool("azure", [Origin("azure", "127.0.0.1:7072")]).id
    return aws, azure, cf.create_load_balancer("api.shop.local", [aws, azure], azure).id


def test_attributes_are_read_and_edited(cf_env: Any, edge: ServerHandle) -> None:
    cf = CloudflareClient(cf_env)
    aws, azure, lb_id = setup_lb(cf)
    assert cf.get_load_balancer(lb_id).zero_downtime_failover is None  # created without attributes
    lb = cf.edit_session_affinity_attributes(lb_id, SessionAffinityAttributes("temporary"))
    assert lb.session_affinity_attributes == SessionAffinityAttributes("temporary")
    assert cf.get_load_balancer(lb_id).zero_downtime_failover == "temporary"
    lb = cf.edit_load_balancer(
        lb_id, default_pools=[azure, aws], session_affinity_attributes=SessionAffinityAttributes("sticky")
    )
    assert (lb.default_pools, lb.zero_downtime_failover) == ((azure, aws), "sticky")
    listed = cf.find_load_balancer("api.shop.local")
    assert listed is not None and listed.zero_downtime_failover == "sticky"
    server: Any = edge.server
    stored = server.store.load_balancer_by_name("api.shop.local")
    assert stored is not None and stored["session_affinity_attributes"]["zero_downtime_failover"] == "sticky"
    # the API's own dict shape still passes through untouched
    assert (
        cf.edit_load_balancer(
            lb_id, session_affinity_attributes={"zero_downtime_failover": "none"}
        ).zero_downtime_failover
        == "none"
    )


def test_attributes_given_at_creation_are_parsed(cf_env: Any) -> None:
    cf = CloudflareClient(cf_env)
    aws = cf.create_pool("aws", []).id
    made = cf.create_load_balancer(
        "api.shop.local", [aws], aws, session_affinity_attributes={"zero_downtime_failover": "temporary"}
    )
    assert made.zero_downtime_failover == "temporary"
    assert cf.get_load_balancer(made.id).session_affinity_attributes.zero_downtime_failover == "temporary"


def test_dry_run_refuses_the_edit(cf_env: Any, edge: ServerHandle) -> None:
    _, _, lb_id = setup_lb(CloudflareClient(cf_env))
    dry = CloudflareClient(cf_env, dry_run=True)
    with pytest.raises(errors.DryRunViolation, match="PATCH"):
        dry.edit_session_affinity_attributes(lb_id, SessionAffinityAttributes("sticky"))
    assert (dry.guard.mutating, dry.guard.blocked) == (0, 1)
    assert CloudflareClient(cf_env).get_load_balancer(lb_id).zero_downtime_failover is None


def test_model_parsing_without_network() -> None:
    raw = {
        "id": "lb1",
        "name": "api",
        "default_pools": ["a"],
        "fallback_pool": "a",
        "session_affinity_attributes": {"zero_downtime_failover": "sticky", "drain_duration": 5},
    }
    assert LoadBalancer.from_api(raw).zero_downtime_failover == "sticky"
    bare = LoadBalancer.from_api({"id": "lb2", "default_pools": [], "fallback_pool": ""})
    assert bare.session_affinity_attributes == SessionAffinityAttributes() and bare.zero_downtime_failover is None
    assert SessionAffinityAttributes().to_api() == {}
    assert SessionAffinityAttributes("sticky").to_api() == {"zero_downtime_failover": "sticky"}
