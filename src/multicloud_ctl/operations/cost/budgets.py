"""Budgets: spent this month, percent used, thresholds crossed and the forecast to month end.

A budget counts only records in its own currency (after the currency policy): a budget in USD never
silently absorbs EUR charges; if some of its scope is billed in another currency the status says so.
Month-to-date includes today; the forecast covers tomorrow to the end of the month from the complete days
before today (see `forecast.METHOD`). `exceeded_by_forecast` drives exit code 3 (a CI gate).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from multicloud_ctl.config.specs.cost import Budget
from multicloud_ctl.operations.cost.forecast import forecast_days, remaining_days
from multicloud_ctl.operations.cost.records import CostRecord

PROVIDER = {"aws": "AWS", "azure": "Azure", "all": "AWS + Azure"}


@dataclass
class BudgetStatus:
    """Where one budget stands today."""

    name: str
    scope: str
    currency: str
    amount: float
    spent: float
    forecast: float
    forecast_low: float
    forecast_high: float
    thresholds_crossed: list[int]
    method: str
    notes: list[str] = field(default_factory=list)

    @property
    def percent_spent(self) -> float:
        return 100.0 * self.spent / self.amount

    @property
    def percent_forecast(self) -> float:
        return 100.0 * self.forecast / self.amount

    @property
    def exceeded_by_forecast(self) -> bool:
        return self.forecast > self.amount

    @property
    def status(self) -> str:
        if self.spent > self.amount:
            return "over budget"
        if self.exceeded_by_forecast:
            return "forecast over"
        if self.thresholds_crossed:
            return f"{self.thresholds_crossed[-1]}% reached"
        return "ok"


def _in_scope(budget: Budget, record: CostRecord) -> bool:
    if budget.provider != "all" and record.cloud != budget.provider:
        return False
    return budget.service is None or record.service == budget.service


def evaluate_budget(budget: Budget, records: Sequence[CostRecord], today: date, history_start: date) -> BudgetStatus:
    """The status of one budget from daily records covering at least this month and some history."""
    month_start = today.replace(day=1)
    days = (today - history_start).days + 1
    series = [0.0] * max(days, 0)
    other: set[str] = set()
    for r in records:
        if not _in_scope(budget, r):
            continue
        if r.currency != budget.currency:
            other.add(r.currency)
            continue
        i = (r.start - history_start).days
        if 0 <= i < days:
            series[i] += r.effective if budget.basis == "effective" else r.billed
    spent = sum(series[(month_start - history_start).days :]) if month_start >= history_start else sum(series)
    complete = series[:-1]  # today is still accruing: model on the complete days only
    ahead = forecast_days(complete, history_start, remaining_days(today))
    scope = PROVIDER[budget.provider] + (f" / {budget.service}" if budget.service else "")
    notes = []
    if other:
        notes.append(
            f"charges in {', '.join(sorted(other))} are in scope but not counted (budget is in {budget.currency})"
        )
    if month_start < history_start:
        notes.append(f"data starts {history_start}: month-to-date is incomplete")
    return BudgetStatus(
        name=budget.name,
        scope=scope,
        currency=budget.currency,
        amount=budget.monthly,
        spent=spent,
        forecast=spent + ahead.total,
        forecast_low=spent + ahead.low,
        forecast_high=spent + ahead.high,
        thresholds_crossed=[t for t in budget.thresholds if 100.0 * spent / budget.monthly >= t],
        method=ahead.method,
        notes=notes,
    )


def evaluate_budgets(
    budgets: Sequence[Budget], records: Sequence[CostRecord], today: date, history_start: date
) -> list[BudgetStatus]:
    """Every budget's status."""
    return [evaluate_budget(b, records, today, history_start) for b in budgets]


def budget_window_start(today: date) -> date:
    """First day of the data budgets need: 59 days back (covers the month and ~4 weeks of history)."""
    return today - timedelta(days=59)
