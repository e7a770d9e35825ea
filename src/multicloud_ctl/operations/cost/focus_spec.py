"""The FOCUS 1.2 Cost and Usage column list, as data, and a validator that checks rows against it.

Each column carries its data type, feature level, whether nulls are allowed and, where the specification
closes the set, the allowed values. `validate_focus_rows` is what the tests (and `--format focus`) use to
prove that every row we emit conforms column by column. Source: FOCUS specification v1.2 (FinOps
Foundation), column definitions; feature levels as stated there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

FOCUS_VERSION = "1.2"

DataType = Literal["String", "Decimal", "DateTime", "JSON"]
FeatureLevel = Literal["Mandatory", "Recommended", "Conditional"]


@dataclass(frozen=True)
class FocusColumn:
    """One column of the FOCUS Cost and Usage dataset."""

    name: str
    data_type: DataType
    level: FeatureLevel
    nullable: bool
    allowed: tuple[str, ...] = ()


SERVICE_CATEGORIES: tuple[str, ...] = (
    "AI and Machine Learning",
    "Analytics",
    "Business Applications",
    "Compute",
    "Databases",
    "Developer Tools",
    "Multicloud",
    "Identity",
    "Integration",
    "Internet of Things",
    "Management and Governance",
    "Media",
    "Migration",
    "Mobile",
    "Networking",
    "Security",
    "Storage",
    "Web",
    "Other",
)

CHARGE_CATEGORIES = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")
CHARGE_FREQUENCIES = ("One-Time", "Recurring", "Usage-Based")


def _c(
    name: str, data_type: DataType, level: FeatureLevel, nullable: bool, allowed: tuple[str, ...] = ()
) -> FocusColumn:
    return FocusColumn(name, data_type, level, nullable, allowed)


FOCUS_COLUMNS: tuple[FocusColumn, ...] = (
    _c("AvailabilityZone", "String", "Recommended", True),
    _c("BilledCost", "Decimal", "Mandatory", False),
    _c("BillingAccountId", "String", "Mandatory", False),
    _c("BillingAccountName", "String", "Mandatory", True),
    _c("BillingAccountType", "String", "Conditional", False),
    _c("BillingCurrency", "String", "Mandatory", False),
    _c("BillingPeriodEnd", "DateTime", "Mandatory", False),
    _c("BillingPeriodStart", "DateTime", "Mandatory", False),
    _c("CapacityReservationId", "String", "Conditional", True),
    _c("CapacityReservationStatus", "String", "Conditional", True, ("Used", "Unused")),
    _c("ChargeCategory", "String", "Mandatory", False, CHARGE_CATEGORIES),
    _c("ChargeClass", "String", "Mandatory", True, ("Correction",)),
    _c("ChargeDescription", "String", "Mandatory", True),
    _c("ChargeFrequency", "String", "Recommended", False, CHARGE_FREQUENCIES),
    _c("ChargePeriodEnd", "DateTime", "Mandatory", False),
    _c("ChargePeriodStart", "DateTime", "Mandatory", False),
    _c("CommitmentDiscountCategory", "String", "Conditional", True, ("Spend", "Usage")),
    _c("CommitmentDiscountId", "String", "Conditional", True),
    _c("CommitmentDiscountName", "String", "Conditional", True),
    _c("CommitmentDiscountQuantity", "Decimal", "Conditional", True),
    _c("CommitmentDiscountStatus", "String", "Conditional", True, ("Used", "Unused")),
    _c("CommitmentDiscountType", "String", "Conditional", True),
    _c("CommitmentDiscountUnit", "String", "Conditional", True),
    _c("ConsumedQuantity", "Decimal", "Conditional", True),
    _c("ConsumedUnit", "String", "Conditional", True),
    _c("ContractedCost", "Decimal", "Mandatory", False),
    _c("ContractedUnitPrice", "Decimal", "Conditional", True),
    _c("EffectiveCost", "Decimal", "Mandatory", False),
    _c("InvoiceId", "String", "Recommended", True),
    _c("InvoiceIssuerName", "String", "Mandatory", False),
    _c("ListCost", "Decimal", "Mandatory", False),
    _c("ListUnitPrice", "Decimal", "Conditional", True),
    _c("PricingCategory", "String", "Conditional", True, ("Standard", "Dynamic", "Committed", "Other")),
    _c("PricingCurrency", "String", "Conditional", True),
    _c("PricingCurrencyContractedUnitPrice", "Decimal", "Conditional", True),
    _c("PricingCurrencyEffectiveCost", "Decimal", "Conditional", True),
    _c("PricingCurrencyListUnitPrice", "Decimal", "Conditional", True),
    _c("PricingQuantity", "Decimal", "Mandatory", True),
    _c("PricingUnit", "String", "Mandatory", True),
    _c("ProviderName", "String", "Mandatory", False),
    _c("PublisherName", "String", "Mandatory", False),
    _c("RegionId", "String", "Conditional", True),
    _c("RegionName", "String", "Conditional", True),
    _c("ResourceId", "String", "Conditional", True),
    _c("ResourceName", "String", "Conditional", True),
    _c("ResourceType", "String", "Conditional", True),
    _c("ServiceCategory", "String", "Mandatory", False, SERVICE_CATEGORIES),
    _c("ServiceName", "String", "Mandatory", False),
    _c("ServiceSubcategory", "String", "Recommended", True),
    _c("SkuId", "String", "Conditional", True),
    _c("SkuMeter", "String", "Conditional", True),
    _c("SkuPriceDetails", "JSON", "Conditional", True),
    _c("SkuPriceId", "String", "Conditional", True),
    _c("SubAccountId", "String", "Conditional", True),
    _c("SubAccountName", "String", "Conditional", True),
    _c("SubAccountType", "String", "Conditional", True),
    _c("Tags", "JSON", "Conditional", True),
)

FOCUS_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in FOCUS_COLUMNS)
_BY_NAME = {c.name: c for c in FOCUS_COLUMNS}
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_CURRENCY_COLUMNS = {"BillingCurrency", "PricingCurrency"}


def column(name: str) -> FocusColumn:
    """The spec of one column (KeyError for a name that is not a FOCUS 1.2 column)."""
    return _BY_NAME[name]


def _type_ok(col: FocusColumn, value: Any) -> str | None:
    """None when `value` (a Python value or its CSV text) fits the column's data type, else why not."""
    if col.data_type == "Decimal":
        if isinstance(value, bool):
            return "is a boolean, not a decimal"
        try:
            Decimal(str(value))
        except InvalidOperation:
            return f"{value!r} is not a decimal"
        return None
    if col.data_type == "DateTime":
        text = value.isoformat() if isinstance(value, datetime) else str(value)
        if not text.endswith("Z") and not text.endswith("+00:00"):
            return f"{text!r} is not a UTC ISO-8601 datetime"
        try:
            datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return f"{text!r} is not an ISO-8601 datetime"
        return None
    if col.data_type == "JSON":
        try:
            parsed = json.loads(value) if isinstance(value, str) else value
        except ValueError:
            return f"{value!r} is not JSON"
        return None if isinstance(parsed, dict) else "is not a JSON object"
    if not isinstance(value, str):
        return f"{value!r} is not a string"
    if col.name in _CURRENCY_COLUMNS and not _CURRENCY.match(value):
        return f"{value!r} is not an ISO 4217 currency code"
    if col.allowed and value not in col.allowed:
        return f"{value!r} is not one of the allowed values"
    return None


