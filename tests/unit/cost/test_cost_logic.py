"""Pure logic of `mcctl cost`: periods, currency policy, sparklines, movers, forecast, budgets, anomalies."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from calendar_support import TEST_TODAY
from multicloud_ctl.config.specs.cost import AnomalyPolicy, Budget, CostSpec, CurrencyPolicy
from multicloud_ctl.errors import UsageError
from multicloud_ctl.local.cost_seed import RESERVED, generate_rows
from multicloud_ctl.operations.cost.anomalies import detect_anomalies
from multicloud_ctl.operations.cost.budgets import evaluate_budget
from multicloud_ctl.operations.cost.currency import apply_currency_policy
from multicloud_ctl.operations.cost.forecast import forecast_days, remaining_days
from multicloud_ctl.operations.cost.period import Period, parse_last, resolve_period
from multicloud_ctl.operations.cost.records import CostRecord
from multicloud_ctl.operations.cost.report import build_report, sparkline

pytestmark = pytest.mark.calendar

TODAY = TEST_TODAY  # the seeded data and every check below are relative to the pinned test date
FIXED = date(2026, 11, 25)  # period arithmetic checked against literal dates


def _records(today: date = TODAY, days: int = 60) -> list[CostRecord]:
    return [
        CostRecord(
            r.cloud,
            r.day,
            r.day + timedelta(days=1),
            r.service,
            r.region,
            "acct",
            r.billed,
            r.effective,
            r.currency,
            dict(r.tags),
        )
        for r in generate_rows(today, days=days)
    ]


def test_periods() -> None:
    p = resolve_period(last="30d", today=FIXED)
    assert (p.start, p.end, p.days) == (date(2026, 10, 27), date(2026, 11, 26), 30)
    assert resolve_period(since="2026-11-01", until="2026-11-10", today=FIXED) == Period(
        date(2026, 11, 1), date(2026, 11, 11)
    )
    assert resolve_period(today=FIXED).days == 30
    assert parse_last("2w") == 14 and parse_last("3mo") == 90 and parse_last("1w 2d") == 9
    for kwargs, text in [
        ({"last": "0d"}, "too short"),
        ({"last": "30"}, "not a duration"),
        ({"last": "3m"}, "not a whole number of days"),  # `m` is minutes in the one grammar
        ({"last": "36h"}, "not a whole number of days"),
        ({"last": "500d"}, "at most"),
        ({"since": "yesterday"}, "not a date"),
        ({"last": "7d", "since": "2026-01-01"}, "cannot be combined"),
        ({"since": "2025-01-01"}, "at most"),
        ({"since": "2026-11-20", "until": "2026-11-26"}, "ends in the future"),
    ]:
        with pytest.raises(UsageError, match=text):
            resolve_period(today=FIXED, **kwargs)


def test_currency_policy_separate_convert_and_missing_rate() -> None:
    recs = [
        CostRecord("aws", TODAY, TODAY, "S", None, "a", 10.0, 10.0, "USD"),
        CostRecord("azure", TODAY, TODAY, "S", None, "b", 10.0, 8.0, "EUR"),
        CostRecord("azure", TODAY, TODAY, "S", None, "b", 10.0, 10.0, "GBP"),
    ]
    same, warn = apply_currency_policy(recs, CurrencyPolicy())
    assert same == recs and "never summed" in warn[0]
    out, notes = apply_currency_policy(recs, CurrencyPolicy(mode="convert", rates={"EUR": 1.5}))
    assert [(r.currency, r.billed, r.effective) for r in out] == [
        ("USD", 10.0, 10.0),
        ("USD", 15.0, 12.0),
        ("GBP", 10.0, 10.0),
    ]
    assert any("no rate for GBP" in n for n in notes)
    with pytest.raises(ValueError, match="explicit rates"):
        CurrencyPolicy(mode="convert")


def test_sparkline_and_report_totals_per_currency() -> None:
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█"
    assert sparkline([3, 3]) == "▁▁"
    recs = _records()
    period = Period(TODAY - timedelta(days=29), TODAY + timedelta(days=1))
    report = build_report([r for r in recs if period.start <= r.start], period, group_by="provider")
    assert [line.group for line in report.lines] == ["AWS", "Azure"]
    assert report.movers[0].service == "AWS Lambda" and report.movers[0].change > 0
    assert report.mover_basis == "effective"


@pytest.mark.parametrize("day", [date(2026, 12, 2), date(2026, 12, 1), date(2027, 1, 7), date(2028, 3, 1)])
def test_an_up_front_reservation_is_not_a_top_mover_on_effective_cost(day: date) -> None:
    """The reservation bought on the 1st (paid up front) outranks the planted Lambda spike on BilledCost in the
    first week of a month (the bug seen on 2026-12-02). On EffectiveCost (amortized), the default, the usage
    change leads; `billed` still shows the purchase for those who want the invoice view."""
    period = Period(day - timedelta(days=29), day + timedelta(days=1))
    recs = [r for r in _records(day) if period.start <= r.start]
    effective = build_report(recs, period)
    assert effective.movers[0].service == "AWS Lambda" and effective.movers[0].change > 0
    billed = build_report(recs, period, mover_basis="billed")
    assert billed.mover_basis == "billed"
    assert billed.movers[0].service in RESERVED  # Amazon DynamoDB or SQL Database: the purchase on the 1st
    with pytest.raises(UsageError, match="movers-basis"):
        build_report(recs, period, mover_basis="list")


def test_forecast_uses_the_weekly_pattern() -> None:
    start = date(2026, 1, 5)  # a Monday
    history = [100.0 if (start + timedelta(days=i)).weekday() < 5 else 20.0 for i in range(56)]
    weekday, weekend = date(2026, 3, 2), date(2026, 3, 7)
    assert forecast_days(history, start, [weekday]).total == 100.0
    assert forecast_days(history, start, [weekend]).total == 20.0
    f = forecast_days(history, start, [weekday, weekend])
    assert f.low == f.high == 120.0  # no residual spread on a perfect pattern
    assert len(remaining_days(date(2026, 2, 26))) == 2 and remaining_days(date(2026, 2, 28)) == []


def test_budget_status_and_forecast_gate() -> None:
    recs = _records()
    ok = evaluate_budget(Budget(name="big", provider="aws", monthly=1e6), recs, TODAY, TODAY - timedelta(days=59))
    assert ok.status == "ok" and not ok.exceeded_by_forecast and ok.spent > 0
    assert ok.forecast_low <= ok.forecast <= ok.forecast_high
    month_spent = sum(r.billed for r in recs if r.cloud == "aws" and r.start >= TODAY.replace(day=1))
    assert ok.spent == pytest.approx(month_spent)
    tight = evaluate_budget(
        Budget(name="tight", provider="aws", monthly=month_spent * 1.01),
        recs,
        TODAY,
        TODAY - timedelta(days=59),
    )
    if remaining_days(TODAY):
        assert tight.exceeded_by_forecast and tight.status == "forecast over"
    else:  # the last day of the month: nothing is left to forecast, 99 % is where the month ends
        assert not tight.exceeded_by_forecast and tight.forecast == pytest.approx(month_spent)
    assert tight.thresholds_crossed == [50, 80]  # 99 % spent: 100 not reached yet
    eur = evaluate_budget(Budget(name="eur", monthly=10, currency="EUR"), recs, TODAY, TODAY - timedelta(days=59))
    assert eur.spent == 0 and "not counted" in eur.notes[0]


def test_anomalies_flag_the_planted_spikes_only() -> None:
    recs = _records()
    found = detect_anomalies(recs, start=TODAY - timedelta(days=59), today=TODAY, policy=AnomalyPolicy())
    flagged = {(a.provider, a.service, a.day) for a in found}
    assert ("AWS", "AWS Lambda", TODAY - timedelta(days=3)) in flagged
    assert ("Azure", "Bandwidth", TODAY - timedelta(days=10)) in flagged
    assert len(found) <= 4  # weekday seasonality and noise are not anomalies
    spike = next(a for a in found if a.service == "AWS Lambda")
    assert spike.low <= spike.expected <= spike.high < spike.actual and spike.direction == "spike"


def test_cost_playbook_in_repo_validates() -> None:
    from pathlib import Path

    from multicloud_ctl.config.playbook import load_playbook

    pb = load_playbook(Path(__file__).resolve().parents[3] / "playbooks" / "cost.yaml", "Cost")
    assert isinstance(pb.spec, CostSpec) and len(pb.spec.budgets) == 4
    with pytest.raises(ValueError, match="unique"):
        CostSpec(budgets=[Budget(name="a", monthly=1), Budget(name="a", monthly=2)])


def test_usage_date_forms() -> None:
    from multicloud_ctl.operations.cost.sources import _usage_day

    assert _usage_day(20260131) == _usage_day(20260131.0) == _usage_day("2026-01-31T00:00:00") == date(2026, 1, 31)
    assert _usage_day("garbage") is None and _usage_day(None) is None
