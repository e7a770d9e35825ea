"""Deterministic, realistic cost data for the sandbox: 90 days x ~20 services per cloud.

`generate_rows(today)` is a pure function of (today, days, seed): weekday seasonality, a slow growth trend,
noise from a seeded RNG, reservations bought on the 1st of each month (so actual and amortized cost differ),
a warm standby in each cloud's secondary region, and two planted anomalies (an AWS Lambda spike 3 days ago,
an Azure Bandwidth spike 10 days ago) for `mcctl cost anomalies` to find.

Injection:
- moto's Cost Explorer answers one injected result per distinct query, in order, and then keeps answering
  that query the same way. So for each canonical query `mcctl cost` issues (last 7/14/30/60/90 days, grouped
  by region or by the tags), we inject its pages and immediately run that query once to bind them; a few spare
  copies of the 90-day pages answer other ranges (the client clips rows to the range asked for).
- Azure: the rows are posted to the sandbox ARM's Cost Management store (`/_mcctl/costmanagement/records`).
"""

from __future__ import annotations

import json
import random
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

# service -> (base USD/day, primary share, usage unit, units per USD, team)
AWS_PROFILE: dict[str, tuple[float, float, str, float, str]] = {
    "AWS Lambda": (38.0, 0.8, "Lambda-GB-Second", 60000.0, "platform"),
    "Amazon DynamoDB": (52.0, 0.8, "ReadCapacityUnit-Hrs", 4000.0, "data"),
    "Amazon Simple Storage Service": (24.0, 0.85, "GB-Mo", 43.0, "data"),
    "Amazon API Gateway": (19.0, 0.9, "Requests", 285000.0, "platform"),
    "Amazon CloudFront": (16.0, 1.0, "GB", 11.7, "platform"),
    "Amazon Cognito": (6.5, 1.0, "MAU", 1200.0, "identity"),
    "Amazon Simple Queue Service": (3.2, 0.85, "Requests", 8e6, "platform"),
    "Amazon Simple Notification Service": (1.4, 1.0, "Requests", 2.8e6, "platform"),
    "AmazonCloudWatch": (11.0, 0.8, "Metrics", 33.0, "sre"),
    "AWS Key Management Service": (2.1, 0.8, "Requests", 70000.0, "security"),
    "AWS Secrets Manager": (1.3, 0.8, "Secrets", 3.3, "security"),
    "Amazon Route 53": (2.6, 1.0, "Queries", 6.5e6, "sre"),
    "AWS Data Transfer": (21.0, 0.85, "GB", 11.1, "platform"),
    "Amazon ElastiCache": (14.0, 0.8, "Node-Hrs", 5.8, "platform"),
    "Amazon Elastic Container Registry (ECR)": (0.9, 1.0, "GB-Mo", 10.0, "platform"),
    "AWS Step Functions": (2.4, 1.0, "StateTransitions", 96000.0, "platform"),
    "Amazon EventBridge": (0.8, 1.0, "Events", 800000.0, "platform"),
    "AWS WAF": (4.7, 1.0, "Requests", 7.8e6, "security"),
    "AWS X-Ray": (1.6, 1.0, "Traces", 320000.0, "sre"),
    "AWS Backup": (5.3, 0.7, "GB-Mo", 106.0, "sre"),
}

