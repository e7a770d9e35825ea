"""The FOCUS 1.2 column spec (as data) and the validator that checks our rows against it."""

from __future__ import annotations

import json
from datetime import date

import pytest

from multicloud_ctl.operations.cost.catalog import AWS_SERVICES, AZURE_SERVICES
from multicloud_ctl.operations.cost.focus_spec import (
    FOCUS_COLUMN_NAMES,
    FOCUS_COLUMNS,
    SERVICE_CATEGORIES,
    column,
    validate_focus_rows,
)
from multicloud_ctl.operations.cost.period import Period
from multicloud_ctl.operations.cost.records import CostRecord, to_focus_row
from multicloud_ctl.operations.cost.render import focus_rows, write_focus_csv

MANDATORY_1_2 = {
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "ContractedCost",
    "EffectiveCost",
    "InvoiceIssuerName",
    "ListCost",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "ServiceCategory",
    "ServiceName",
}


def _record(**kw: object) -> CostRecord:
    base = dict(
        cloud="aws",
        start=date(2026, 1, 31),
        end=date(2026, 2, 1),
        service="AWS Lambda",
        region="us-east-1",
        account_id="123456789012",
        billed=1.5,
        effective=1.25,
        currency="USD",
        tags={"team": "platform"},
        quantity=10.0,
        unit="GB-Seconds",
    )
    base.update(kw)
    return CostRecord(**base)  # type: ignore[arg-type]


def test_column_list_is_the_57_columns_of_focus_1_2() -> None:
    assert len(FOCUS_COLUMNS) == 57 == len(set(FOCUS_COLUMN_NAMES))
    assert list(FOCUS_COLUMN_NAMES) == sorted(FOCUS_COLUMN_NAMES)  # the spec lists them alphabetically
    assert {c.name for c in FOCUS_COLUMNS if c.level == "Mandatory"} == MANDATORY_1_2
    for name in (
        "BillingAccountType",
        "SubAccountType",
        "InvoiceId",
        "PricingCurrency",
        "PricingCurrencyEffectiveCost",
        "CapacityReservationStatus",
    ):  # introduced in 1.1/1.2
        assert name in FOCUS_COLUMN_NAMES
    assert column("BilledCost").data_type == "Decimal" and not column("BilledCost").nullable
    assert column("ChargePeriodStart").data_type == "DateTime"
    assert column("Tags").data_type == "JSON"


def test_catalog_maps_only_to_allowed_service_categories() -> None:
    for category, _sub in [*AWS_SERVICES.values(), *AZURE_SERVICES.values()]:
        assert category in SERVICE_CATEGORIES


def test_a_normalized_row_conforms_column_by_column() -> None:
    row = to_focus_row(_record())
    assert validate_focus_rows([row]) == []
    assert row["ProviderName"] == "AWS" and row["ServiceCategory"] == "Compute"
    assert row["ChargePeriodStart"] == "2026-01-31T00:00:00Z" and row["ChargePeriodEnd"] == "2026-02-01T00:00:00Z"
    assert row["BillingPeriodStart"] == "2026-01-01T00:00:00Z" and row["BillingPeriodEnd"] == "2026-02-01T00:00:00Z"
    assert row["BilledCost"] == "1.5" and row["EffectiveCost"] == "1.25"
    assert json.loads(row["Tags"]) == {"team": "platform"}
    azure = to_focus_row(_record(cloud="azure", service="SQL Database", region="eastus"))
    assert azure["ProviderName"] == "Microsoft" and azure["SubAccountType"] == "Subscription"
    assert azure["RegionName"] == "East US" and validate_focus_rows([azure]) == []


@pytest.mark.parametrize(
    ("column_name", "value", "why"),
    [
        ("BilledCost", None, "must not be null"),
        ("BilledCost", "12,5", "not a decimal"),
        ("BillingCurrency", "usd", "ISO 4217"),
        ("ChargePeriodStart", "2026-01-31 00:00", "UTC ISO-8601"),
        ("ChargeCategory", "Refund", "allowed values"),
        ("ServiceCategory", "Database", "allowed values"),
        ("Tags", "[1, 2]", "JSON object"),
        ("ChargeFrequency", "", "must not be null"),
    ],
)
def test_the_validator_catches_each_kind_of_violation(column_name: str, value: object, why: str) -> None:
    row = to_focus_row(_record())
    row[column_name] = value
    problems = validate_focus_rows([row])
    assert problems and any(column_name in p and why in p for p in problems), problems


def test_charge_period_must_sit_inside_the_billing_period() -> None:
    row = to_focus_row(_record())
    row["ChargePeriodEnd"] = "2026-02-02T00:00:00Z"
    assert validate_focus_rows([row]) == ["row 0: the charge period must lie inside the billing period"]
    row["ChargePeriodEnd"] = row["ChargePeriodStart"]
    assert validate_focus_rows([row]) == ["row 0: ChargePeriodEnd must be after ChargePeriodStart"]


def test_missing_and_unknown_columns_are_reported() -> None:
    row = to_focus_row(_record())
    del row["ListCost"]
    row["Cost"] = "1"
    row["x_Custom"] = "allowed: x_ prefix"
    problems = validate_focus_rows([row])
    assert any("missing columns ['ListCost']" in p for p in problems)
    assert any("not in FOCUS 1.2: ['Cost']" in p for p in problems)


def test_csv_round_trip_still_validates_and_monthly_rolls_up() -> None:
    period = Period(date(2026, 1, 30), date(2026, 2, 3))
    recs = [
        _record(
            start=date(2026, 1, 30 + i) if i < 2 else date(2026, 2, i - 1),
            end=date(2026, 1, 31 + i) if i < 1 else date(2026, 2, i),
        )
        for i in range(4)
    ]
    rows = focus_rows(recs, period, "monthly")
    assert [(r["ChargePeriodStart"][:10], r["ChargePeriodEnd"][:10]) for r in rows] == [
        ("2026-01-30", "2026-02-01"),
        ("2026-02-01", "2026-02-03"),
    ]
    import csv
    import io

    out = io.StringIO()
    assert write_focus_csv(out, recs, period, "monthly") == 2
    parsed = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert validate_focus_rows(parsed) == []
    assert parsed[0]["BilledCost"] == "3"
