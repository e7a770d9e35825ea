"""One order placed in the sandbox is one trace with spans from both clouds (`mcctl trace show`)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from obs_support import Shop, eventually, place_order

pytestmark = pytest.mark.e2e


def test_one_order_is_one_trace_across_both_clouds(shop: Shop, boto: Any, cli: Any) -> None:
    order_id, trace_id = place_order(shop, boto)

    def both_clouds() -> Any:
        res = cli("--config-dir", str(shop.config_dir), "--output", "json", "trace", "show", trace_id)
        if res.exit_code != 0:
            return None
        data = json.loads(res.stdout)
        services = {(r["cloud"], r["service"]) for r in data["tree"]}
        needed = {("aws", "order-service"), ("azure", "payment-processor")}
        return data if needed <= services and any(r["name"] == "process payments" for r in data["tree"]) else None

    data = eventually(both_clouds)
    assert data["clouds"] == ["aws", "azure"]
    root = data["tree"][0]
    assert (root["depth"], root["name"], root["cloud"], root["kind"]) == (0, "POST /orders", "aws", "server")
    assert root["attributes"]["mcctl.order_id"] == order_id
    by_name = {r["name"]: r for r in data["tree"]}
    # AWS sends to `orders` (SQS attributes carry traceparent) -> Azure's payment-processor consumes it ...
    assert by_name["process orders"]["cloud"] == "azure" and by_name["process orders"]["depth"] >= 1
    # ... and publishes the outcome that AWS's order-service consumes: the trace came back across the boundary
    assert by_name["process payments"]["cloud"] == "aws"
    assert all(r["trace_id"] == trace_id for r in data["tree"])
    assert data["errors"] == 0

    table = cli("--config-dir", str(shop.config_dir), "trace", "show", trace_id)
    assert table.exit_code == 0 and "payment-processor" in table.stdout and "POST /orders" in table.stdout


def test_unknown_trace_is_not_found(shop: Shop, cli: Any) -> None:
    res = cli("--config-dir", str(shop.config_dir), "trace", "show", "0" * 32)
    assert res.exit_code == 1 and "no spans for trace" in res.stderr
    bad = cli("--config-dir", str(shop.config_dir), "trace", "show", "xyz")
    assert bad.exit_code == 2 and "not a trace id" in bad.stderr


def test_demo_step_summarises_the_latest_order(shop: Shop, boto: Any, cli: Any) -> None:
    from multicloud_ctl.operations.observability.demo import observability_demo_step

    class Ctx:  # the demo context's surface, over the in-process CLI
        environment = shop.env

        @staticmethod
        def mcctl_json(*args: str) -> Any:
            res = cli("--config-dir", str(shop.config_dir), "--output", "json", *args)
            assert res.exit_code == 0, res.stderr
            return json.loads(res.stdout)

    _, trace_id = place_order(shop, boto)
    summary = eventually(lambda: (s := observability_demo_step(Ctx())) and "aws, azure" in s.split(";")[2] and s)
    assert summary.startswith(f"trace {trace_id[:12]}") and "dashboard at" in summary
    assert (shop.env.env_state_dir / "dashboard.html").exists()
