"""The rate-limit rule kind over the real SDK call (`rulesets.phases.*("http_ratelimit")`), answered at the
SDK's httpx transport seam by a tiny rulesets endpoint (the sandbox edge does not serve /rulesets)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from multicloud_ctl.operations import provision

pytestmark = pytest.mark.integration
PATH = "/zones/{zone}/rulesets/phases/http_ratelimit/entrypoint"


class RulesetsEndpoint:
    """Cloudflare's entrypoint-ruleset wire format: 404 until the first PUT, then the stored rules."""

    def __init__(self, zone: str) -> None:
        self.path = PATH.format(zone=zone)
        self.rules: list[dict[str, Any]] | None = None
        self.puts = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith(self.path):
            return httpx.Response(404, json={"success": False, "errors": [{"code": 7003, "message": "no route"}]})
        if request.method == "PUT":
            self.puts += 1
            body = json.loads(request.content)
            self.rules = [{"id": f"r{i}", "version": "1", **r} for i, r in enumerate(body["rules"])]
        elif self.rules is None:
            return httpx.Response(
                404,
                json={
                    "success": False,
                    "errors": [{"code": 10003, "message": "not found"}],
                    "messages": [],
                    "result": None,
                },
                headers={"cf-ray": "ray-404"},
            )
        result = {
            "id": "rs1",
            "name": "default",
            "kind": "zone",
            "phase": "http_ratelimit",
            "version": "1",
            "last_updated": "2026-11-25T00:00:00Z",
            "rules": self.rules,
        }
        return httpx.Response(200, json={"success": True, "errors": [], "messages": [], "result": result})


def test_ratelimit_rule_created_kept_alongside_others_and_removed(local_env: Any, aws_spec: Any) -> None:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.providers.cloudflare.client import CloudflareClient

    endpoint = RulesetsEndpoint(local_env.cloudflare.zone_id)

    def runtime(dry_run: bool = False) -> Runtime:
        rt = Runtime(environment=local_env, dry_run=dry_run)
        client = CloudflareClient(
            local_env, rt.secrets, dry_run=dry_run, http_client=httpx.Client(transport=httpx.MockTransport(endpoint))
        )
        rt.__dict__["cloudflare"] = client  # the cached_property, built with the transport seam
        return rt

    spec = aws_spec("cf_ratelimit_rule")
    assert [p.action for p in provision.plan_resources(runtime(True), spec)] == ["create"]
    provision.apply(runtime(), spec)
    assert endpoint.rules is not None and len(endpoint.rules) == 1
    rule = endpoint.rules[0]
    assert rule["expression"] == '(http.host eq "api.shop.local")' and rule["action"] == "block"
    assert rule["ratelimit"]["requests_per_period"] == 600
    assert [p.action for p in provision.plan_resources(runtime(True), spec)] == ["noop"]

    endpoint.rules.insert(0, {"id": "x", "description": "someone else's", "expression": "true", "action": "log"})
    endpoint.rules[1]["ratelimit"]["requests_per_period"] = 5000  # changed behind our back
    items = provision.find_drift(runtime(True), spec)
    assert [(i.path, i.live, i.desired) for i in items] == [("ratelimit.requests_per_period", 5000, 600)]
    provision.apply(runtime(), spec)
    assert endpoint.rules[0]["description"] == "someone else's"  # other rules kept
    assert provision.find_drift(runtime(True), spec) == []

    from multicloud_ctl.engine.run import Operation, run

    rt = runtime()
    assert run(rt, Operation("provision destroy", lambda _rt: provision.destroy_plan(rt, spec))).status == "ok"
    assert [r["description"] for r in endpoint.rules] == ["someone else's"]
