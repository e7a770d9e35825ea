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

Scale: a year of 500 services x 2 clouds is ~580k records, so a record is kept small: its strings are shared
(`Interner`), records without tags share one read-only empty mapping, and a FOCUS row is built as a list in
column order (`focus_values`) and written out at once rather than kept as a 57-key dict per record.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType
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


NO_TAGS: Mapping[str, str] = MappingProxyType({})  # shared by every record without tags (read-only)


class Interner:
    """One string object per distinct value across a fetch: 580k records name ~1,000 services and regions."""

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: dict[Any, Any] = {}

    def __call__(self, value: Any) -> Any:
        return self._seen.setdefault(value, value)

    def shared(self, key: Any, make: Callable[[], Any]) -> Any:
        """The one object kept for `key`, made by `make()` the first time."""
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = make()
        return found


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
    tags: Mapping[str, str] = field(default_factory=lambda: NO_TAGS)  # never mutated: copy to change
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


_COLUMN = {name: i for i, name in enumerate(FOCUS_COLUMN_NAMES)}
(
    _BILLED,
    _LIST,
    _CONTRACTED,
    _EFFECTIVE,
    _CURRENCY,
    _TAGS,
    _CATEGORY,
    _PRICING_CATEGORY,
    _SKU,
    _SKU_PRICE,
    _PRICING_CURRENCY,
    _PC_EFFECTIVE,
    _CONSUMED_QTY,
    _PRICING_QTY,
    _CONSUMED_UNIT,
    _PRICING_UNIT,
    _LIST_UNIT,
    _CONTRACTED_UNIT,
    _PC_LIST_UNIT,
    _PC_CONTRACTED_UNIT,
) = (
    _COLUMN[name]
    for name in (
        "BilledCost",
        "ListCost",
        "ContractedCost",
        "EffectiveCost",
        "BillingCurrency",
        "Tags",
        "ChargeCategory",
        "PricingCategory",
        "SkuId",
        "SkuPriceId",
        "PricingCurrency",
        "PricingCurrencyEffectiveCost",
        "ConsumedQuantity",
        "PricingQuantity",
        "ConsumedUnit",
        "PricingUnit",
        "ListUnitPrice",
        "ContractedUnitPrice",
        "PricingCurrencyListUnitPrice",
        "PricingCurrencyContractedUnitPrice",
    )
)
_BILLING_PERIOD_END, _BILLING_PERIOD_START, _CHARGE_PERIOD_END, _CHARGE_PERIOD_START = (
    _COLUMN[n] for n in ("BillingPeriodEnd", "BillingPeriodStart", "ChargePeriodEnd", "ChargePeriodStart")
)


@lru_cache(maxsize=8192)
def _static_part(
    cloud: str, service: str, region: str | None, account_id: str, account_name: str | None
) -> tuple[Any, ...]:
    """Every column of a row that depends only on who and where, in column order (cached: rows repeat these
    every day); the other columns are None here."""
    fixed = PROVIDERS[cloud]
    category, subcategory = service_category(cloud, service)
    is_tax = service == "Tax"
    name = account_name or account_id  # SubAccountName must not be null when SubAccountId is not
    row: list[Any] = [None] * len(FOCUS_COLUMN_NAMES)
    for column, value in {
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
    }.items():
        row[_COLUMN[column]] = value
    return tuple(row)


@lru_cache(maxsize=4096)
def _period_part(start: date, end: date) -> tuple[str, str, str, str]:
    """BillingPeriodEnd, BillingPeriodStart, ChargePeriodEnd, ChargePeriodStart."""
    first = start.replace(day=1)
    return (_iso(_next_month(first)), _iso(first), _iso(end), _iso(start))


@lru_cache(maxsize=4096)
def _tags_json(items: tuple[tuple[str, str], ...]) -> str | None:
    return json.dumps(dict(items), sort_keys=True, separators=(",", ":")) if items else None


def tags_json(tags: Mapping[str, str]) -> str | None:
    """The Tags column: the tags as a compact JSON object with sorted keys, or None without tags."""
    return _tags_json(tuple(sorted(tags.items()))) if tags else None


@lru_cache(maxsize=8192)
def _sku(cloud: str, service: str, unit: str | None) -> str:
    return f"{PROVIDERS[cloud]['ProviderName']}/{service}/{unit or '-'}"


