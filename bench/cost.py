"""Bench: render the cost report over 90 days x 40 services x 2 clouds, after the data is fetched.

Data: the sandbox seed (20 AWS + 20 Azure services, primary/secondary/global regions) as CostRecords, the
shape the fetchers produce. Times each view (median of N runs) and the whole `cost report` pipeline for the
table, JSON, CSV, FOCUS and HTML formats, plus budgets and anomalies. Goal: < 1 s for a report.

    .venv/bin/python bench/cost.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from multicloud_ctl.config.specs.cost import AnomalyPolicy, Budget
from multicloud_ctl.local.cost_seed import generate_rows
from multicloud_ctl.operations.cost import render
from multicloud_ctl.operations.cost.anomalies import detect_anomalies
from multicloud_ctl.operations.cost.budgets import evaluate_budgets
from multicloud_ctl.operations.cost.focus_spec import validate_focus_rows
from multicloud_ctl.operations.cost.period import Period
from multicloud_ctl.operations.cost.records import CostRecord
from multicloud_ctl.operations.cost.render_html import render_html
from multicloud_ctl.operations.cost.report import build_report


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    samples, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    today = date(2026, 11, 25)
    rows = generate_rows(today, days=90)
    records = [
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
            r.quantity,
            r.unit,
        )
        for r in rows
    ]
    period = Period(today - timedelta(days=89), today + timedelta(days=1))
    services = len({(r.cloud, r.service) for r in records})
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} (figures scale with contention)")
    print(
        f"data: {len(records):,} daily records = {period.days} days x {services} services x 2 clouds "
        f"(regions split), {len({r.currency for r in records})} currency"
    )
    budgets = [
        Budget(name="aws", provider="aws", monthly=9000),
        Budget(name="azure", provider="azure", monthly=6500),
        Budget(name="lambda", provider="aws", service="AWS Lambda", monthly=1400),
    ]

    def full(fmt: str) -> Any:
        report = build_report(records, period, group_by="service")
        statuses = evaluate_budgets(budgets, records, today, today - timedelta(days=59))
        if fmt == "table":
            return render.report_tables(report)
        if fmt == "json":
            return render.report_json(report)
        if fmt == "csv":
            return render.report_csv(records, report)
        if fmt == "focus":
            return render.focus_csv(render.focus_rows(records, period, "daily"))
        return render_html(report, statuses)

    results = []
    for name, fn in [
        ("build_report (totals, series, movers)", lambda: build_report(records, period)),
        (
            "budgets (3, forecast to month end)",
            lambda: evaluate_budgets(budgets, records, today, today - timedelta(days=59)),
        ),
        (
            "anomalies (40 services x 14 days)",
            lambda: detect_anomalies(records, start=period.start, today=today, policy=AnomalyPolicy()),
        ),
        ("FOCUS rows (daily)", lambda: render.focus_rows(records, period, "daily")),
        *[
            (f"cost report --format {f} (end to end after fetch)", lambda f=f: full(f))
            for f in ("table", "json", "csv", "focus", "html")
        ],
        (
            "cost report --format focus --granularity monthly",
            lambda: render.focus_csv(render.focus_rows(records, period, "monthly")),
        ),
    ]:
        seconds, _ = timed(fn, args.runs)
        results.append((name, seconds))
        print(f"{seconds * 1000:9.1f} ms  {name}")
    focus = render.focus_rows(records, period, "daily")
    seconds, problems = timed(lambda: validate_focus_rows(focus, limit=10**9), 1)
    checked = f"validate {len(focus):,} FOCUS rows column by column ({len(problems)} problems)"
    print(f"{seconds * 1000:9.1f} ms  {checked}")
    worst = max(s for n, s in results if n.startswith("cost report"))
    print(f"slowest full report: {worst * 1000:.1f} ms (goal < 1000 ms): {'OK' if worst < 1 else 'TOO SLOW'}")


if __name__ == "__main__":
    main()
