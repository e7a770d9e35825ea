"""Tables and JSON documents for the budget, forecast, anomaly and recommendation views.

Each function returns `(data, columns, rows)` for `Console.emit` (JSON in `--output json`, a table otherwise),
so the CLI module only wires options to views.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from multicloud_ctl.operations.cost.anomalies import METHOD as ANOMALY_METHOD
from multicloud_ctl.operations.cost.anomalies import Anomaly
from multicloud_ctl.operations.cost.budgets import BudgetStatus
from multicloud_ctl.operations.cost.recommendation import Recommendation
from multicloud_ctl.operations.cost.render import money

BUDGET_COLUMNS = ["Budget", "Scope", "Currency", "Monthly", "Spent", "Used", "Forecast", "80% band", "Status"]
View = tuple[Any, list[str], list[list[Any]]]


def budget_rows(budgets: Sequence[BudgetStatus]) -> list[list[Any]]:
    return [
        [
            b.name,
            b.scope,
            b.currency,
            money(b.amount),
            money(b.spent),
            f"{b.percent_spent:.0f}%",
            money(b.forecast),
            f"{money(b.forecast_low)} .. {money(b.forecast_high)}",
            b.status,
        ]
        for b in budgets
    ]


def budget_json(budgets: Sequence[BudgetStatus]) -> list[dict[str, Any]]:
    return [
        {
            "name": b.name,
            "scope": b.scope,
            "currency": b.currency,
            "amount": b.amount,
            "spent": round(b.spent, 2),
            "percent_spent": round(b.percent_spent, 1),
            "forecast": round(b.forecast, 2),
            "forecast_low": round(b.forecast_low, 2),
            "forecast_high": round(b.forecast_high, 2),
            "percent_forecast": round(b.percent_forecast, 1),
            "thresholds_crossed": b.thresholds_crossed,
            "status": b.status,
            "method": b.method,
            "notes": b.notes,
        }
        for b in budgets
    ]


def forecast_view_data(result: Any) -> View:
    """`cost forecast`: per provider month to date, rest of month, month end and band, with the method."""
    providers = [
        {
            "provider": p.provider,
            "currency": p.currency,
            "month_to_date": round(p.month_to_date, 2),
            "forecast_remaining": round(p.remaining, 2),
            "month_end_total": round(p.month_end_total, 2),
            "low": round(p.month_to_date + p.low, 2),
            "high": round(p.month_to_date + p.high, 2),
            "method": p.method,
        }
        for p in result.providers
    ]
    data = {
        "today": result.today,
        "month_end": result.month_end,
        "providers": providers,
        "budgets": budget_json(result.budgets),
        "notes": result.notes,
    }
    columns = ["Provider", "Currency", "Month to date", "Rest of month", "Month end", "80% band", "Method"]
    rows = [
        [
            p.provider,
            p.currency,
            money(p.month_to_date),
            money(p.remaining),
            money(p.month_end_total),
            f"{money(p.month_to_date + p.low)} .. {money(p.month_to_date + p.high)}",
            p.method.split(" (")[0],
        ]
        for p in result.providers
    ]
    return data, columns, rows


def anomalies_view_data(found: Sequence[Anomaly], policy: Any) -> View:
    """`cost anomalies`: flagged days with the expected range and the robust z."""
    data = {
        "method": ANOMALY_METHOD,
        "policy": policy,
        "anomalies": [
            {
                "day": a.day,
                "provider": a.provider,
                "service": a.service,
                "currency": a.currency,
                "actual": round(a.actual, 2),
                "expected": round(a.expected, 2),
                "expected_low": round(a.low, 2),
                "expected_high": round(a.high, 2),
                "z": round(a.z, 1),
                "delta": round(a.delta, 2),
                "direction": a.direction,
            }
            for a in found
        ],
    }
    columns = ["Day", "Provider", "Service", "Currency", "Actual", "Expected", "Expected range", "z", "Delta"]
    rows = [
        [
            a.day,
            a.provider,
            a.service,
            a.currency,
            money(a.actual),
            money(a.expected),
            f"{money(a.low)} .. {money(a.high)}",
            f"{a.z:+.1f}",
            f"{a.delta:+,.2f}",
        ]
        for a in found
    ]
    return data, columns, rows


def recommend_view_data(recs: Sequence[Recommendation]) -> View:
    """`cost recommend`: one line per finding, unavailable sources included."""
    data = {
        "recommendations": list(recs),
        "total_monthly_saving": {
            c: round(sum(r.monthly_saving or 0.0 for r in recs if r.currency == c and r.status == "recommended"), 2)
            for c in sorted({r.currency for r in recs})
        },
    }
    columns = ["Area", "Provider", "Finding", "Monthly saving", "Status"]
    return data, columns, [[r.area, r.provider, r.finding, r.saving_text, r.status] for r in recs]
