"""The FOCUS 1.2 Cost and Usage column list, as data, and a validator that checks rows against the specification.

The column metadata (feature level, whether nulls are allowed, data type, allowed values, and the
ServiceCategory parent of each ServiceSubcategory) is read from `focus_spec_data/focus-1.2-columns.json`,
extracted from the FOCUS_Spec repository at tag v1.2 (CC-BY-4.0; see that directory's README). The rules
that need more than one column live in `focus_rules.py`, each citing the column it comes from.
`validate_focus_rows` is what the tests, the bench and `--format focus` use to prove that rows conform.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any, Literal

DataType = Literal["String", "Decimal", "DateTime", "JSON"]
FeatureLevel = Literal["Mandatory", "Recommended", "Conditional"]

_DATA = json.loads(
    resources.files("multicloud_ctl.operations.cost").joinpath("focus_spec_data/focus-1.2-columns.json").read_text()
)
FOCUS_VERSION: str = _DATA["focus_version"]
SPEC_SOURCE = f"{_DATA['source']} @ {_DATA['tag']} ({_DATA['commit'][:12]})"


@dataclass(frozen=True)
class FocusColumn:
    """One column of the FOCUS Cost and Usage dataset."""

    name: str
    data_type: DataType
    level: FeatureLevel
    nullable: bool
    allowed: tuple[str, ...] = ()


def _column(entry: dict[str, Any]) -> FocusColumn:
    allowed = entry.get("allowed_values") or []
    values = tuple(v[1] if isinstance(v, list) else v for v in allowed)
    data_type: DataType = "DateTime" if entry["data_type"] == "Date/Time" else entry["data_type"]
    return FocusColumn(entry["column_id"], data_type, entry["feature_level"], entry["allows_nulls"], values)


FOCUS_COLUMNS: tuple[FocusColumn, ...] = tuple(_column(e) for e in _DATA["columns"])
FOCUS_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in FOCUS_COLUMNS)
_BY_NAME = {c.name: c for c in FOCUS_COLUMNS}

SERVICE_CATEGORIES: tuple[str, ...] = _BY_NAME["ServiceCategory"].allowed
CHARGE_CATEGORIES: tuple[str, ...] = _BY_NAME["ChargeCategory"].allowed
CHARGE_FREQUENCIES: tuple[str, ...] = _BY_NAME["ChargeFrequency"].allowed
PRICING_CATEGORIES: tuple[str, ...] = _BY_NAME["PricingCategory"].allowed
# ServiceSubcategory -> its one parent ServiceCategory ("MUST have one and only one parent ServiceCategory")
SUBCATEGORY_PARENT: dict[str, str] = {
    sub: cat
    for cat, sub in next(e for e in _DATA["columns"] if e["column_id"] == "ServiceSubcategory")["allowed_values"]
}

_CURRENCY = re.compile(r"^[A-Z]{3}$")
_CURRENCY_COLUMNS = {"BillingCurrency", "PricingCurrency"}


def column(name: str) -> FocusColumn:
    """The spec of one column (KeyError for a name that is not a FOCUS 1.2 column)."""
    return _BY_NAME[name]


def _key_value_ok(parsed: Any) -> str | None:
    """KeyValueFormat: a JSON object whose values are numbers, strings, true, false or null."""
    if not isinstance(parsed, dict):
        return "is not a JSON object"
    nested = [k for k, v in parsed.items() if isinstance(v, dict | list)]
    return f"has object or array values for {nested} (KeyValueFormat)" if nested else None


def _type_ok(col: FocusColumn, value: Any) -> str | None:
    """None when `value` (a Python value or its CSV text) fits the column's data type, else why not."""
    if col.data_type == "Decimal":
        if isinstance(value, bool):
            return "is a boolean, not a decimal"
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return f"{value!r} is not a decimal"
        return None if number.is_finite() else f"{value!r} is not a valid decimal value"
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
        return _key_value_ok(parsed)
    if not isinstance(value, str):
        return f"{value!r} is not a string"
    if col.name in _CURRENCY_COLUMNS and not _CURRENCY.match(value):
        return f"{value!r} is not an ISO 4217 currency code"
    if col.allowed and value not in col.allowed:
        return f"{value!r} is not one of the allowed values"
    return None


def validate_focus_rows(rows: Iterable[Mapping[str, Any]], *, limit: int = 20) -> list[str]:
    """Problems found when checking rows against FOCUS 1.2 (empty when every row conforms).

    Per column: exactly the FOCUS columns (custom ones only with the `x_` prefix), nulls only where the
    column allows them (an empty CSV cell counts as null), data types, currency codes, KeyValueFormat and
    allowed values. Across columns: the conditional requirements and cross-column rules in `focus_rules`.
    """
    from multicloud_ctl.operations.cost.focus_rules import row_rules

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
        problems.extend(f"row {index}: {p}" for p in row_rules(row))
        if len(problems) >= limit:
            break
    return problems[:limit]
