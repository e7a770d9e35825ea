"""Spec of the Cost playbook kind (`playbooks/cost.yaml`): budgets, anomaly sensitivity, currency policy.

Budgets are monthly, per provider (aws | azure | all) and optionally per service, in one currency, with
alert thresholds in percent. Currencies are never summed silently: `mode: separate` keeps one total per
currency (and warns), `mode: convert` converts into `target` only with an explicit rate for every currency
seen (1 unit of the currency = rate units of the target).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from multicloud_ctl.config.specs.base import Spec

CURRENCY_CODE = r"^[A-Z]{3}$"


class Budget(Spec):
    """A monthly budget for one provider (or both), optionally one service."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    provider: Literal["aws", "azure", "all"] = "all"
    service: str | None = Field(default=None, description="provider's service name, e.g. 'AWS Lambda'")
    monthly: float = Field(gt=0, description="budget amount per calendar month (UTC)")
    currency: str = Field(default="USD", pattern=CURRENCY_CODE)
    basis: Literal["billed", "effective"] = Field(
        default="billed", description="billed = invoice view (unblended/actual), effective = amortized"
    )
    thresholds: list[int] = Field(default=[50, 80, 100], description="alert at these percents of the budget")

    @field_validator("thresholds")
    @classmethod
    def _thresholds(cls, value: list[int]) -> list[int]:
        if any(t <= 0 or t > 1000 for t in value):
            raise ValueError("thresholds are percents between 1 and 1000")
        return sorted(set(value))


class AnomalyPolicy(Spec):
    """Robust anomaly detection on each service's daily series (median / MAD)."""

    sensitivity: float = Field(default=3.5, gt=0, description="flag when |robust z| exceeds this")
    min_daily_delta: float = Field(default=5.0, ge=0, description="ignore deviations smaller than this amount")
    lookback_days: int = Field(default=28, ge=7, le=180, description="trailing days that define 'normal'")
    evaluate_days: int = Field(default=14, ge=1, le=90, description="recent days checked for anomalies")


class CurrencyPolicy(Spec):
    """How amounts in different currencies are combined."""

    mode: Literal["separate", "convert"] = "separate"
    target: str = Field(default="USD", pattern=CURRENCY_CODE)
    rates: dict[str, float] = Field(
        default_factory=dict, description="1 unit of KEY = VALUE units of target, e.g. EUR: 1.08"
    )

    @model_validator(mode="after")
    def _convert_needs_rates(self) -> CurrencyPolicy:
        if self.mode == "convert" and not self.rates:
            raise ValueError("mode convert needs an explicit rates table (currency: rate to target)")
        for code, rate in self.rates.items():
            if len(code) != 3 or not code.isupper():
                raise ValueError(f"rates key {code!r} is not an ISO 4217 code")
            if rate <= 0:
                raise ValueError(f"rate for {code} must be > 0")
        return self


class RecommendPolicy(Spec):
    """Inputs for `mcctl cost recommend` that the bills do not carry."""

    idle_standby_regions: dict[str, str] = Field(
        default_factory=lambda: {"aws": "us-west-2", "azure": "westus"},
        description="the warm-standby region per cloud (its monthly cost is reported)",
    )
    lambda_memory_mb: dict[str, int] = Field(
        default_factory=dict, description="configured memory per function, when not read live"
    )


class CostSpec(Spec):
    """The Cost playbook."""

    budgets: list[Budget] = []
    anomalies: AnomalyPolicy = AnomalyPolicy()
    currency: CurrencyPolicy = CurrencyPolicy()
    recommend: RecommendPolicy = RecommendPolicy()
    top_movers: int = Field(default=5, ge=0, le=50)
    # Which FOCUS column top movers compare: EffectiveCost (amortized; a reservation bought up front does not
    # show as a mover) or BilledCost (the invoice view). `--movers-basis` overrides it.
    movers_basis: Literal["effective", "billed"] = "effective"

    @model_validator(mode="after")
    def _unique_budget_names(self) -> CostSpec:
        names = [b.name for b in self.budgets]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"budget names must be unique: {', '.join(dupes)}")
        return self