AZURE_PROFILE: dict[str, tuple[float, float, str, float, str]] = {
    "Functions": (27.0, 0.8, "GB Seconds", 62500.0, "payments"),
    "SQL Database": (44.0, 0.75, "vCore Hours", 4.3, "data"),
    "Storage": (18.0, 0.85, "GB/Month", 54.0, "data"),
    "Service Bus": (9.5, 0.8, "Operations", 1.9e6, "platform"),
    "Bandwidth": (12.0, 0.85, "GB", 13.8, "platform"),
    "Azure Monitor": (6.0, 0.8, "GB", 2.6, "sre"),
    "Log Analytics": (8.4, 1.0, "GB", 3.0, "sre"),
    "Application Insights": (4.2, 1.0, "GB", 1.8, "sre"),
    "Key Vault": (1.1, 0.8, "Operations", 36000.0, "security"),
    "Azure Cache for Redis": (12.5, 0.8, "Cache Hours", 7.4, "platform"),
    "Azure Front Door Service": (10.5, 1.0, "GB", 12.0, "platform"),
    "Virtual Network": (2.2, 0.8, "GB", 220.0, "platform"),
    "Azure DNS": (0.7, 1.0, "Queries", 1.75e6, "sre"),
    "Event Grid": (0.6, 1.0, "Operations", 1e6, "platform"),
    "Azure App Service": (7.8, 0.8, "Hours", 54.0, "payments"),
    "Backup": (3.9, 0.7, "GB/Month", 78.0, "sre"),
    "Microsoft Defender for Cloud": (5.0, 1.0, "Node Hours", 72.0, "security"),
    "Container Registry": (0.8, 1.0, "Days", 5.0, "platform"),
    "Load Balancer": (3.0, 0.8, "Hours", 120.0, "platform"),
    "API Management": (9.0, 1.0, "Units", 0.2, "payments"),
}

RESERVED = {"Amazon DynamoDB": 0.45, "SQL Database": 0.5}  # share of the month paid up front on day 1
ANOMALIES = {("aws", "AWS Lambda"): (3, 4.2), ("azure", "Bandwidth"): (10, 3.5)}  # days ago, factor
GLOBAL_SERVICES = {"Amazon CloudFront", "Amazon Route 53", "AWS WAF", "Azure Front Door Service", "Azure DNS"}


@dataclass(frozen=True)
class SeedRow:
    """One day x cloud x service x region of seeded cost."""

    cloud: str
    day: date
    service: str
    region: str
    billed: float
    effective: float
    quantity: float
    unit: str
    tags: dict[str, str] = field(default_factory=dict)
    currency: str = "USD"


def generate_rows(
    today: date,
    *,
    days: int = 90,
    seed: int = 7,
    currency: str = "USD",
    regions: dict[str, tuple[str, str]] | None = None,
) -> list[SeedRow]:
    """The seeded rows for the `days` days ending with `today` (deterministic)."""
    regions = regions or {"aws": ("us-east-1", "us-west-2"), "azure": ("eastus", "westus")}
    rng = random.Random(seed)
    rows: list[SeedRow] = []
    first = today - timedelta(days=days - 1)
    for cloud, profile in (("aws", AWS_PROFILE), ("azure", AZURE_PROFILE)):
        primary, secondary = regions[cloud]
        for service, (base, share, unit, per_usd, team) in profile.items():
            jitter = 1 + rng.uniform(-0.15, 0.15)
            reserved = RESERVED.get(service, 0.0)
            for i in range(days):
                day = first + timedelta(days=i)
                weekly = 1.0 + (0.12 if day.weekday() < 5 else -0.18)
                trend = 1.0 + 0.0025 * i
                noise = 1.0 + rng.gauss(0, 0.05)
                daily = base * jitter * weekly * trend * max(noise, 0.6)
                spike = ANOMALIES.get((cloud, service))
                if spike and (today - day).days == spike[0]:
                    daily *= spike[1]
                split = (
                    ((primary, share), (secondary, 1 - share)) if service not in GLOBAL_SERVICES else (("global", 1.0),)
                )
                for region, part in split:
                    if part <= 0:
                        continue
                    effective = daily * part
                    billed = effective
                    if reserved:
                        month_days = _days_in_month(day)
                        upfront = base * jitter * part * reserved * month_days
                        billed = effective * (1 - reserved) + (upfront if day.day == 1 else 0.0)
                    rows.append(
                        SeedRow(
                            cloud,
                            day,
                            service,
                            region,
                            round(billed, 6),
                            round(effective, 6),
                            round(effective * per_usd, 3),
                            unit,
                            {"team": team, "env": "prod" if region != secondary else "standby"},
                            currency,
                        )
                    )
    return rows


def _days_in_month(day: date) -> int:
    nxt = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return (nxt - day.replace(day=1)).days