def _when(value: Any) -> datetime | None:
    """An aware datetime, or None (type errors are reported by the column checks, not twice)."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def _relations(row: Mapping[str, Any]) -> list[str]:
    """Cross-column rules: a charge period is non-empty and lies inside its billing period."""
    start, end = _when(row.get("ChargePeriodStart")), _when(row.get("ChargePeriodEnd"))
    bill_start, bill_end = _when(row.get("BillingPeriodStart")), _when(row.get("BillingPeriodEnd"))
    out = []
    if start and end and not start < end:
        out.append("ChargePeriodEnd must be after ChargePeriodStart")
    if start and end and bill_start and bill_end and not (bill_start <= start and end <= bill_end):
        out.append("the charge period must lie inside the billing period")
    return out


def validate_focus_rows(rows: Iterable[Mapping[str, Any]], *, limit: int = 20) -> list[str]:
    """Problems found when checking rows against the column list (empty when every row conforms).

    Checks: exactly the FOCUS columns (no custom ones unless prefixed `x_`), nulls only where allowed
    (an empty CSV cell counts as null), data types, allowed values, and that each charge period is
    non-empty and inside its billing period.
    """
    problems: list[str] = []
    for index, row in enumerate(rows):
        missing = [n for n in FOCUS_COLUMN_NAMES if n not in row]
        unknown = [n for n in row if n not in _BY_NAME and not n.startswith("x_")]
        if missing:
            problems.append(f"row {index}: missing columns {missing}")
        if unknown:
            problems.append(f"row {index}: columns not in FOCUS {FOCUS_VERSION}: {unknown}")
        for col in FOCUS_COLUMNS:
            value = row.get(col.name)
            if value is None or value == "":
                if not col.nullable:
                    problems.append(f"row {index}: {col.name} must not be null")
                continue
            why = _type_ok(col, value)
            if why:
                problems.append(f"row {index}: {col.name} {why}")
        problems.extend(f"row {index}: {p}" for p in _relations(row))
        if len(problems) >= limit:
            break
    return problems[:limit]
