"""Fetch daily cost from both clouds and reduce it to `CostRecord`s.

AWS: one `get_cost_and_usage` query (DAILY; UnblendedCost, AmortizedCost, UsageQuantity; grouped by SERVICE
and REGION, or SERVICE and TAG:key), every page. Azure: two `query.usage` queries (ActualCost and
AmortizedCost; Daily; grouped by ServiceName and ResourceLocation, or ServiceName and TagKey), every page,
merged by (day, service, location/tag, currency). Data is always fetched daily; monthly views roll up here,
so each cloud sees one query shape. Rows outside the period asked for are dropped (defensive: the sandbox's
Cost Explorer answers injected results whatever the query).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

from multicloud_ctl.operations.cost.catalog import normalize_region
from multicloud_ctl.operations.cost.period import Period, month_bounds
from multicloud_ctl.operations.cost.records import NO_TAGS, CostDataset, CostRecord, Interner

UNTAGGED = ""


@dataclass(frozen=True)
class Grouping:
    """What the second grouping dimension is: the region (default) or one tag key."""

    tag_key: str | None = None

    def aws(self) -> tuple[tuple[str, str], ...]:
        second = ("TAG", self.tag_key) if self.tag_key else ("DIMENSION", "REGION")
        return (("DIMENSION", "SERVICE"), second)

    def azure(self) -> tuple[tuple[str, str], ...]:
        second = ("TagKey", self.tag_key) if self.tag_key else ("Dimension", "ResourceLocation")
        return (("Dimension", "ServiceName"), second)


def records_from_ce(
    pages: Iterable[dict[str, Any]], account_id: str, period: Period, grouping: Grouping
) -> tuple[list[CostRecord], list[str]]:
    """CostRecords from Cost Explorer pages, and warnings (e.g. metrics in two currencies)."""
    out: list[CostRecord] = []
    warnings: list[str] = []
    share = Interner()  # dates, names and tag mappings repeat on every page: keep one object of each
    for page in pages:
        for item in page.get("ResultsByTime", []):
            start = share(date.fromisoformat(item["TimePeriod"]["Start"]))
            end = share(date.fromisoformat(item["TimePeriod"]["End"]))
            if start < period.start or start >= period.end:
                continue
            for group in item.get("Groups", []):
                keys = group.get("Keys", [])
                metrics = group.get("Metrics", {})
                unblended = metrics.get("UnblendedCost") or {"Amount": "0", "Unit": "USD"}
                amortized = metrics.get("AmortizedCost") or unblended
                if amortized.get("Unit") != unblended.get("Unit"):
                    warnings.append(
                        f"AWS {keys[0]}: AmortizedCost in {amortized.get('Unit')} but "
                        f"UnblendedCost in {unblended.get('Unit')}; effective cost not comparable"
                    )
                usage = metrics.get("UsageQuantity")
                region: str | None = None
                tags = NO_TAGS
                second = keys[1] if len(keys) > 1 else ""
                if grouping.tag_key:
                    value = second.split("$", 1)[1] if "$" in second else second
                    tags = _tag(share, grouping.tag_key, value)
                else:
                    region = share(normalize_region(second))
                out.append(
                    CostRecord(
                        cloud="aws",
                        start=start,
                        end=end,
                        service=share(keys[0]) if keys else "Unknown",
                        region=region,
                        account_id=account_id,
                        billed=float(unblended["Amount"]),
                        effective=float(amortized["Amount"]),
                        currency=share(str(unblended.get("Unit") or "USD")),
                        tags=tags,
                        quantity=float(usage["Amount"]) if usage else None,
                        unit=None if not usage or usage.get("Unit") in (None, "N/A") else share(str(usage["Unit"])),
                    )
                )
    return out, warnings


def _tag(share: Interner, key: str, value: str) -> Mapping[str, str]:
    """The tags of a row grouped by one tag key: one shared read-only mapping per value, none when untagged."""
    return share.shared((key, value), lambda: MappingProxyType({key: value})) if value else NO_TAGS


def _usage_day(value: Any) -> date | None:
    """UsageDate as the API sends it: a number 20260131 (also as 20260131.0) or an ISO date-time string."""
    text = str(int(value)) if isinstance(value, int | float) else str(value or "")[:10].replace("-", "")
    if len(text) != 8 or not text.isdigit():
        return None
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


def records_from_cm(
    actual: Iterable[Any], amortized: Iterable[Any], subscription: str, period: Period, grouping: Grouping
) -> list[CostRecord]:
    """CostRecords from Cost Management pages of the ActualCost and AmortizedCost queries, merged."""
    merged: dict[tuple[Any, ...], CostRecord] = {}
    share = Interner()
    days: dict[int | float | str, date | None] = {}  # UsageDate -> date (pages repeat a few days)
    for is_actual, pages in ((True, actual), (False, amortized)):
        for page in pages:
            idx = {name.lower(): i for i, name in enumerate(page.columns)}
            cost_i = idx.get("cost", idx.get("pretaxcost", idx.get("totalcost", 0)))
            qty_i, day_i = idx.get("usagequantity"), idx.get("usagedate")
            svc_i, loc_i = idx.get("servicename"), idx.get("resourcelocation")
            tag_i, cur_i = idx.get("tagvalue"), idx.get("currency")
            for row in page.rows:
                raw_day = row[day_i] if day_i is not None else None
                if not isinstance(raw_day, int | float | str):
                    continue
                day = days[raw_day] if raw_day in days else days.setdefault(raw_day, _usage_day(raw_day))
                if day is None:
                    continue
                if day < period.start or day >= period.end:
                    continue
                service = share(str(row[svc_i])) if svc_i is not None else "Unknown"
                region = share(normalize_region(str(row[loc_i]))) if loc_i is not None else None
                tag = str(row[tag_i] or "") if tag_i is not None else ""
                currency = share(str(row[cur_i])) if cur_i is not None else "USD"
                key = (day, service, region, tag, currency)
                rec = merged.get(key)
                if rec is None:
                    rec = merged[key] = CostRecord(
                        cloud="azure",
                        start=day,
                        end=share(date.fromordinal(day.toordinal() + 1)),
                        service=service,
                        region=region,
                        account_id=subscription,
                        billed=0.0,
                        effective=0.0,
                        currency=currency,
                        tags=_tag(share, grouping.tag_key, tag) if grouping.tag_key else NO_TAGS,
                    )
                amount = float(row[cost_i] or 0)
                if is_actual:
                    rec.billed += amount
                    if qty_i is not None:
                        rec.quantity = (rec.quantity or 0.0) + float(row[qty_i] or 0)
                else:
                    rec.effective += amount
    return list(merged.values())


def fetch_aws(ce: Any, account_id: str, period: Period, grouping: Grouping) -> tuple[list[CostRecord], list[str]]:
    """Every AWS record for the period (`ce` is a providers.aws.cost_explorer.CostExplorer)."""
    pages = ce.cost_and_usage(period.start, period.end, group_by=grouping.aws())
    return records_from_ce(pages, account_id, period, grouping)


def fetch_azure(cm: Any, subscription: str, period: Period, grouping: Grouping) -> list[CostRecord]:
    """Every Azure record for the period (`cm` is a providers.azure.cost_management.CostManagement)."""
    scope = f"subscriptions/{subscription}"
    # both generators: a page is merged and dropped before the next is asked for (the second query starts
    # when the first is exhausted), so only the merged records stay in memory
    actual = cm.query(scope, period.start, period.end, cost_type="ActualCost", grouping=grouping.azure())
    amortized = cm.query(scope, period.start, period.end, cost_type="AmortizedCost", grouping=grouping.azure())
    return records_from_cm(actual, amortized, subscription, period, grouping)


def collect(
    period: Period, *, grouping: Grouping, aws: tuple[Any, str] | None, azure: tuple[Any, str] | None
) -> CostDataset:
    """Fetch both sources into one daily dataset. `aws`/`azure` are (client, account id) or None to skip."""
    records: list[CostRecord] = []
    dataset = CostDataset(start=period.start, end=period.end, granularity="daily", records=records)
    if aws is not None:
        got, warnings = fetch_aws(aws[0], aws[1], period, grouping)
        records.extend(got)
        dataset.warnings.extend(dict.fromkeys(warnings))
        dataset.sources["aws"] = f"{len(got)} rows"
    if azure is not None:
        got_az = fetch_azure(azure[0], azure[1], period, grouping)
        records.extend(got_az)
        dataset.sources["azure"] = f"{len(got_az)} rows"
    return dataset


def rollup_monthly(records: Iterable[CostRecord], period: Period) -> list[CostRecord]:
    """Daily records summed per calendar month (charge period clipped to the report period)."""
    acc: dict[tuple[Any, ...], CostRecord] = {}
    for r in records:
        first, nxt = month_bounds(r.start)
        key = (r.cloud, first, r.service, r.region, r.account_id, r.currency, tuple(sorted(r.tags.items())))
        m = acc.get(key)
        if m is None:
            acc[key] = CostRecord(
                r.cloud,
                max(first, period.start),
                min(nxt, period.end),
                r.service,
                r.region,
                r.account_id,
                r.billed,
                r.effective,
                r.currency,
                r.tags,  # shared, never mutated
                r.quantity,
                r.unit,
                r.pricing_currency,
                r.pricing_rate,
            )
        else:
            m.billed += r.billed
            m.effective += r.effective
            if r.quantity is not None:
                m.quantity = (m.quantity or 0.0) + r.quantity
    return list(acc.values())
