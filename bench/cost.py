"""Bench: the cost report, at the sandbox's size and at a year of 500 services per cloud.

Default mode: the sandbox seed (20 AWS + 20 Azure services, 90 days) as CostRecords, the shape the fetchers
produce. Times each view (median of N runs) and the whole `cost report` pipeline for the table, JSON, CSV,
FOCUS and HTML formats, plus budgets and anomalies. Goal: < 1 s for a report.

`--scale DAYSxSERVICES,...` (default 30x500,90x500,365x500): for each size, one child process runs what
`mcctl cost report --format focus --out FILE` runs after the HTTP answers are parsed: Cost Explorer pages
(one day per page, ~790 groups) and Cost Management pages (5,000 rows, ActualCost then AmortizedCost) are
generated lazily in the wire shapes, turned into records, reported, budgets evaluated, and the FOCUS 1.2 CSV
streamed to a file. A service runs in one region or two (7 in 12 in two), so 365x500 is ~580k records. Each
child reports the time of every stage, the time spent generating the pages (the stand-in for the network,
not ours), and its peak RSS (VmHWM). Goal at 365x500: peak RSS <= 400 MB, report + FOCUS export <= 15 s.

    .venv/bin/python bench/cost.py [--runs 5]
    .venv/bin/python bench/cost.py --scale [30x500,90x500,365x500]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
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


def _regions(i: int, cloud: str) -> tuple[str, ...]:
    primary, secondary = ("us-east-1", "us-west-2") if cloud == "aws" else ("eastus", "westus")
    return (primary, secondary) if i % 12 < 7 else (primary,)


class GeneratedCostExplorer:
    """`CostExplorer.cost_and_usage` over generated pages: one day per page, as Cost Explorer pages DAILY."""

    def __init__(self, services: int) -> None:
        self.services = services
        self.generating = 0.0

    def cost_and_usage(self, start: date, end: date, **_: Any) -> Iterator[dict[str, Any]]:
        day = start
        while day < end:
            t0 = time.perf_counter()
            rng = random.Random(day.toordinal())
            groups = []
            for i in range(self.services):
                for region in _regions(i, "aws"):
                    cost = rng.uniform(0.5, 50)
                    metrics = {
                        "UnblendedCost": {"Amount": f"{cost:.10f}", "Unit": "USD"},
                        "AmortizedCost": {"Amount": f"{cost * 0.97:.10f}", "Unit": "USD"},
                        "UsageQuantity": {"Amount": f"{cost * 13:.4f}", "Unit": "Hrs"},
                    }
                    groups.append({"Keys": [f"AWS Service {i:03d}", region], "Metrics": metrics})
            span = {"Start": day.isoformat(), "End": (day + timedelta(days=1)).isoformat()}
            page = {"ResultsByTime": [{"TimePeriod": span, "Total": {}, "Groups": groups, "Estimated": False}]}
            self.generating += time.perf_counter() - t0
            yield page
            day += timedelta(days=1)


class GeneratedCostManagement:
    """`CostManagement.query` over generated pages of 5,000 rows (the API's page size)."""

    COLUMNS = ("Cost", "UsageQuantity", "UsageDate", "ServiceName", "ResourceLocation", "Currency")

    def __init__(self, services: int) -> None:
        self.services = services
        self.generating = 0.0

    def query(self, scope: str, start: date, end: date, *, cost_type: str = "ActualCost", **_: Any) -> Iterator[Any]:
        from multicloud_ctl.providers.azure.cost_management import QueryPage

        share = 1.0 if cost_type == "ActualCost" else 0.95
        rows: list[list[Any]] = []
        t0 = time.perf_counter()
        day = start
        while day < end:
            rng = random.Random(day.toordinal() * 7)
            number = day.year * 10000 + day.month * 100 + day.day  # UsageDate comes as a number
            for i in range(self.services):
                for region in _regions(i, "azure"):
                    cost = rng.uniform(0.5, 50) * share
                    rows.append([cost, cost * 3, number, f"Azure Service {i:03d}", region, "USD"])
                    if len(rows) == 5000:
                        self.generating += time.perf_counter() - t0
                        yield QueryPage(list(self.COLUMNS), rows)
                        t0, rows = time.perf_counter(), []
            day += timedelta(days=1)
        self.generating += time.perf_counter() - t0
        if rows:
            yield QueryPage(list(self.COLUMNS), rows)


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def scale_child(days: int, services: int) -> dict[str, Any]:
    """One size, in this process: what `cost report --format focus --out FILE` does after the HTTP answers."""
    from multicloud_ctl.cli.outfile import replacing
    from multicloud_ctl.config.specs.cost import CostSpec
    from multicloud_ctl.operations.cost.fetch import CostSources
    from multicloud_ctl.operations.cost.views import report_view

    today = date(2026, 11, 30)
    period = Period(today - timedelta(days=days - 1), today + timedelta(days=1))
    spec = CostSpec(
        budgets=[
            Budget(name="aws", provider="aws", monthly=900_000),
            Budget(name="azure", provider="azure", monthly=650_000),
            Budget(name="svc", provider="aws", service="AWS Service 007", monthly=1_000),
        ]
    )
    before = _peak_rss_mb()
    aws, azure = GeneratedCostExplorer(services), GeneratedCostManagement(services)
    sources = CostSources(aws, "123456789012", azure, "00000000-0000-0000-0000-000000000001")
    t0 = time.perf_counter()
    result = report_view(sources, spec, period, today=today)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "focus.csv"
        with replacing("--out", out) as stream:
            rows = render.write_focus_csv(stream, result.dataset.records, period, "daily")
        size = out.stat().st_size
    t2 = time.perf_counter()
    render.report_tables(result.report)
    t3 = time.perf_counter()
    generating = aws.generating + azure.generating
    return {
        "days": days,
        "services": services,
        "records": len(result.dataset.records),
        "focus_rows": rows,
        "focus_bytes": size,
        "generating_pages_s": round(generating, 2),
        "fetch_report_budgets_s": round(t1 - t0 - generating, 2),
        "focus_export_s": round(t2 - t1, 2),
        "tables_s": round(t3 - t2, 2),
        "total_s": round(t3 - t0 - generating, 2),
        "rss_after_imports_mb": round(before, 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


def scale(sizes: str) -> None:
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (figures scale with contention)")
    header = f"{'size':>9} {'records':>9} {'parse+report':>12} {'focus':>7} {'tables':>7} {'total':>7} {'peak RSS':>9}"
    print(header + "   (seconds exclude generating the pages)")
    results = []
    for size in sizes.split(","):
        days, services = (int(x) for x in size.lower().split("x"))
        child = [sys.executable, __file__, "--child", str(days), str(services)]
        out = subprocess.run(child, capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(r)
        print(
            f"{size:>9} {r['records']:>9,} {r['fetch_report_budgets_s']:>11.2f}s {r['focus_export_s']:>6.2f}s "
            f"{r['tables_s']:>6.2f}s {r['total_s']:>6.2f}s {r['peak_rss_mb']:>7.0f} MB"
        )
    if len(results) > 1:
        a, b = results[0], results[-1]
        per = (b["peak_rss_mb"] - a["peak_rss_mb"]) / (b["records"] - a["records"]) * 1e6
        secs = (b["total_s"] - a["total_s"]) / (b["records"] - a["records"]) * 1e6
        print(f"growth: {per:.0f} bytes and {secs:.1f} us per further record (first to last size)")
    last = results[-1]
    ok = last["peak_rss_mb"] <= 400 and last["total_s"] <= 15
    print(f"goal at the largest size: peak RSS <= 400 MB and report + export <= 15 s: {'OK' if ok else 'MISSED'}")
    print(json.dumps(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", nargs="?", const="30x500,90x500,365x500", default=None, metavar="SIZES")
    parser.add_argument("--child", nargs=2, type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(scale_child(*args.child)))
        return
    if args.scale:
        scale(args.scale)
        return
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
            return render.write_focus_csv(io.StringIO(), records, period, "daily")
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
            lambda: render.write_focus_csv(io.StringIO(), records, period, "monthly"),
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