@lru_cache(maxsize=8192)
def csv_cell(value: str | None) -> str:
    """`value` as one CSV cell, as `csv.writer` writes it (excel dialect, QUOTE_MINIMAL, "\\n" line ends):
    None is empty; a cell holding a comma, a quote or a line break is quoted, quotes doubled. One difference,
    on purpose: a carriage return is quoted too (RFC 4180 section 2.6), where `csv.writer` with "\\n" line
    ends leaves it bare and a reader then splits the row there."""
    if value is None:
        return ""
    if "," in value or '"' in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def _raw(value: str | None) -> str | None:
    return value


@lru_cache(maxsize=8192)
def _static_cells(
    cloud: str, service: str, region: str | None, account_id: str, account_name: str | None
) -> tuple[str, ...]:
    return tuple(csv_cell(v) for v in _static_part(cloud, service, region, account_id, account_name))


def _pricing(
    row: list[Any], record: CostRecord, listed: float, effective_text: str, cell: Callable[[str | None], Any]
) -> None:
    """The pricing columns of a Usage row (see the module docstring for where each value comes from)."""
    effective = record.effective
    row[_PRICING_CATEGORY] = "Standard" if abs(record.billed - effective) < 1e-9 else "Other"
    row[_SKU] = row[_SKU_PRICE] = cell(_sku(record.cloud, record.service, record.unit))
    rate = record.pricing_rate or 1.0
    row[_PRICING_CURRENCY] = cell(record.pricing_currency or record.currency)
    row[_PC_EFFECTIVE] = effective_text if rate == 1.0 else _money(effective / rate)
    if record.quantity is None or not record.unit:
        return  # no single unit: PricingQuantity and the unit prices cannot be stated (validator reports it)
    row[_CONSUMED_QTY] = row[_PRICING_QTY] = _money(record.quantity)
    row[_CONSUMED_UNIT] = row[_PRICING_UNIT] = cell(record.unit)
    if record.quantity > 0:
        unit_price = listed / record.quantity
        price = row[_LIST_UNIT] = row[_CONTRACTED_UNIT] = _price(unit_price)
        row[_PC_LIST_UNIT] = row[_PC_CONTRACTED_UNIT] = price if rate == 1.0 else _price(unit_price / rate)


def focus_values(
    record: CostRecord, *, account_names: Mapping[str, str] | None = None, as_csv: bool = False
) -> list[Any]:
    """The FOCUS 1.2 row for one record as values in `FOCUS_COLUMN_NAMES` order (nulls as None).

    `as_csv`: every value already a CSV cell (`csv_cell`; nulls empty), so `",".join(row)` is the CSV line
    `csv.writer` would write, at a sixth of its cost (the row's fixed columns are encoded once per service
    and region, and amounts and dates never need quoting).
    """
    name = account_names.get(record.account_id) if account_names else None
    static, cell = (_static_cells, csv_cell) if as_csv else (_static_part, _raw)
    row = list(static(record.cloud, record.service, record.region, record.account_id, name))
    (
        row[_BILLING_PERIOD_END],
        row[_BILLING_PERIOD_START],
        row[_CHARGE_PERIOD_END],
        row[_CHARGE_PERIOD_START],
    ) = _period_part(record.start, record.end)
    billed, effective = record.billed, record.effective
    billed_text = row[_BILLED] = _money(billed)
    effective_text = row[_EFFECTIVE] = billed_text if effective == billed else _money(effective)
    listed = billed if billed >= effective else effective
    row[_LIST] = row[_CONTRACTED] = billed_text if listed == billed else effective_text
    row[_CURRENCY] = cell(record.currency)
    row[_TAGS] = cell(tags_json(record.tags) if record.tags else None)
    if row[_CATEGORY] == "Tax":
        # Tax rows: the priced columns MUST be null; PricingCurrency and its effective cost MUST NOT be
        row[_PRICING_CURRENCY] = cell(record.pricing_currency or record.currency)
        row[_PC_EFFECTIVE] = _money(record.effective / (record.pricing_rate or 1.0))
    else:
        _pricing(row, record, listed, effective_text, cell)
    return row


def to_focus_row(record: CostRecord, *, account_names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The FOCUS 1.2 row for one record (every column present; nulls as None)."""
    return dict(zip(FOCUS_COLUMN_NAMES, focus_values(record, account_names=account_names), strict=True))
