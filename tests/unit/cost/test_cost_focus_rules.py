"""FOCUS 1.2 rules (issue 14): the mapping of each column, and the validator catching a planted bad row per rule."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from multicloud_ctl.config.specs.cost import CurrencyPolicy
from multicloud_ctl.local.cost_seed import ce_pages, generate_rows
from multicloud_ctl.operations.cost.catalog import AWS_SERVICES, AZURE_SERVICES
from multicloud_ctl.operations.cost.currency import apply_currency_policy
from multicloud_ctl.operations.cost.focus_spec import SUBCATEGORY_PARENT, validate_focus_rows
from multicloud_ctl.operations.cost.period import Period
from multicloud_ctl.operations.cost.records import CostRecord, to_focus_row
from multicloud_ctl.operations.cost.render import focus_rows
from multicloud_ctl.operations.cost.sources import Grouping, records_from_ce


def _record(**kw: Any) -> CostRecord:
    base: dict[str, Any] = dict(
        cloud="aws",
        start=date(2026, 1, 30),
        end=date(2026, 1, 31),
        service="Amazon DynamoDB",
        region="us-east-1",
        account_id="123456789012",
        billed=5.5,
        effective=10.0,
        currency="USD",
        tags={},
        quantity=40000.0,
        unit="ReadCapacityUnit-Hrs",
    )
    base.update(kw)
    return CostRecord(**base)


@pytest.mark.parametrize(
    ("cloud", "service"),
    [("aws", s) for s in AWS_SERVICES] + [("azure", s) for s in AZURE_SERVICES] + [("aws", "Tax"), ("azure", "New")],
)
def test_service_subcategory_is_never_null_and_belongs_to_its_category(cloud: str, service: str) -> None:
    row = to_focus_row(_record(cloud=cloud, service=service))
    assert row["ServiceSubcategory"] in SUBCATEGORY_PARENT
    assert SUBCATEGORY_PARENT[row["ServiceSubcategory"]] == row["ServiceCategory"]


def test_usage_row_carries_the_pricing_columns_the_spec_requires() -> None:
    row = to_focus_row(_record(), account_names={"123456789012": "shop-prod"})
    assert validate_focus_rows([row]) == []
    assert row["BillingAccountName"] == row["SubAccountName"] == "shop-prod"
    assert row["PricingQuantity"] == row["ConsumedQuantity"] == "40000"
    assert row["PricingUnit"] == row["ConsumedUnit"] == "ReadCapacityUnit-Hrs"
    assert row["SkuId"] and row["SkuPriceId"] and row["PricingCategory"] == "Other"  # billed != amortized
    assert row["PricingCurrency"] == "USD" and row["PricingCurrencyEffectiveCost"] == "10"
    listed = Decimal(row["ListUnitPrice"]) * Decimal(row["PricingQuantity"])
    assert abs(listed - Decimal(row["ListCost"])) < Decimal("1e-6")
    assert Decimal(row["ListCost"]) >= Decimal(row["ContractedCost"]) >= Decimal(row["EffectiveCost"])
    on_demand = to_focus_row(_record(billed=3.0, effective=3.0))
    assert on_demand["PricingCategory"] == "Standard" and on_demand["ListCost"] == on_demand["BilledCost"] == "3"


def test_without_a_display_name_the_account_id_names_the_sub_account() -> None:
    row = to_focus_row(_record())
    assert row["SubAccountName"] == row["SubAccountId"] == "123456789012"


def test_tax_rows_leave_the_priced_columns_null() -> None:
    row = to_focus_row(_record(service="Tax", billed=1.0, effective=1.0))
    assert row["ChargeCategory"] == "Tax" and validate_focus_rows([row]) == []
    assert row["PricingQuantity"] is None and row["SkuId"] is None and row["ConsumedQuantity"] is None
    assert row["PricingCurrency"] == "USD"


def test_tags_are_null_when_a_row_has_none_and_an_object_otherwise() -> None:
    assert to_focus_row(_record(tags={}))["Tags"] is None
    assert json.loads(to_focus_row(_record(tags={"team": "data"}))["Tags"]) == {"team": "data"}


def test_converted_rows_keep_the_source_currency_as_pricing_currency() -> None:
    converted, _ = apply_currency_policy(
        [_record(currency="EUR", billed=2.0, effective=2.0)],
        CurrencyPolicy(mode="convert", target="USD", rates={"EUR": 1.5}),
    )
    row = to_focus_row(converted[0])
    assert row["BillingCurrency"] == "USD" and row["BilledCost"] == "3"
    assert row["PricingCurrency"] == "EUR" and row["PricingCurrencyEffectiveCost"] == "2"
    assert validate_focus_rows([row]) == []


def test_seeded_cost_explorer_data_conforms_including_cost_ordering() -> None:
    """The sandbox's 90 days of AWS data (reserved DynamoDB: billed below amortized on most days)."""
    today = date(2026, 3, 31)
    rows = generate_rows(today)
    period = Period(date(2026, 1, 1), date(2026, 4, 1))
    pages = ce_pages(rows, period.start, period.end)
    records, _ = records_from_ce(pages, "123456789012", period, Grouping())
    assert any(r.billed < r.effective for r in records)
    focus = focus_rows(records, period, "daily")
    assert validate_focus_rows(focus, limit=10**6) == []
    assert all(Decimal(r["ListCost"]) >= Decimal(r["EffectiveCost"]) for r in focus)


def _good() -> dict[str, Any]:
    return to_focus_row(_record(tags={"team": "data"}))


