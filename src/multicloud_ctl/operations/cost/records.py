"""One normalized charge (`CostRecord`), the dataset of a report, and the FOCUS 1.2 row it becomes.

Both sources (Cost Explorer, Cost Management) are reduced to `CostRecord`s: one charge period (a day or a
month) x provider x service x region (x tag value when grouped by a tag). Amounts are floats internally
(fast enough for 90 days x 40 services x 2 clouds) and rendered with fixed precision. The mapping to FOCUS is
stated once here:

- BilledCost = AWS UnblendedCost / Azure ActualCost; EffectiveCost = AWS AmortizedCost / Azure AmortizedCost.
- ListCost and ContractedCost: neither query API returns list or contracted prices, so both equal BilledCost
  (a documented approximation; the CUR / FOCUS exports carry the real values).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
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


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _iso(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _money(value: float) -> str:
    return f"{value:.10f}".rstrip("0").rstrip(".") if value else "0"


def to_focus_row(record: CostRecord, *, account_names: dict[str, str] | None = None) -> dict[str, Any]:
    """The FOCUS 1.2 row for one record (every column present; nulls as None)."""
    fixed = PROVIDERS[record.cloud]
    category, subcategory = service_category(record.cloud, record.service)
    is_tax = record.service == "Tax"
    billing_start = _month_start(record.start)
    name = (account_names or {}).get(record.account_id)
    billed = _money(record.billed)
    row: dict[str, Any] = dict.fromkeys(FOCUS_COLUMN_NAMES)
    row.update(
        {
            "BilledCost": billed,
            "BillingAccountId": record.account_id,
            "BillingAccountName": name,
            "BillingAccountType": fixed["BillingAccountType"],
            "BillingCurrency": record.currency,
            "BillingPeriodEnd": _iso(_next_month(billing_start)),
            "BillingPeriodStart": _iso(billing_start),
            "ChargeCategory": "Tax" if is_tax else "Usage",
            "ChargeDescription": f"{record.service} {'tax' if is_tax else 'usage'}"
            + (f" in {record.region}" if record.region else ""),
            "ChargeFrequency": "Recurring" if is_tax else "Usage-Based",
            "ChargePeriodEnd": _iso(record.end),
            "ChargePeriodStart": _iso(record.start),
            # a quantity summed over mixed units (Cost Explorer's "N/A") means nothing: null both then
            "ConsumedQuantity": _money(record.quantity)
            if record.quantity is not None and record.unit
            else None,
            "ConsumedUnit": record.unit if record.quantity is not None and record.unit else None,
            "ContractedCost": billed,
            "EffectiveCost": _money(record.effective),
            "InvoiceIssuerName": fixed["InvoiceIssuerName"],
            "ListCost": billed,
            "ProviderName": fixed["ProviderName"],
            "PublisherName": fixed["PublisherName"],
            "RegionId": record.region,
            "RegionName": region_name(record.region),
            "ServiceCategory": category,
            "ServiceName": record.service,
            "ServiceSubcategory": subcategory,
            "SubAccountId": record.account_id,
            "SubAccountName": name,
            "SubAccountType": fixed["SubAccountType"],
            "Tags": json.dumps(record.tags, sort_keys=True, separators=(",", ":")),
        }
    )
    return row
