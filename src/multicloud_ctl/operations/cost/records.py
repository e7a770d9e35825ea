"""One normalized charge (`CostRecord`), the dataset of a report, and the FOCUS 1.2 row it becomes.

Both sources (Cost Explorer, Cost Management) are reduced to `CostRecord`s: one charge period (a day or a
month) x provider x service x region (x tag value when grouped by a tag). Amounts are floats internally
(fast enough for 90 days x 40 services x 2 clouds) and rendered with fixed precision. The mapping to FOCUS is
stated once here:

- BilledCost = AWS UnblendedCost / Azure ActualCost; EffectiveCost = AWS AmortizedCost / Azure AmortizedCost.
- ListCost and ContractedCost: neither query API returns list or contracted prices (Cost Explorer's metrics are
  Amortized/Blended/NetAmortized/NetUnblended/Unblended cost and Usage/NormalizedUsage quantity; Cost
  Management's query sums Cost/PreTaxCost and UsageQuantity). Both are set to max(BilledCost, EffectiveCost):
  exact for on-demand usage (billed = amortized), and for commitment-covered usage the amortized cost is the
  lower bound of what the usage costs at list price, so the spec's List >= Contracted >= Effective holds.
- PricingQuantity/PricingUnit and ConsumedQuantity/ConsumedUnit = the source's usage quantity when it comes with
  one unit (Cost Explorer's UsageQuantity unit; "N/A" means mixed units). Cost Management's query returns no
  unit, so Azure rows leave them null; the validator reports those rows (FOCUS requires them for Usage).
- ListUnitPrice/ContractedUnitPrice = cost / PricingQuantity (the average unit price of the aggregated row;
  the APIs return no prices); null when the quantity is unknown or zero.
- SkuId = SkuPriceId = "<provider>/<service>/<unit>": the query APIs aggregate below the service, so this is
  the finest identifier the source gives (not a price-list SKU; a CUR / Cost Details source would carry those).
- PricingCategory: "Standard" when billed = effective; "Other" when a row mixes commitment-covered and
  on-demand usage (no CommitmentDiscountId is returned, so "Committed" cannot be stated).
- PricingCurrency = BillingCurrency and the PricingCurrency* columns equal the billing-currency values: the
  APIs price and bill in one currency; after a playbook conversion they keep the source currency and amounts.
- BillingAccountId = SubAccountId = the AWS account / the Azure subscription (the query APIs do not return the
  payer or billing-account id); the names come from the environment (`aws.account_name`,
  `azure.subscription_name`) and fall back to the id, since SubAccountName must not be null.
- Tags: the row's finalized tags as a JSON object, or null when the row carries none (region-grouped rows
  aggregate many resources, so "no tags known" is null, never `{}`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
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
    pricing_currency: str | None = None  # the source's currency when a playbook rate converted the amounts
    pricing_rate: float = 1.0  # billing amount = pricing amount x rate


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


def _price(value: float) -> str:
    """A unit price with every significant digit (prices per request or GB-second are tiny)."""
    return format(Decimal(repr(value)), "f")


_TEMPLATE: dict[str, Any] = dict.fromkeys(FOCUS_COLUMN_NAMES)


@lru_cache(maxsize=8192)
def _static_part(
    cloud: str, service: str, region: str | None, account_id: str, account_name: str | None
) -> dict[str, Any]:
    """Everything in a row that depends only on who and where (cached: rows repeat these every day)."""
    fixed = PROVIDERS[cloud]
    category, subcategory = service_category(cloud, service)
    is_tax = service == "Tax"
    name = account_name or account_id  # SubAccountName must not be null when SubAccountId is not
    row = dict(_TEMPLATE)
    row.update(
        {
            "BillingAccountId": account_id,
            "BillingAccountName": name,
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
            "SubAccountName": name,
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
def _tags_json(items: tuple[tuple[str, str], ...]) -> str | None:
    return json.dumps(dict(items), sort_keys=True, separators=(",", ":")) if items else None


def _pricing(row: dict[str, Any], record: CostRecord, listed: float) -> None:
    """The pricing columns of a Usage row (see the module docstring for where each value comes from)."""
    effective = record.effective
    row["PricingCategory"] = "Standard" if abs(record.billed - effective) < 1e-9 else "Other"
    row["SkuId"] = row["SkuPriceId"] = (
        f"{PROVIDERS[record.cloud]['ProviderName']}/{record.service}/{record.unit or '-'}"
    )
    rate = record.pricing_rate or 1.0
    row["PricingCurrency"] = record.pricing_currency or record.currency
    row["PricingCurrencyEffectiveCost"] = _money(effective / rate)
    if record.quantity is None or not record.unit:
        return  # no single unit: PricingQuantity and the unit prices cannot be stated (validator reports it)
    row["ConsumedQuantity"] = row["PricingQuantity"] = _money(record.quantity)
    row["ConsumedUnit"] = row["PricingUnit"] = record.unit
    if record.quantity > 0:
        unit_price = listed / record.quantity
        row["ListUnitPrice"] = row["ContractedUnitPrice"] = _price(unit_price)
        row["PricingCurrencyListUnitPrice"] = row["PricingCurrencyContractedUnitPrice"] = _price(unit_price / rate)


def to_focus_row(record: CostRecord, *, account_names: dict[str, str] | None = None) -> dict[str, Any]:
    """The FOCUS 1.2 row for one record (every column present; nulls as None)."""
    name = account_names.get(record.account_id) if account_names else None
    row = dict(_static_part(record.cloud, record.service, record.region, record.account_id, name))
    row.update(_period_part(record.start, record.end))
    listed = max(record.billed, record.effective)
    row["BilledCost"] = _money(record.billed)
    row["ListCost"] = row["ContractedCost"] = _money(listed)
    row["EffectiveCost"] = _money(record.effective)
    row["BillingCurrency"] = record.currency
    row["Tags"] = _tags_json(tuple(sorted(record.tags.items())))
    if row["ChargeCategory"] == "Tax":
        # Tax rows: the priced columns MUST be null; PricingCurrency and its effective cost MUST NOT be
        row["PricingCurrency"] = record.pricing_currency or record.currency
        row["PricingCurrencyEffectiveCost"] = _money(record.effective / (record.pricing_rate or 1.0))
    else:
        _pricing(row, record, listed)
    return row
