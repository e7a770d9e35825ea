"""The four read-only views behind `mcctl cost report|forecast|anomalies`, built from fetched data.

Each view takes a `CostSources` (clients already built) and the Cost playbook spec and returns a result the
CLI renders. Budgets and forecasts need this month plus a few weeks of history, so they read the trailing
60-day window (reused when the report already covers it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from multicloud_ctl.config.specs.cost import CostSpec
from multicloud_ctl.errors import ProviderError
from multicloud_ctl.operations.cost.anomalies import Anomaly, detect_anomalies, needed_days
from multicloud_ctl.operations.cost.budgets import BudgetStatus, budget_window_start, evaluate_budgets
from multicloud_ctl.operations.cost.fetch import CostSources
from multicloud_ctl.operations.cost.forecast import METHOD, forecast_days, month_end, remaining_days
from multicloud_ctl.operations.cost.period import Period
from multicloud_ctl.operations.cost.records import CostDataset
from multicloud_ctl.operations.cost.report import PROVIDER_LABEL, CostReport, build_report


def default_playbook() -> Path:
    """`cost.yaml` in the playbook directory (config/home.py)."""
    from multicloud_ctl.config.home import current

    return current().playbook("cost.yaml")


def load_spec(path: Path | None) -> tuple[CostSpec, str]:
    """The Cost spec from `path` (else playbooks/cost.yaml if present, else defaults) and its origin."""
    from multicloud_ctl.config.playbook import load_playbook

    if path is None:
        if not default_playbook().exists():
            return CostSpec(), "defaults (no playbooks/cost.yaml)"
        path = default_playbook()
    return load_playbook(path, "Cost").spec, str(path)


def budget_period(today: date) -> Period:
    return Period(budget_window_start(today), today + timedelta(days=1))


@dataclass
class ReportResult:
    """A report, the budgets evaluated beside it, and the data it was built from."""

    report: CostReport
    dataset: CostDataset
    budgets: list[BudgetStatus] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.dataset.records


def _budget_statuses(
    sources: CostSources, spec: CostSpec, today: date, reuse: CostDataset | None
) -> list[BudgetStatus]:
    if not spec.budgets:
        return []
    window = budget_period(today)
    data = reuse if reuse is not None and reuse.start <= window.start and reuse.end >= window.end else None
    data = data or sources.fetch(window, policy=spec.currency)
    return evaluate_budgets(spec.budgets, data.records, today, window.start)


def report_view(
    sources: CostSources,
    spec: CostSpec,
    period: Period,
    *,
    today: date,
    group_by: str = "service",
    granularity: str = "daily",
    with_budgets: bool = True,
    mover_basis: str | None = None,
) -> ReportResult:
    """Fetch and build the report (and the budgets, unless asked not to)."""
    tag_key = group_by[4:] if group_by.startswith("tag:") else None
    dataset = sources.fetch(period, tag_key=tag_key, policy=spec.currency)
    report = build_report(
        dataset.records,
        period,
        group_by=group_by,
        granularity=granularity,
        movers=spec.top_movers,
        mover_basis=mover_basis or spec.movers_basis,
        warnings=dataset.warnings,
        sources=dataset.sources,
    )
    budgets = _budget_statuses(sources, spec, today, None if tag_key else dataset) if with_budgets else []
    return ReportResult(report, dataset, budgets)


@dataclass
class ProviderForecast:
    """Month-end forecast for one provider in one currency."""

    provider: str
    currency: str
    month_to_date: float
    remaining: float
    low: float
    high: float
    method: str

    @property
    def month_end_total(self) -> float:
        return self.month_to_date + self.remaining


@dataclass
class ForecastResult:
    today: date
    month_end: date
    providers: list[ProviderForecast]
    budgets: list[BudgetStatus]
    notes: list[str]


def forecast_view(
    sources: CostSources,
    spec: CostSpec,
    *,
    today: date,
    ce_forecast: Callable[[date, date], dict[str, Any]] | None = None,
) -> ForecastResult:
    """Forecast to month end per provider; Cost Explorer's forecast for AWS when it answers, else ours."""
    window = budget_period(today)
    data = sources.fetch(window, policy=spec.currency)
    ahead = remaining_days(today)
    month_start = today.replace(day=1)
    notes: list[str] = []
    series: dict[tuple[str, str], list[float]] = {}
    for r in data.records:
        i = (r.start - window.start).days
        if 0 <= i < window.days:
            series.setdefault((r.cloud, r.currency), [0.0] * window.days)[i] += r.billed
    out = []
    for (cloud, currency), values in sorted(series.items()):
        mtd = sum(values[(month_start - window.start).days :])
        own = forecast_days(values[:-1], window.start, ahead)
        result = ProviderForecast(PROVIDER_LABEL[cloud], currency, mtd, own.total, own.low, own.high, METHOD)
        if cloud == "aws" and ahead and ce_forecast is not None:
            try:
                answer = ce_forecast(ahead[0], ahead[-1] + timedelta(days=1))
                periods = answer.get("ForecastResultsByTime", [])
                result = ProviderForecast(
                    "AWS",
                    str(answer["Total"]["Unit"]),
                    mtd,
                    float(answer["Total"]["Amount"]),
                    sum(float(p.get("PredictionIntervalLowerBound", 0)) for p in periods),
                    sum(float(p.get("PredictionIntervalUpperBound", 0)) for p in periods),
                    "Cost Explorer get_cost_forecast (80% prediction interval)",
                )
            except (ProviderError, KeyError, ValueError) as exc:
                notes.append(f"AWS: Cost Explorer forecast unavailable ({exc}); using our own forecast")
        out.append(result)
    budgets = evaluate_budgets(spec.budgets, data.records, today, window.start)
    return ForecastResult(today, month_end(today), out, budgets, notes + data.warnings)


def anomalies_view(
    sources: CostSources, spec: CostSpec, *, today: date, sensitivity: float | None = None
) -> tuple[list[Anomaly], CostDataset, Any]:
    """Flagged days per service, the data they came from, and the policy used."""
    policy = spec.anomalies if sensitivity is None else spec.anomalies.model_copy(update={"sensitivity": sensitivity})
    days = max(60, needed_days(policy))
    period = Period(today - timedelta(days=days - 1), today + timedelta(days=1))
    data = sources.fetch(period, policy=spec.currency)
    return detect_anomalies(data.records, start=period.start, today=today, policy=policy), data, policy