def ce_pages(
    rows: list[SeedRow], start: date, end: date, *, tag_key: str | None = None, days_per_page: int = 45
) -> list[dict[str, Any]]:
    """Cost Explorer `get_cost_and_usage` pages (with NextPageToken) for the AWS rows in [start, end)."""
    by_day: dict[date, dict[tuple[str, str], list[float]]] = defaultdict(dict)
    units: dict[str, str] = {}
    for r in rows:
        if r.cloud != "aws" or not start <= r.day < end:
            continue
        second = f"{tag_key}${r.tags.get(tag_key, '')}" if tag_key else ("global" if r.region == "global" else r.region)
        units[r.service] = r.unit
        acc = by_day[r.day].setdefault((r.service, second), [0.0, 0.0, 0.0])
        acc[0] += r.billed
        acc[1] += r.effective
        acc[2] += r.quantity
    results = []
    day = start
    while day < end:
        groups = [
            {
                "Keys": [svc, second],
                "Metrics": {
                    "UnblendedCost": {"Amount": f"{v[0]:.10f}", "Unit": "USD"},
                    "AmortizedCost": {"Amount": f"{v[1]:.10f}", "Unit": "USD"},
                    # one usage type per seeded service, so Cost Explorer names its unit ("N/A" is for mixed units)
                    "UsageQuantity": {"Amount": f"{v[2]:.4f}", "Unit": units.get(svc, "N/A")},
                },
            }
            for (svc, second), v in sorted(by_day.get(day, {}).items())
        ]
        results.append(
            {
                "TimePeriod": {"Start": day.isoformat(), "End": (day + timedelta(days=1)).isoformat()},
                "Total": {},
                "Groups": groups,
                "Estimated": day >= end - timedelta(days=1),
            }
        )
        day += timedelta(days=1)
    pages = []
    chunks = [results[i : i + days_per_page] for i in range(0, len(results), days_per_page)] or [[]]
    for n, chunk in enumerate(chunks):
        page: dict[str, Any] = {
            "GroupDefinitions": [],
            "ResultsByTime": chunk,
            "DimensionValueAttributes": [],
        }
        if n + 1 < len(chunks):
            page["NextPageToken"] = f"seed-page-{n + 1}"
        pages.append(page)
    return pages


def arm_records(rows: list[SeedRow], subscription: str) -> list[dict[str, Any]]:
    """The Azure rows in the sandbox Cost Management store's record format."""
    return [
        {
            "date": r.day.isoformat(),
            "subscription": subscription,
            "service": r.service,
            "location": r.region,
            "resource_group": "mcctl-local",
            "actual": r.billed,
            "amortized": r.effective,
            "quantity": r.quantity,
            "unit": r.unit,
            "currency": r.currency,
            "tags": r.tags,
        }
        for r in rows
        if r.cloud == "azure"
    ]


def post_json(url: str, payload: Any, timeout: float = 30.0, headers: dict[str, str] | None = None) -> Any:
    """POST JSON to a sandbox control endpoint on 127.0.0.1 and return the decoded answer (if any)."""
    if not url.startswith("http://127.0.0.1"):
        raise ValueError(f"refusing to seed a non-loopback endpoint: {url}")
    req = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        body = resp.read()
    return json.loads(body) if body.strip() else None


def load_arm_cost(arm_url: str, records: list[dict[str, Any]]) -> Any:
    """Replace the sandbox ARM's Cost Management records (ARM wants a bearer token and an api-version)."""
    return post_json(
        f"{arm_url.rstrip('/')}/_mcctl/costmanagement/records?api-version=sandbox",
        {"records": records, "replace": True},
        headers={"Authorization": "Bearer sandbox-token"},
    )


def inject_ce(moto_url: str, pages: list[dict[str, Any]], account_id: str) -> None:
    """Queue results in moto's Cost Explorer (each answers one distinct query, in order)."""
    post_json(f"{moto_url}/moto-api/static/ce/cost-and-usage-results", {"results": pages, "account_id": account_id})
