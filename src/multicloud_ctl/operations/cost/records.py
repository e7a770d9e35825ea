"""One normalized charge (`CostRecord`), the dataset of a report, and the FOCUS 1.2 row it becomes.

Both sources (Cost Explorer, Cost Management) are reduced to `CostRecord`s: one charge period (a day or a
month) x provider x service x region (x tag value when grouped by a tag). Amounts are floats internally
(fast enough for 90 days x 40 services x 2 clouds) and rendered with fixed precision. The mapping to FOCUS is
stated once here:

- BilledCost = AWS UnblendedCost / Azure ActualCost; EffectiveCost = AWS AmortizedCost / Azure AmortizedCost.
- ListCost and ContractedCost: neither query API returns list or contracted prices, so both equal BilledCost
  (a documented approximation; the CUR / FOCUS exports carry the real values).
- BillingAccountId = SubAccountId = the AWS account / the Azure subscription: the query APIs do not return the
  payer or billing-account id. PricingQuantity/PricingUnit are null (aggregated rows have no single price).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from multicloud_ctl.operations.cost.catalog import region_name, service_category
from multicloud_ctl.operations.cost.focus_spec import FOCUS_COLUMN_NAMES

PROVIDERS = {
    "aws": {
        "ProviderName": "AWS",
        "PublisherName": "AWS",
        "InvoiceIssuerName": "AWS",
        "BillingAccountType": "Billing Account",
        "SubAccountType": "Linked Account",
    },
    "azure": {
        "ProviderName": "Microsoft",
        "PublisherName": "Microsoft",
        "InvoiceIssuerName": "Microsoft",
        "BillingAccountType": "Billing Account",
        "SubAccountType": "Subscription",
    },
}


@dataclass(slots=True)
class CostRecord:
    """One charge: a period x provider x service x region, with billed and effective cost."""

    cloud: str  # "aws" | "azure"
    start: date  # ChargePeriodStart (inclusive)
    end: date  # ChargePeriodEnd (exclusive)
    service: str
    region: str | None
    account_id: str
    billed: float
    effective: float
    currency: str
    tags: dict[str, str] = field(default_factory=dict)
    quantity: float | None = None
    unit: str | None = None


@dataclass
class CostDataset:
    """What a report is built from: the records, the period asked for, and notes per source."""

    start: date
    end: date  # exclusive
    granularity: str  # "daily" | "monthly"
    records: list[CostRecord]
    sources: dict[str, str] = field(default_factory=dict)  # cloud -> "ok" | error text
    warnings: list[str] = field(default_factory=list)

    @property
    def currencies(self) -> list[str]:
        return sorted({r.currency for r in self.records})


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _iso(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _money(value: float) -> str:
    return f"{value:.10f}".rstrip("0").rstrip(".") if value else "0"


_TEMPLATE: dict[str, Any] = dict.fromkeys(FOCUS_COLUMN_NAMES)


@lru_cache(maxsize=8192)
def _static_part(
    cloud: str, service: str, region: str | None, account_id: str, account_name: str | None
) -> dict[str, Any]:
    """Everything in a row that depends only on who and where (cached: rows repeat these every day)."""
    fixed = PROVIDERS[cloud]
    category, subcategory = service_category(cloud, service)
    is_tax = service == "Tax"
    row = dict(_TEMPLATE)
    row.update(
        {
            "BillingAccountId": account_id,
            "BillingAccountName": account_name,
            "BillingAccountType": fixed["BillingAccountType"],
            "ChargeCategory": "Tax" if is_tax else "Usage",
            "ChargeDescription": f"{service} {'tax' if is_tax else 'usage'}" + (f" in {region}" if region else ""),
            "ChargeFrequency": "Recurring" if is_tax else "Usage-Based",
            "InvoiceIssuerName": fixed["InvoiceIssuerName"],
            "ProviderName": fixed["ProviderName"],
            "PublisherName": fixed["PublisherName"],
            "RegionId": region,
            "RegionName": region_name(region),
            "ServiceCategory": category,
            "ServiceName": service,
            "ServiceSubcategory": subcategory,
            "SubAccountId": account_id,
            "SubAccountName": account_name,
            "SubAccountType": fixed["SubAccountType"],
        }
    )
    return row


@lru_cache(maxsize=4096)
def _period_part(start: date, end: date) -> tuple[tuple[str, str], ...]:
    first = start.replace(day=1)
    return (
        ("BillingPeriodEnd", _iso(_next_month(first))),
        ("BillingPeriodStart", _iso(first)),
        ("ChargePeriodEnd", _iso(end)),
        ("ChargePeriodStart", _iso(start)),
    )


@lru_cache(maxsize=4096)
def _tags_json(items: tuple[tuple[str, str], ...]) -> str:
    return json.dumps(dict(items), sort_keys=True, separators=(",", ":"))


def to_focus_row(record: CostRecord, *, account_names: dict[str, str] | None = None) -> dict[str, Any]:
    """The FOCUS 1.2 row for one record (every column present; nulls as None)."""
    name = account_names.get(record.account_id) if account_names else None
    row = dict(_static_part(record.cloud, record.service, record.region, record.account_id, name))
    row.update(_period_part(record.start, record.end))
    billed = _money(record.billed)
    row["BilledCost"] = row["ListCost"] = row["ContractedCost"] = billed
    row["EffectiveCost"] = _money(record.effective)
    row["BillingCurrency"] = record.currency
    row["Tags"] = _tags_json(tuple(sorted(record.tags.items())))
    # a quantity summed over mixed units (Cost Explorer's "N/A") means nothing: null both then
    if record.quantity is not None and record.unit and record.service != "Tax":
        row["ConsumedQuantity"] = _money(record.quantity)
        row["ConsumedUnit"] = record.unit
    return row
