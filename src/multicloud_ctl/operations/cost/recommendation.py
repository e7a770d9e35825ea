"""One cost recommendation, and the checks that read the bills and the purchase-recommendation APIs.

Commitments: Cost Explorer's Savings Plans / reservation purchase recommendations and Azure's benefit
recommendations; a data source that does not answer gives an `unavailable` line with the reason. Data
transfer (AWS Data Transfer, Azure Bandwidth) and the idle standby region come from the last 30 days' bills.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from multicloud_ctl.errors import McctlError

DAYS_MONTH = 30.4


@dataclass
class Recommendation:
    """One finding."""

    area: str
    provider: str
    finding: str
    monthly_saving: float | None
    status: str  # recommended | ok | info | unavailable
    currency: str = "USD"

    @property
    def saving_text(self) -> str:
        return "-" if self.monthly_saving is None else f"{self.monthly_saving:,.2f} {self.currency}"


def unavailable(area: str, provider: str, exc: Exception) -> Recommendation:
    return Recommendation(area, provider, f"data source unavailable: {exc}", None, "unavailable")


def commitments(ce: Any | None, cm: Any | None, subscription: str) -> list[Recommendation]:
    out = []
    if ce is not None:
        for label, call in (
            ("Compute Savings Plan", ce.savings_plans_recommendation),
            ("DynamoDB reserved capacity", lambda: ce.reservation_recommendation("Amazon DynamoDB")),
        ):
            try:
                answer = call()
                details = answer.get("SavingsPlansPurchaseRecommendation") or answer.get("Recommendations") or {}
                summary = (
                    details.get("SavingsPlansPurchaseRecommendationSummary", {}) if isinstance(details, dict) else {}
                )
                saving = float(summary.get("EstimatedMonthlySavingsAmount", 0) or 0)
                out.append(
                    Recommendation(
                        "commitments",
                        "AWS",
                        f"{label}: Cost Explorer recommendation",
                        saving,
                        "recommended" if saving > 0 else "ok",
                    )
                )
            except McctlError as exc:
                out.append(unavailable("commitments", "AWS", Exception(f"{label}: {exc.message}")))
    if cm is not None:
        try:
            recs = cm.benefit_recommendations(f"subscriptions/{subscription}")
            if not recs:
                out.append(
                    Recommendation(
                        "commitments",
                        "Azure",
                        "no savings plan / reservation recommendation returned for the subscription",
                        None,
                        "ok",
                    )
                )
            for r in recs:
                props = getattr(r, "properties", None)
                amount = getattr(getattr(props, "recommendation_details", None), "savings_amount", None)
                out.append(
                    Recommendation(
                        "commitments",
                        "Azure",
                        f"benefit recommendation {getattr(r, 'name', '')}",
                        float(amount) if amount is not None else None,
                        "recommended",
                    )
                )
        except McctlError as exc:
            out.append(unavailable("commitments", "Azure", Exception(exc.message)))
    return out


def from_bills(records: list[Any], standby: dict[str, str], days: int) -> list[Recommendation]:
    scale = DAYS_MONTH / days
    out = []
    for cloud, label, service in (("aws", "AWS", "AWS Data Transfer"), ("azure", "Azure", "Bandwidth")):
        by_cur: dict[str, float] = {}
        for r in records:
            if r.cloud == cloud and r.service == service:
                by_cur[r.currency] = by_cur.get(r.currency, 0.0) + r.billed
        for cur, amount in sorted(by_cur.items()):
            out.append(
                Recommendation(
                    "data transfer",
                    label,
                    f"{service}: {amount * scale:,.2f} {cur}/month "
                    "(cross-region replication, CDC and backup traffic); compress CDC batches and "
                    "keep backups' reads in-region",
                    None,
                    "info",
                    cur,
                )
            )
    for cloud, region in standby.items():
        by_cur = {}
        for r in records:
            if r.cloud == cloud and r.region == region:
                by_cur[r.currency] = by_cur.get(r.currency, 0.0) + r.billed
        label = "AWS" if cloud == "aws" else "Azure"
        for cur, amount in sorted(by_cur.items()) or [("USD", 0.0)]:
            out.append(
                Recommendation(
                    "idle standby",
                    label,
                    f"warm standby in {region}: {amount * scale:,.2f} {cur}/month (the price of the failover RTO)",
                    None,
                    "info",
                    cur,
                )
            )
    return out
