"""Both cost sources against the sandbox over HTTP: moto's Cost Explorer (boto3) and the fake ARM's Cost
Management query (the real azure-mgmt-costmanagement SDK): pagination, throttling, permissions, currencies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from datetime import date, timedelta
from typing import Any

import pytest

from multicloud_ctl.config.specs.cost import CurrencyPolicy
from multicloud_ctl.errors import AuthError, Throttled
from multicloud_ctl.local.cost_seed import arm_records, ce_pages, generate_rows, inject_ce, load_arm_cost
from multicloud_ctl.local.faults import arm_fault
from multicloud_ctl.local.processes import free_port, stop_process, wait_http
from multicloud_ctl.operations.cost.currency import apply_currency_policy
from multicloud_ctl.operations.cost.fetch import CostSources
from multicloud_ctl.operations.cost.period import Period
from multicloud_ctl.operations.cost.report import build_report
from multicloud_ctl.operations.cost.sources import Grouping, fetch_aws, fetch_azure
from multicloud_ctl.providers.aws.cost_explorer import CostExplorer, ce_client

pytestmark = pytest.mark.integration

TODAY = date(2026, 3, 31)
PERIOD = Period(date(2026, 3, 2), date(2026, 4, 1))  # 30 days


@pytest.fixture(scope="module")
def rows() -> list[Any]:
    return generate_rows(TODAY, days=45)


def _sum(rows: list[Any], cloud: str, field: str) -> float:
    return sum(getattr(r, field) for r in rows if r.cloud == cloud and PERIOD.start <= r.day < PERIOD.end)


def test_aws_follows_next_page_token_across_pages(cost_env: Any, rows: list[Any]) -> None:
    pages = ce_pages(rows, PERIOD.start, PERIOD.end, days_per_page=7)
    assert len(pages) == 5 and all("NextPageToken" in p for p in pages[:-1])
    inject_ce(cost_env.endpoints().aws, pages, cost_env.aws.account_id)
    ce = CostExplorer(ce_client(cost_env))
    seen = list(ce.cost_and_usage(PERIOD.start, PERIOD.end))
    assert len(seen) == 5
    records, warnings = fetch_aws(ce, cost_env.aws.account_id, PERIOD, Grouping())
    assert warnings == []
    assert {r.start for r in records} == set(PERIOD.dates())
    assert sum(r.billed for r in records) == pytest.approx(_sum(rows, "aws", "billed"), rel=1e-9)
    assert sum(r.effective for r in records) == pytest.approx(_sum(rows, "aws", "effective"), rel=1e-9)
    assert {r.region for r in records} == {"us-east-1", "us-west-2", None}


def test_azure_follows_next_link_and_merges_actual_and_amortized(cost_env: Any, arm_cost: Any, rows: list[Any]) -> None:
    load_arm_cost(arm_cost.url, arm_records(rows, cost_env.azure.subscription_id))
    arm_cost.store.page_size = 100
    sources = CostSources.for_environment(cost_env, ("azure",))
    scope = f"subscriptions/{cost_env.azure.subscription_id}"
    pages = list(sources.azure.query(scope, PERIOD.start, PERIOD.end))
    assert len(pages) > 5 and all(len(p.rows) <= 100 for p in pages)
    records = fetch_azure(sources.azure, cost_env.azure.subscription_id, PERIOD, Grouping())
    assert sum(r.billed for r in records) == pytest.approx(_sum(rows, "azure", "billed"), rel=1e-6)
    assert sum(r.effective for r in records) == pytest.approx(_sum(rows, "azure", "effective"), rel=1e-6)
    sql = [r for r in records if r.service == "SQL Database"]
    assert sum(r.billed for r in sql) != pytest.approx(sum(r.effective for r in sql))  # reservation amortized


def test_azure_tag_grouping(cost_env: Any, arm_cost: Any, rows: list[Any]) -> None:
    load_arm_cost(arm_cost.url, arm_records(rows, cost_env.azure.subscription_id))
    sources = CostSources.for_environment(cost_env, ("azure",))
    records = fetch_azure(sources.azure, cost_env.azure.subscription_id, PERIOD, Grouping("team"))
    assert {r.tags.get("team") for r in records} == {"payments", "data", "platform", "sre", "security"}


def test_azure_429_retry_after_is_honoured_then_succeeds(cost_env: Any, arm_cost: Any, rows: list[Any]) -> None:
    load_arm_cost(arm_cost.url, arm_records(rows, cost_env.azure.subscription_id))
    arm_fault(arm_cost.url, "Microsoft.CostManagement/query", status=429, count=2, retry_after=0.2)
    sources = CostSources.for_environment(cost_env, ("azure",))
    records = fetch_azure(sources.azure, cost_env.azure.subscription_id, PERIOD, Grouping())
    assert sum(r.billed for r in records) == pytest.approx(_sum(rows, "azure", "billed"), rel=1e-6)
    with urllib.request.urlopen(f"{arm_cost.url}/_admin/faults") as resp:
        assert json.load(resp)["faults"] == []  # both 429s were consumed by retries


def test_azure_still_throttled_after_retries_is_one_error(cost_env: Any, arm_cost: Any) -> None:
    arm_fault(arm_cost.url, "Microsoft.CostManagement/query", status=429, count=50, retry_after=0.01)
    sources = CostSources.for_environment(cost_env, ("azure",))
    with pytest.raises(Throttled) as info:
        sources.fetch(PERIOD)
    assert "429" in info.value.message and "Retry-After" in info.value.message
    assert info.value.request_id


def test_azure_forbidden_is_auth_error_with_hint(cost_env: Any, arm_cost: Any) -> None:
    arm_cost.store.deny = True
    sources = CostSources.for_environment(cost_env, ("azure",))
    with pytest.raises(AuthError) as info:
        sources.fetch(PERIOD)
    assert "403" in info.value.message and "AuthorizationFailed" in info.value.message
    assert "Cost Management Reader" in (info.value.hint or "")


def test_aws_access_denied_is_auth_error_with_hint(local_env: Any) -> None:
    """A moto server that enforces IAM: a user without ce:GetCostAndUsage is refused."""
    import boto3

    port = free_port()
    env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="2")
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/moto-api/", proc=proc)
        iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1")
        iam.create_user(UserName="no-cost")
        key = iam.create_access_key(UserName="no-cost")["AccessKey"]
        client = boto3.client(
            "ce",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
        )
        with pytest.raises(AuthError) as info:
            list(CostExplorer(client).cost_and_usage(PERIOD.start, PERIOD.end))
        assert "AccessDenied" in info.value.message and "ce:GetCostAndUsage" in info.value.message
        assert "grant ce:GetCostAndUsage" in (info.value.hint or "")
        assert "<" not in info.value.message  # the emulator's XML is reduced to code + message
    finally:
        stop_process(proc)


def test_currency_mismatch_is_never_summed(cost_env: Any, arm_cost: Any, rows: list[Any]) -> None:
    eur = [dict(r, currency="EUR") for r in arm_records(rows, cost_env.azure.subscription_id)]
    load_arm_cost(arm_cost.url, eur)
    inject_ce(cost_env.endpoints().aws, ce_pages(rows, PERIOD.start, PERIOD.end), cost_env.aws.account_id)
    sources = CostSources.for_environment(cost_env)
    data = sources.fetch(PERIOD)
    assert data.currencies == ["EUR", "USD"]
    assert any("never summed" in w for w in data.warnings)
    report = build_report(data.records, PERIOD)
    totals = report.totals_by_currency()
    assert set(totals) == {"EUR", "USD"}
    assert totals["EUR"][0] == pytest.approx(_sum(rows, "azure", "billed"), rel=1e-6)
    assert totals["USD"][0] == pytest.approx(_sum(rows, "aws", "billed"), rel=1e-6)
    converted, notes = apply_currency_policy(data.records, CurrencyPolicy(mode="convert", rates={"EUR": 2.0}))
    assert {r.currency for r in converted} == {"USD"}
    assert sum(r.billed for r in converted) == pytest.approx(
        _sum(rows, "aws", "billed") + 2.0 * _sum(rows, "azure", "billed"), rel=1e-6
    )
    assert any("1 EUR = 2 USD" in n for n in notes)


def test_empty_range_gives_empty_dataset(cost_env: Any) -> None:
    data = CostSources.for_environment(cost_env).fetch(Period(TODAY - timedelta(days=6), TODAY + timedelta(days=1)))
    assert data.records == [] and set(data.sources) == {"aws", "azure"}
