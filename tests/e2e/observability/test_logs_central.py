"""`mcctl logs ship` + `mcctl logs query --trace-id`: one order's log lines of both clouds, merged in time
order from the central store (Logs Ingestion API -> Log Analytics on the fake ARM); CloudWatch directly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from obs_support import Shop, eventually, place_order

pytestmark = pytest.mark.e2e
PLAYBOOK = str(Path(__file__).resolve().parents[3] / "playbooks" / "observability.yaml")


def test_logs_of_one_order_from_both_clouds(shop: Shop, boto: Any, cli: Any) -> None:
    order_id, trace_id = place_order(shop, boto)
    base = ("--config-dir", str(shop.config_dir), "--output", "json")

    dry = cli(*base, "logs", "ship", "--dry-run", "--playbook", PLAYBOOK)
    assert dry.exit_code == 0, dry.stderr
    assert json.loads(dry.stdout)["dry_run"] is True

    def shipped_both() -> Any:
        res = cli(*base, "--yes", "logs", "ship", "--playbook", PLAYBOOK)
        assert res.exit_code == 0, res.stderr
        q = cli(*base, "logs", "query", "--trace-id", trace_id, "--playbook", PLAYBOOK)
        assert q.exit_code == 0, q.stderr
        rows = json.loads(q.stdout)
        services = {(r["cloud"], r["service"]) for r in rows}
        wanted = {("aws", "order-service"), ("azure", "payment-processor")}
        return rows if wanted <= services else None

    rows = eventually(shipped_both)
    assert {r["trace_id"] for r in rows} == {trace_id}
    assert [r["timestamp"] for r in rows] == sorted(r["timestamp"] for r in rows)
    post = next(r for r in rows if r["message"].startswith("POST /orders"))
    assert post["cloud"] == "aws" and post["order_id"] == order_id and post["extra"]["http_status"] == 201
    assert any(r["cloud"] == "azure" and r["order_id"] == order_id for r in rows)

    again = cli(*base, "--yes", "logs", "ship", "--playbook", PLAYBOOK)  # the checkpoint: nothing twice
    assert again.exit_code == 0
    q = json.loads(cli(*base, "logs", "query", "--trace-id", trace_id, "--playbook", PLAYBOOK).stdout)
    keys = [(r["timestamp"], r["cloud"], r["message"], r["extra"].get("span_id")) for r in q]
    assert len(keys) == len(set(keys)) and len(q) >= len(rows)

    direct = cli(*base, "logs", "query", "--source", "cloudwatch", "--trace-id", trace_id, "--playbook", PLAYBOOK)
    assert direct.exit_code == 0
    cw_rows = json.loads(direct.stdout)
    assert cw_rows and {r["cloud"] for r in cw_rows} == {"aws"}

    grep = cli(*base, "logs", "query", "--grep", "post /ORDERS", "--service", "order-service", "--playbook", PLAYBOOK)
    assert any(r["order_id"] == order_id for r in json.loads(grep.stdout))
    follow = cli(
        *base,
        "logs",
        "query",
        "--trace-id",
        trace_id,
        "--follow",
        "--rounds",
        "2",
        "--interval",
        "0",
        "--playbook",
        PLAYBOOK,
    )
    first, second = [json.loads(doc) for doc in follow.stdout.replace("]\n[", "]\0[").split("\0")]
    assert len(first) == len(q) and second == []  # the second poll asks only for lines after the last one
    table = cli("--config-dir", str(shop.config_dir), "logs", "query", "--trace-id", trace_id, "--playbook", PLAYBOOK)
    assert table.exit_code == 0 and "payment-processor" in table.stdout


def test_bad_since_is_a_usage_error(shop: Shop, cli: Any) -> None:
    res = cli("--config-dir", str(shop.config_dir), "logs", "query", "--since", "yesterday", "--playbook", PLAYBOOK)
    assert res.exit_code == 2 and "--since" in res.stderr
