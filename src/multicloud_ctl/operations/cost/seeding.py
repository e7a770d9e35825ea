"""`mcctl cost seed`: load the deterministic sandbox cost data into moto's Cost Explorer and the sandbox ARM.

moto answers each distinct `get_cost_and_usage` request body with the next injected result and then keeps
answering that body the same way. So for every canonical query mcctl issues (the last 7/14/30/60/90 days and
each calendar month in the seeded range, grouped by region or by the `team` tag) this injects the
query's pages and immediately runs the query once through our own client, which binds them. A query that is
already bound (seeded earlier the same day) is detected and skipped, so seeding twice is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import UsageError
from multicloud_ctl.local.cost_seed import (
    arm_records,
    ce_pages,
    generate_rows,
    inject_ce,
    load_arm_cost,
)
from multicloud_ctl.operations.cost.period import Period, month_bounds
from multicloud_ctl.operations.cost.seed_metrics import usage_metrics
from multicloud_ctl.operations.cost.sources import Grouping

if TYPE_CHECKING:
    from multicloud_ctl.engine.executor import StepContext
    from multicloud_ctl.engine.run import Operation
    from multicloud_ctl.engine.runtime import Runtime

PRIMED_WINDOWS = (7, 14, 30, 60, 90)
PRIMED_TAGS = (None, "team")


@dataclass
class SeedSummary:
    """What was seeded."""

    days: int
    aws_rows: int
    azure_rows: int
    metric_points: int
    primed_queries: int
    skipped_queries: int
    first_day: date
    last_day: date


def primed_periods(today: date, days: int) -> list[Period]:
    """The periods mcctl's sandbox answers: trailing windows and calendar months inside the seeded range."""
    first = today - timedelta(days=days - 1)
    periods = [Period(today - timedelta(days=n - 1), today + timedelta(days=1)) for n in PRIMED_WINDOWS if n <= days]
    month = first.replace(day=1)
    while month <= today:
        start, nxt = month_bounds(month)
        periods.append(Period(max(start, first), min(nxt, today + timedelta(days=1))))
        month = nxt
    return list(dict.fromkeys(periods))


def seed_cost(
    *,
    moto_url: str | None,
    arm_url: str | None,
    ce: Any | None,
    aws_account: str,
    azure_subscription: str,
    today: date,
    days: int = 90,
    seed: int = 7,
    metrics: tuple[Any, Any] | None = None,
    now: datetime | None = None,
) -> SeedSummary:
    """Seed both sandbox cost stores (either may be skipped by passing None).

    `metrics` = (CloudWatchMetrics, Environment) also publishes the usage metrics `cost recommend` reads.
    """
    if days < 14 or days > 366:
        raise UsageError(f"--days {days} is out of range", hint="seed between 14 and 366 days")
    rows = generate_rows(today, days=days, seed=seed)
    primed = skipped = 0
    if moto_url and ce is not None:
        for period in primed_periods(today, days):
            for tag in PRIMED_TAGS:
                grouping = Grouping(tag)
                first = next(iter(ce.cost_and_usage(period.start, period.end, group_by=grouping.aws())))
                if first.get("ResultsByTime"):
                    skipped += 1  # already bound by an earlier seed today
                    continue
                inject_ce(moto_url, ce_pages(rows, period.start, period.end, tag_key=tag), aws_account)
                for _ in ce.cost_and_usage(period.start, period.end, group_by=grouping.aws()):
                    pass
                primed += 1
    azure = arm_records(rows, azure_subscription)
    if arm_url:
        load_arm_cost(arm_url, azure)
    points = 0
    if metrics is not None:
        cw, env = metrics
        stamp = now or datetime.combine(today, datetime.min.time(), UTC) + timedelta(hours=12)
        for namespace, data in usage_metrics(env, stamp, seed=seed).items():
            points += cw.put(namespace, data)
    return SeedSummary(
        days,
        sum(r.cloud == "aws" for r in rows),
        len(azure),
        points,
        primed,
        skipped,
        today - timedelta(days=days - 1),
        today,
    )


def seed_operation(*, days: int, seed: int, clouds: tuple[str, ...], today: date) -> Operation:
    """`cost seed` for the run lifecycle: sandbox only, no confirmation (it writes only emulator data)."""
    from multicloud_ctl.engine.plan import Plan, Step
    from multicloud_ctl.engine.run import LockSpec, Operation

    def plan(runtime: Runtime) -> Plan:
        endpoints = runtime.environment.endpoints()
        periods = primed_periods(today, days)
        summary = {
            "days": days,
            "clouds": list(clouds),
            "aws": endpoints.aws,
            "arm": endpoints.arm,
            "primed_periods": [str(p) for p in periods],
            "queries": len(periods) * len(PRIMED_TAGS),
        }
        return Plan("cost seed", (Step.bulk("seed", f"seed {days} days of cost data", _seed),), summary=summary)

    def _seed(ctx: StepContext) -> SeedSummary:
        from multicloud_ctl.operations.cost.fetch import CostSources
        from multicloud_ctl.providers.aws.cloudwatch_metrics import CloudWatchMetrics

        runtime = ctx.runtime
        env = runtime.environment
        endpoints = env.endpoints()
        sources = CostSources.for_environment(env, clouds)
        metrics = (CloudWatchMetrics(runtime.aws.client("cloudwatch")), env) if "aws" in clouds else None
        return seed_cost(
            moto_url=endpoints.aws if "aws" in clouds else None,
            arm_url=endpoints.arm if "azure" in clouds else None,
            ce=sources.aws,
            aws_account=env.aws.account_id,
            azure_subscription=env.azure.subscription_id,
            today=today,
            days=days,
            seed=seed,
            metrics=metrics,
        )

    return Operation(
        "cost seed",
        plan,
        inputs={"days": days, "seed": seed, "clouds": list(clouds)},
        lock=LockSpec("cost-seed", lease=False),
        conclude=lambda p, r: r.steps[0].output,
        dry_result=lambda p: {"dry_run": True, **p.summary},
    )
