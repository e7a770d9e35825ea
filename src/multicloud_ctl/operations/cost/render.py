"""Render a `CostReport` as tables (for the Console), JSON, CSV, or the FOCUS 1.2 CSV.

Renderers return data or text; only `cli/cost.py` prints (through the Console) or writes `--out`. The FOCUS
export is the exception that proves it: at a year of 500 services it is ~290 MB of CSV, so `write_focus_csv`
writes to the stream the CLI opened, one row at a time, instead of returning the text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TextIO

from multicloud_ctl.operations.cost.focus_spec import FOCUS_COLUMN_NAMES, FOCUS_VERSION
from multicloud_ctl.operations.cost.period import Period
from multicloud_ctl.operations.cost.records import PROVIDERS, CostRecord, csv_cell, focus_values, tags_json
from multicloud_ctl.operations.cost.report import CostReport
from multicloud_ctl.operations.cost.sources import rollup_monthly


@dataclass(frozen=True)
class TableView:
    """One table for the Console: title, columns, rows."""

    title: str
    columns: list[str]
    rows: list[list[Any]]


def money(value: float) -> str:
    return f"{value:,.2f}"


def report_tables(report: CostReport) -> list[TableView]:
    """The terminal view: totals per provider, the breakdown by group, top movers."""
    tables = [
        TableView(
            f"Cost by provider, {report.period}",
            ["Provider", "Currency", "Billed", "Effective", "Daily trend"],
            [[t.provider, t.currency, money(t.billed), money(t.effective), t.sparkline] for t in report.provider_totals]
            + [["TOTAL", cur, money(b), money(e), ""] for cur, (b, e) in sorted(report.totals_by_currency().items())],
        )
    ]
    totals = report.totals_by_currency()
    group_label = (
        report.group_by.split(":", 1)[-1].capitalize()
        if report.group_by.startswith("tag:")
        else report.group_by.capitalize()
    )
    months = sorted({m for line in report.lines for m in line.months})
    if report.granularity == "monthly":
        columns = ["Provider", group_label, "Currency", *months, "Total"]
        rows = [
            [g.provider, g.group, g.currency, *(money(g.months.get(m, 0.0)) for m in months), money(g.billed)]
            for g in report.lines
        ]
    else:
        columns = ["Provider", group_label, "Currency", "Billed", "Effective", "Share", "Daily trend"]
        rows = [
            [
                g.provider,
                g.group,
                g.currency,
                money(g.billed),
                money(g.effective),
                f"{100 * g.billed / totals[g.currency][0]:.1f}%" if totals[g.currency][0] else "-",
                g.sparkline,
            ]
            for g in report.lines
        ]
    tables.append(TableView(f"Cost by {report.group_by}", columns, rows))
    if report.movers:
        w = report.mover_window
        tables.append(
            TableView(
                f"Top movers on {report.mover_basis} cost (last {w} days vs the {w} before)",
                ["Provider", "Service", "Currency", f"Prev {w}d", f"Last {w}d", "Change", "Change %"],
                [
                    [
                        m.provider,
                        m.service,
                        m.currency,
                        money(m.before),
                        money(m.after),
                        f"{m.change:+,.2f}",
                        "new" if m.change_pct is None else f"{m.change_pct:+.1f}%",
                    ]
                    for m in report.movers
                ],
            )
        )
    return tables


def report_json(report: CostReport) -> dict[str, Any]:
    """The report as one JSON document (amounts rounded to cents, series to 4 decimals)."""
    return {
        "period": {
            "start": report.period.start.isoformat(),
            "end": (report.period.end - timedelta(days=1)).isoformat(),
            "days": report.period.days,
        },
        "granularity": report.granularity,
        "group_by": report.group_by,
        "currencies": report.currencies,
        "totals": [
            {"currency": c, "billed": round(b, 2), "effective": round(e, 2)}
            for c, (b, e) in sorted(report.totals_by_currency().items())
        ],
        "providers": [
            {
                "provider": t.provider,
                "currency": t.currency,
                "billed": round(t.billed, 2),
                "effective": round(t.effective, 2),
                "daily": [round(v, 4) for v in t.daily],
            }
            for t in report.provider_totals
        ],
        "groups": [
            {
                "provider": g.provider,
                "group": g.group,
                "currency": g.currency,
                "billed": round(g.billed, 2),
                "effective": round(g.effective, 2),
                **(
                    {"months": {k: round(v, 2) for k, v in sorted(g.months.items())}}
                    if report.granularity == "monthly"
                    else {"daily": [round(v, 4) for v in g.daily]}
                ),
            }
            for g in report.lines
        ],
        "top_movers_basis": report.mover_basis,
        "top_movers": [
            {
                "provider": m.provider,
                "service": m.service,
                "currency": m.currency,
                "before": round(m.before, 2),
                "after": round(m.after, 2),
                "change": round(m.change, 2),
                "change_pct": None if m.change_pct is None else round(m.change_pct, 1),
                "window_days": report.mover_window,
                "basis": report.mover_basis,
            }
            for m in report.movers
        ],
        "warnings": report.warnings,
        "sources": report.sources,
    }


def report_csv(records: Iterable[CostRecord], report: CostReport) -> str:
    """Long-format CSV: one row per charge period x provider x group x currency."""
    from multicloud_ctl.operations.cost.report import PROVIDER_LABEL, group_key

    name = group_key(report.group_by)
    recs = rollup_monthly(records, report.period) if report.granularity == "monthly" else list(records)
    acc: dict[tuple[str, str, str, str, str], list[float]] = {}
    for r in recs:
        key = (
            r.start.isoformat(),
            r.end.isoformat(),
            PROVIDER_LABEL.get(r.cloud, r.cloud),
            name(r),
            r.currency,
        )
        pair = acc.setdefault(key, [0.0, 0.0])
        pair[0] += r.billed
        pair[1] += r.effective
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["period_start", "period_end", "provider", report.group_by, "currency", "billed", "effective"])
    for key in sorted(acc):
        writer.writerow([*key, f"{acc[key][0]:.4f}", f"{acc[key][1]:.4f}"])
    return out.getvalue()


def _focus_order(record: CostRecord) -> tuple[Any, ...]:
    """Rows sort by ChargePeriodStart, ProviderName, ServiceName, RegionId, Tags (nulls first)."""
    return (
        record.start,
        PROVIDERS[record.cloud]["ProviderName"],
        record.service,
        record.region or "",
        tags_json(record.tags) or "",
    )


def iter_focus_values(
    records: Iterable[CostRecord],
    period: Period,
    granularity: str,
    account_names: Mapping[str, str] | None = None,
    *,
    as_csv: bool = False,
) -> Iterator[list[Any]]:
    """FOCUS 1.2 rows (daily or monthly charge periods) as values in column order, sorted.

    The records are sorted (a list of references, not of rows) and each row is built as it is written, so
    memory holds one row at a time whatever the period.
    """
    recs = rollup_monthly(records, period) if granularity == "monthly" else list(records)
    recs.sort(key=_focus_order)
    for record in recs:
        yield focus_values(record, account_names=account_names, as_csv=as_csv)


def focus_rows(
    records: Iterable[CostRecord],
    period: Period,
    granularity: str,
    account_names: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """FOCUS 1.2 rows as dicts (for validation and tests; exports use `write_focus_csv`)."""
    return [
        dict(zip(FOCUS_COLUMN_NAMES, values, strict=True))
        for values in iter_focus_values(records, period, granularity, account_names)
    ]


def write_focus_csv(
    out: TextIO,
    records: Iterable[CostRecord],
    period: Period,
    granularity: str,
    account_names: Mapping[str, str] | None = None,
) -> int:
    """Write the FOCUS CSV (columns in the specification's order, nulls as empty cells); returns the rows.

    The cells are `csv_cell`'s: what `csv.writer` writes for `focus_rows`, except that a bare carriage return is
    quoted (tests/unit/cost/test_cost_export_scale.py holds the two together). Written in batches of rows.
    """
    out.write(",".join(map(csv_cell, FOCUS_COLUMN_NAMES)) + "\n")
    count = 0
    batch: list[str] = []
    for cells in iter_focus_values(records, period, granularity, account_names, as_csv=True):
        batch.append(",".join(cells))
        if len(batch) == 1024:
            out.write("\n".join(batch) + "\n")
            count += len(batch)
            batch.clear()
    if batch:
        out.write("\n".join(batch) + "\n")
        count += len(batch)
    return count


FOCUS_HEADER_NOTE = f"FOCUS {FOCUS_VERSION} Cost and Usage"
