"""The HTML cost report: one self-contained file (inline CSS and SVG; no CDN, no external fetch).

Charts: stacked daily cost per provider (one chart per currency: currencies are never stacked together),
the service breakdown (horizontal bars), and budget burn (spent, forecast band, budget line). Every bar
carries an SVG <title>, so hovering shows the exact amount without any script.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from html import escape

from multicloud_ctl.charts import PALETTE, every, nice_ticks, text_width, tick_label, widest
from multicloud_ctl.operations.cost.budgets import BudgetStatus
from multicloud_ctl.operations.cost.render import money
from multicloud_ctl.operations.cost.report import CostReport

COLORS = {"AWS": "#ff9900", "Azure": "#0078d4"}
FONT = 11  # px, the CSS below
CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px;margin-bottom:4px} h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
.meta{color:#666;font-size:13px} .warn{background:#fff4e5;border-left:4px solid #ff9900;padding:6px 10px}
table{border-collapse:collapse;font-size:13px;margin-top:8px} th,td{padding:4px 10px;text-align:right}
th:first-child,td:first-child,th:nth-child(2),td:nth-child(2){text-align:left}
tr:nth-child(even){background:#f6f6f6}
svg text{font-size:11px;fill:#444} .legend span{display:inline-block;margin-right:14px;font-size:13px}
.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
"""


def _stacked_daily(report: CostReport, currency: str, width: int = 1000, height: int = 260) -> str:
    lines = [t for t in report.provider_totals if t.currency == currency]
    days = report.period.days
    totals = [sum(line.daily[i] for line in lines) for i in range(days)]
    ticks = nice_ticks(max(totals, default=0.0))
    top = ticks[-1]
    labels = [tick_label(v, ticks) for v in ticks]
    left, bottom = int(widest(labels, FONT)) + 14, 30
    plot_w, plot_h = width - left - 10, height - bottom - 10
    bar_w = plot_w / max(days, 1)
    show = every(days, bar_w, text_width("12-31", FONT))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="stacked daily cost per provider in {escape(currency)}">'
    ]
    for value, label in zip(ticks, labels, strict=True):
        y = 10 + plot_h * (1 - value / top)
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>'
            f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>'
        )
    for i in range(days):
        day = report.period.start + timedelta(days=i)
        y = 10 + plot_h
        for n, line in enumerate(lines):
            h = plot_h * line.daily[i] / top
            y -= h
            color = COLORS.get(line.provider, PALETTE[n % len(PALETTE)])
            parts.append(
                f'<rect x="{left + i * bar_w:.1f}" y="{y:.1f}" width="{max(bar_w - 1, 0.5):.1f}" '
                f'height="{h:.1f}" fill="{color}"><title>{day} {escape(line.provider)}: '
                f"{money(line.daily[i])} {escape(currency)}</title></rect>"
            )
        if i % show == 0:
            parts.append(
                f'<text class="tick" x="{left + i * bar_w + bar_w / 2:.1f}" y="{height - 8}" text-anchor="middle">'
                f"{day.strftime('%m-%d')}</text>"
            )
    parts.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{COLORS.get(line.provider, PALETTE[n % len(PALETTE)])}"></i>'
        f"{escape(line.provider)}</span>"
        for n, line in enumerate(lines)
    )
    return f'<div class="legend">{legend}</div>' + "".join(parts)