def _purchase(row: dict[str, Any]) -> None:
    row.update(
        ChargeCategory="Purchase",
        ChargeFrequency="One-Time",
        CommitmentDiscountId="ri-1",
        CommitmentDiscountCategory="Usage",
        CommitmentDiscountType="Reserved Capacity",
        CommitmentDiscountQuantity="1",
        CommitmentDiscountUnit="Hours",
        ConsumedQuantity=None,
        ConsumedUnit=None,
    )


PLANTED: list[tuple[str, dict[str, Any], str]] = [
    ("subcategory null", {"ServiceSubcategory": None}, "ServiceSubcategory must not be null"),
    ("subcategory unknown", {"ServiceSubcategory": "NoSQL"}, "ServiceSubcategory 'NoSQL' is not one of"),
    ("subcategory parent", {"ServiceSubcategory": "Object Storage"}, "belongs to ServiceCategory 'Storage'"),
    ("pricing category", {"PricingCategory": "Spot"}, "PricingCategory 'Spot' is not one of"),
    ("charge class", {"ChargeClass": "Refund"}, "ChargeClass 'Refund' is not one of"),
    ("usage needs quantity", {"PricingQuantity": None, "PricingUnit": None}, "PricingQuantity must not be null"),
    ("usage needs sku", {"SkuId": None, "SkuMeter": None}, "SkuId must not be null"),
    ("usage needs price", {"ListUnitPrice": None}, "ListUnitPrice must not be null"),
    ("usage needs pricing cat", {"PricingCategory": None}, "PricingCategory must not be null"),
    ("tax has no quantity", {"ChargeCategory": "Tax", "ConsumedQuantity": None}, "PricingQuantity must be null"),
    ("unit without quantity", {"PricingQuantity": None}, "PricingUnit must be null when PricingQuantity"),
    ("quantity without unit", {"ConsumedUnit": None}, "ConsumedUnit must not be null when ConsumedQuantity"),
    ("consumed on non-usage", {"ChargeCategory": "Credit"}, "ConsumedQuantity must be null unless"),
    ("usage needs consumed", {"ConsumedQuantity": None, "ConsumedUnit": None}, "ConsumedQuantity must not be null"),
    ("region name alone", {"RegionId": None}, "RegionName must be null when RegionId is null"),
    ("sub account name", {"SubAccountName": None}, "SubAccountName must not be null when SubAccountId"),
    ("list price product", {"ListUnitPrice": "1"}, "ListUnitPrice x PricingQuantity"),
    ("negative unit price", {"ContractedUnitPrice": "-1"}, "ContractedUnitPrice must be a non-negative"),
    ("list below contracted", {"ListCost": "9", "ListUnitPrice": None}, "ListCost (9) is below ContractedCost"),
    ("contracted below effective", {"EffectiveCost": "11"}, "ContractedCost (10) is below EffectiveCost (11)"),
    ("commitment category alone", {"CommitmentDiscountCategory": "Usage"}, "CommitmentDiscountCategory must be null"),
    ("commitment id alone", {"CommitmentDiscountId": "ri-1"}, "CommitmentDiscountCategory must not be null"),
    ("committed needs id", {"PricingCategory": "Committed"}, "PricingCategory Committed needs"),
    ("pricing currency", {"PricingCurrency": None}, "PricingCurrency must not be null"),
    ("pricing currency code", {"PricingCurrency": "Euro"}, "PricingCurrency 'Euro' is not an ISO 4217"),
    ("pricing effective", {"PricingCurrencyEffectiveCost": None}, "PricingCurrencyEffectiveCost must not be null"),
    ("charge period", {"ChargePeriodEnd": "2026-01-30T00:00:00Z"}, "ChargePeriodEnd must be after"),
    ("billing period", {"BillingPeriodEnd": "2026-01-01T00:00:00Z"}, "BillingPeriodEnd must be after"),
    ("tags nested", {"Tags": '{"a": {"b": 1}}'}, "KeyValueFormat"),
    (
        "credit list cost",
        {"ChargeCategory": "Credit", "ConsumedQuantity": None, "ListUnitPrice": None},
        "ListCost must match BilledCost",
    ),
]


@pytest.mark.parametrize(("name", "change", "expected"), PLANTED, ids=[p[0] for p in PLANTED])
def test_the_validator_catches_a_planted_bad_row_per_rule(name: str, change: dict[str, Any], expected: str) -> None:
    good = _good()
    assert validate_focus_rows([good]) == []
    bad = {**good, **change}
    problems = validate_focus_rows([good, bad, good], limit=100)
    assert any(p.startswith("row 1:") and expected in p for p in problems), problems
    assert not any(p.startswith(("row 0:", "row 2:")) for p in problems)


def test_commitment_purchase_rules() -> None:
    row = _good()
    _purchase(row)
    row.update(EffectiveCost="0", PricingCurrencyEffectiveCost="0", ContractedCost="5.5", ListCost="5.5")
    row.update(ListUnitPrice="5.5", ContractedUnitPrice="5.5", PricingQuantity="1", PricingUnit="Units")
    assert validate_focus_rows([row]) == []
    assert any("EffectiveCost must be 0" in p for p in validate_focus_rows([{**row, "EffectiveCost": "5.5"}]))
    assert any("Usage-Based" in p for p in validate_focus_rows([{**row, "ChargeFrequency": "Usage-Based"}]))
    no_qty = {**row, "CommitmentDiscountQuantity": None, "CommitmentDiscountUnit": None}
    assert any("CommitmentDiscountQuantity must not be null" in p for p in validate_focus_rows([no_qty]))
