"""The FOCUS 1.2 rules that involve more than one column, one small function per rule family.

Each check cites the column whose requirements state it (FOCUS_Spec v1.2, `specification/columns/*.md`).
Values may be Python values or CSV text; an empty cell is null. Type errors are reported by the per-column
checks in `focus_spec`, so a value that does not parse is skipped here rather than reported twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from multicloud_ctl.operations.cost.focus_spec import SUBCATEGORY_PARENT

Row = Mapping[str, Any]
# a product of a derived unit price and a quantity may differ from the cost in its last digits
_TOLERANCE = Decimal("0.000001")


def _null(row: Row, name: str) -> bool:
    value = row.get(name)
    return value is None or value == ""


def _num(row: Row, name: str) -> Decimal | None:
    if _null(row, name):
        return None
    try:
        number = Decimal(str(row[name]))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _when(row: Row, name: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(row[name]).replace("Z", "+00:00")) if not _null(row, name) else None
    except ValueError:
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def _close(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= _TOLERANCE * max(Decimal(1), abs(b))


def _usage_or_purchase(row: Row) -> bool:
    return row.get("ChargeCategory") in ("Usage", "Purchase") and _null(row, "ChargeClass")


# PricingCategory, PricingQuantity, ListUnitPrice, ContractedUnitPrice, SkuId, SkuPriceId and the
# PricingCurrency unit prices: "MUST be null when ChargeCategory is Tax" and "MUST NOT be null when
# ChargeCategory is Usage or Purchase and ChargeClass is not Correction".
PRICED_COLUMNS = (
    "PricingCategory",
    "PricingQuantity",
    "ListUnitPrice",
    "ContractedUnitPrice",
    "SkuId",
    "SkuPriceId",
    "PricingCurrencyListUnitPrice",
    "PricingCurrencyContractedUnitPrice",
)


def _priced(row: Row) -> list[str]:
    out = []
    for name in PRICED_COLUMNS:
        if row.get("ChargeCategory") == "Tax" and not _null(row, name):
            out.append(f"{name} must be null when ChargeCategory is Tax")
        elif _usage_or_purchase(row) and _null(row, name):
            out.append(f"{name} must not be null for a {row.get('ChargeCategory')} charge that is not a correction")
    return out


# (dependent, anchor): the dependent MUST be null when the anchor is null (RegionName, SubAccountName,
# SubAccountType, ResourceName, ResourceType, SkuMeter, SkuPriceDetails, CommitmentDiscount*, ...).
NULL_WITH = (
    ("RegionName", "RegionId"),
    ("SubAccountName", "SubAccountId"),
    ("SubAccountType", "SubAccountId"),
    ("BillingAccountType", "BillingAccountId"),
    ("ResourceName", "ResourceId"),
    ("ResourceType", "ResourceId"),
    ("SkuMeter", "SkuId"),
    ("SkuPriceDetails", "SkuPriceId"),
    ("CommitmentDiscountCategory", "CommitmentDiscountId"),
    ("CommitmentDiscountName", "CommitmentDiscountId"),
    ("CommitmentDiscountStatus", "CommitmentDiscountId"),
    ("CommitmentDiscountType", "CommitmentDiscountId"),
    ("CapacityReservationStatus", "CapacityReservationId"),
    ("PricingUnit", "PricingQuantity"),
    ("ConsumedUnit", "ConsumedQuantity"),
    ("CommitmentDiscountUnit", "CommitmentDiscountQuantity"),
)
# (dependent, anchor): the dependent MUST NOT be null when the anchor is not null.
SET_WITH = (
    ("RegionName", "RegionId"),
    ("SubAccountName", "SubAccountId"),
    ("SubAccountType", "SubAccountId"),
    ("BillingAccountType", "BillingAccountId"),
    ("ResourceType", "ResourceId"),
    ("CommitmentDiscountCategory", "CommitmentDiscountId"),
    ("CommitmentDiscountType", "CommitmentDiscountId"),
    ("PricingUnit", "PricingQuantity"),
    ("ConsumedUnit", "ConsumedQuantity"),
    ("CommitmentDiscountUnit", "CommitmentDiscountQuantity"),
)


def _pairs(row: Row) -> list[str]:
    out = [
        f"{dep} must be null when {anchor} is null"
        for dep, anchor in NULL_WITH
        if _null(row, anchor) and not _null(row, dep)
    ]
    out += [
        f"{dep} must not be null when {anchor} is not null"
        for dep, anchor in SET_WITH
        if not _null(row, anchor) and _null(row, dep)
    ]
    return out


def _commitment(row: Row) -> list[str]:
    """CommitmentDiscountStatus / Quantity, CapacityReservationStatus, Purchase rows (their column files)."""
    out = []
    has_id = not _null(row, "CommitmentDiscountId")
    category = row.get("ChargeCategory")
    if has_id and category == "Usage" and _null(row, "CommitmentDiscountStatus"):
        out.append("CommitmentDiscountStatus must not be null for Usage with a CommitmentDiscountId")
    if has_id and _usage_or_purchase(row) and _null(row, "CommitmentDiscountQuantity"):
        out.append("CommitmentDiscountQuantity must not be null for Usage/Purchase with a CommitmentDiscountId")
    if not (has_id and category in ("Usage", "Purchase")) and not _null(row, "CommitmentDiscountQuantity"):
        out.append("CommitmentDiscountQuantity must be null unless a Usage/Purchase charge has a CommitmentDiscountId")
    if not _null(row, "CapacityReservationId") and category == "Usage" and _null(row, "CapacityReservationStatus"):
        out.append("CapacityReservationStatus must not be null for Usage with a CapacityReservationId")
    if row.get("PricingCategory") == "Committed" and not has_id:
        out.append("PricingCategory Committed needs the CommitmentDiscountId that applied")
    if category == "Purchase" and row.get("ChargeFrequency") == "Usage-Based":
        out.append("ChargeFrequency must not be Usage-Based when ChargeCategory is Purchase")
    # EffectiveCost "MUST be 0 when ChargeCategory is Purchase and the purchase is intended to cover future
    # eligible charges": a Purchase that names a commitment discount is such a purchase.
    if category == "Purchase" and has_id:
        for name in ("EffectiveCost", "PricingCurrencyEffectiveCost"):
            value = _num(row, name)
            if value is not None and value != 0:
                out.append(f"{name} must be 0 for the purchase of a commitment discount")
    return out


def _consumed(row: Row) -> list[str]:
    """ConsumedQuantity: null unless Usage (and not an Unused commitment); required for other Usage."""
    unused = row.get("CommitmentDiscountStatus") == "Unused"
    if (row.get("ChargeCategory") != "Usage" or unused) and not _null(row, "ConsumedQuantity"):
        return ["ConsumedQuantity must be null unless ChargeCategory is Usage and the commitment is not Unused"]
    usage = row.get("ChargeCategory") == "Usage" and not unused and _null(row, "ChargeClass")
    if usage and _null(row, "ConsumedQuantity"):
        return ["ConsumedQuantity must not be null for Usage that is not a correction"]
    return []


def _subcategory(row: Row) -> list[str]:
    """ServiceSubcategory MUST have one and only one parent ServiceCategory as in the allowed values."""
    sub, category = row.get("ServiceSubcategory"), row.get("ServiceCategory")
    parent = SUBCATEGORY_PARENT.get(str(sub)) if sub else None
    if parent is not None and category and parent != category:
        return [f"ServiceSubcategory {sub!r} belongs to ServiceCategory {parent!r}, not {category!r}"]
    return []


def _costs(row: Row) -> list[str]:
    """Unit price x PricingQuantity = cost, non-negative prices, Credit rows, and the cost ordering."""
    out = []
    correction = not _null(row, "ChargeClass")
    quantity = _num(row, "PricingQuantity")
    for price, cost in (("ListUnitPrice", "ListCost"), ("ContractedUnitPrice", "ContractedCost")):
        unit, total = _num(row, price), _num(row, cost)
        if unit is not None and unit < 0:
            out.append(f"{price} must be a non-negative decimal value")
        if unit is None or quantity is None or total is None or correction:
            continue
        if not _close(unit * quantity, total):
            out.append(f"{price} x PricingQuantity ({unit * quantity}) must match {cost} ({total})")
    for name in ("PricingCurrencyListUnitPrice", "PricingCurrencyContractedUnitPrice"):
        value = _num(row, name)
        if value is not None and value < 0:
            out.append(f"{name} must be a non-negative decimal value")
    billed = _num(row, "BilledCost")
    # List/Contracted/EffectiveCost of a charge unrelated to other charges (a Credit) MUST match BilledCost
    if row.get("ChargeCategory") == "Credit" and billed is not None:
        pairs: tuple[tuple[str, str | None], ...] = (
            ("ListCost", "ListUnitPrice"),
            ("ContractedCost", "ContractedUnitPrice"),
            ("EffectiveCost", None),
        )
        for name, unit_column in pairs:
            value = _num(row, name)
            if value is not None and value != billed and (unit_column is None or _null(row, unit_column)):
                out.append(f"{name} must match BilledCost for a Credit")
    out.extend(_ordering(row, correction))
    return out


def _ordering(row: Row, correction: bool) -> list[str]:
    """ListCost >= ContractedCost >= EffectiveCost (the savings the cost-comparison feature computes).

    Not normative line by line, so it is checked only where it must hold: a Usage charge that is not a
    correction (corrections MAY carry discrepancies), not the Unused part of a commitment (its ListCost is
    0 while its EffectiveCost carries the unused fee) and with non-negative costs (refunds invert it).
    """
    if row.get("ChargeCategory") != "Usage" or correction or row.get("CommitmentDiscountStatus") == "Unused":
        return []
    listed, contracted, effective = _num(row, "ListCost"), _num(row, "ContractedCost"), _num(row, "EffectiveCost")
    if listed is None or contracted is None or effective is None or min(listed, contracted, effective) < 0:
        return []
    out = []
    if listed < contracted:
        out.append(f"ListCost ({listed}) is below ContractedCost ({contracted})")
    if contracted < effective:
        out.append(f"ContractedCost ({contracted}) is below EffectiveCost ({effective})")
    return out


def _pricing_currency(row: Row) -> list[str]:
    """PricingCurrency and PricingCurrencyEffectiveCost MUST NOT be null (when the dataset has them)."""
    return [
        f"{n} must not be null"
        for n in ("PricingCurrency", "PricingCurrencyEffectiveCost")
        if n in row and _null(row, n)
    ]


def _periods(row: Row) -> list[str]:
    """ChargePeriodStart < ChargePeriodEnd, BillingPeriodStart < BillingPeriodEnd, charge inside billing."""
    start, end = _when(row, "ChargePeriodStart"), _when(row, "ChargePeriodEnd")
    bill_start, bill_end = _when(row, "BillingPeriodStart"), _when(row, "BillingPeriodEnd")
    out = []
    if start and end and not start < end:
        out.append("ChargePeriodEnd must be after ChargePeriodStart")
    if bill_start and bill_end and not bill_start < bill_end:
        out.append("BillingPeriodEnd must be after BillingPeriodStart")
    if start and end and bill_start and bill_end and not (bill_start <= start and end <= bill_end):
        out.append("the charge period must lie inside the billing period")
    return out


RULES: tuple[Callable[[Row], list[str]], ...] = (
    _priced,
    _pairs,
    _commitment,
    _consumed,
    _subcategory,
    _costs,
    _pricing_currency,
    _periods,
)


def row_rules(row: Row) -> list[str]:
    """Every cross-column problem of one row."""
    return [problem for rule in RULES for problem in rule(row)]