def _service_bars(report: CostReport, limit: int = 25, width: int = 1000) -> str:
    lines = report.lines[:limit]
    if not lines:
        return "<p>No charges.</p>"
    top = max(g.billed for g in lines) or 1.0
    names = [f"{g.provider} · {g.group}" for g in lines]
    amounts = [f"{money(g.billed)} {g.currency}" for g in lines]
    row_h = 20
    label_w = int(widest(names, FONT)) + 12
    room = int(widest(amounts, FONT)) + 16  # the amount printed after the longest bar
    width = max(width, label_w + room + 200)  # a long service name widens the chart rather than being cut
    height = row_h * len(lines) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        'aria-label="service breakdown">'
    ]
    for n, g in enumerate(lines):
        y = 5 + n * row_h
        w = (width - label_w - room) * g.billed / top
        color = COLORS.get(g.provider, PALETTE[n % len(PALETTE)])
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{escape(names[n])}</text>'
            f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row_h - 5}" fill="{color}">'
            f"<title>{escape(g.group)}: {escape(amounts[n])}</title></rect>"
            f'<text x="{label_w + w + 6:.1f}" y="{y + 13}">{escape(amounts[n])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _budget_burn(budgets: Sequence[BudgetStatus], width: int = 1000) -> str:
    if not budgets:
        return "<p>No budgets evaluated (none in the Cost playbook, or --no-budgets).</p>"
    row_h = 34
    names = [f"{b.name} ({b.scope})" for b in budgets]
    notes = [f"{b.percent_spent:.0f}% spent, {b.percent_forecast:.0f}% forecast" for b in budgets]
    label_w = int(widest(names, FONT)) + 12
    room = int(widest(notes, FONT)) + 16  # the right-hand note: it ran past the edge with a fixed 150 px
    width = max(width, label_w + room + 200)
    height = row_h * len(budgets) + 10
    scale_max = max(max(b.forecast_high, b.amount, b.spent, b.forecast) for b in budgets) or 1.0
    plot_w = width - label_w - room
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        'aria-label="budget burn">'
    ]
    sx = plot_w / scale_max
    for n, b in enumerate(budgets):
        y = 5 + n * row_h
        over = b.exceeded_by_forecast
        fill_forecast, fill_spent = ("#f4b6b6", "#d62728") if over else ("#cfe3f7", "#0078d4")
        x_budget = label_w + b.amount * sx
        band_x, band_w = label_w + b.forecast_low * sx, (b.forecast_high - b.forecast_low) * sx
        cur = escape(b.currency)
        parts += [
            f'<text x="{label_w - 6}" y="{y + 18}" text-anchor="end">{escape(names[n])}</text>',
            f'<rect x="{label_w}" y="{y + 6}" width="{b.forecast * sx:.1f}" height="18" '
            f'fill="{fill_forecast}">'
            f"<title>forecast {money(b.forecast)} {cur}</title></rect>",
            f'<rect x="{band_x:.1f}" y="{y + 13}" width="{band_w:.1f}" height="4" fill="#555" opacity="0.4">'
            f"<title>80% band {money(b.forecast_low)} .. {money(b.forecast_high)}</title></rect>",
            f'<rect x="{label_w}" y="{y + 6}" width="{b.spent * sx:.1f}" height="18" fill="{fill_spent}">'
            f"<title>spent {money(b.spent)} {cur} ({b.percent_spent:.0f}%)</title></rect>",
            f'<line x1="{x_budget:.1f}" x2="{x_budget:.1f}" y1="{y + 2}" y2="{y + 28}" stroke="#000" '
            f'stroke-width="2"><title>budget {money(b.amount)} {cur}</title></line>',
            f'<text x="{label_w + plot_w + 8:.1f}" y="{y + 18}">{escape(notes[n])}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)


def _table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{escape(str(c))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(report: CostReport, budgets: Sequence[BudgetStatus] = (), *, title: str = "mcctl cost report") -> str:
    """The whole report as one HTML document."""
    sections = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">{escape(str(report.period))} · granularity {escape(report.granularity)} · '
        f"grouped by {escape(report.group_by)} · FOCUS 1.2 normalized</p>",
    ]
    sections += [f'<p class="warn">{escape(w)}</p>' for w in report.warnings]
    totals = [[t.provider, t.currency, money(t.billed), money(t.effective)] for t in report.provider_totals]
    sections.append("<h2>Totals</h2>" + _table(["Provider", "Currency", "Billed", "Effective"], totals))
    for currency in report.currencies:
        sections.append(f"<h2>Daily cost per provider ({escape(currency)})</h2>" + _stacked_daily(report, currency))
    sections.append(f"<h2>Breakdown by {escape(report.group_by)}</h2>" + _service_bars(report))
    sections.append("<h2>Budget burn (this month)</h2>" + _budget_burn(budgets))
    if report.movers:
        rows = [
            [m.provider, m.service, m.currency, money(m.before), money(m.after), f"{m.change:+,.2f}"]
            for m in report.movers
        ]
        sections.append(
            f"<h2>Top movers on {report.mover_basis} cost"
            f" (last {report.mover_window} days vs the {report.mover_window} before)</h2>"
            + _table(["Provider", "Service", "Currency", "Before", "After", "Change"], rows)
        )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>" + "".join(sections) + "</body></html>\n"
    )
