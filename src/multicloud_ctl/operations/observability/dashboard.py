"""The dashboard page: one self-contained HTML file (inline CSS and SVG, no scripts or external assets) with
charts of `metrics.collect()`: invocations and errors per service of both clouds, p50/p99 durations, the
per-minute invocation series, and the gauges (queue depth, sync lag, backup age). Rerun to refresh."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

from multicloud_ctl.charts import PALETTE, nice_ticks, text_width, tick_label, widest
from multicloud_ctl.engine.clock import iso

COLORS = {"aws": "#ff9900", "azure": "#0078d4"}
W, BAR_H, GAP = 720, 22, 8
FONT = 12  # px of the labels (the page's CSS)
LINE_W = 960  # the line chart: the plot plus a legend line per series
MINUTE_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440)  # time-axis label spacing, minutes


def _minute(stamp: str) -> int:
    """Whole minutes since the epoch of `YYYY-MM-DDTHH:MM...` (UTC)."""
    return int(datetime.fromisoformat(stamp[:16]).replace(tzinfo=UTC).timestamp()) // 60


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def bar_chart(title: str, items: list[tuple[str, str, float]], unit: str, chart_id: str) -> str:
    """Horizontal bars: (label, cloud, value)."""
    top = max([v for _, _, v in items] + [1.0])
    label_w = int(widest([label for label, _, _ in items], FONT)) + 16
    room = int(widest([f"{v:g} {unit}" for _, _, v in items], FONT)) + 12
    width = max(W, label_w + room + 160)
    height = max(1, len(items)) * (BAR_H + GAP) + 10
    bars = []
    for i, (label, cloud, value) in enumerate(items):
        y = 5 + i * (BAR_H + GAP)
        bar = max(2.0, (width - label_w - room) * value / top)
        bars.append(
            f'<text x="0" y="{y + 15}" class="label">{_esc(label)}</text>'
            f'<rect class="bar" data-cloud="{_esc(cloud)}" x="{label_w}" y="{y}" width="{bar:.1f}" '
            f'height="{BAR_H}" fill="{COLORS.get(cloud, "#888")}"/>'
            f'<text x="{label_w + bar + 4:.1f}" y="{y + 15}" class="value">{value:g} {unit}</text>'
        )
    body = "".join(bars) or '<text x="0" y="20" class="label">no data in this window</text>'
    return (
        f'<section><h2>{_esc(title)}</h2><svg id="{chart_id}" width="{width}" height="{height}" '
        f'role="img" aria-label="{_esc(title)}">{body}</svg></section>'
    )


def line_chart(title: str, series: dict[str, tuple[str, list[tuple[str, float]]]], chart_id: str) -> str:
    """One polyline per service over the window's minutes: its own colour (PALETTE), dashed on Azure, a legend
    line each; a time axis (HH:MM UTC) labelled as often as the labels fit and a y axis at nice values."""
    times = sorted({t[:16] for _, points in series.values() for t, _ in points})
    ticks = nice_ticks(max([v for _, points in series.values() for _, v in points] + [0.0]))
    top = ticks[-1]
    names = sorted(series)
    tick_labels = [tick_label(v, ticks) for v in ticks]
    left = int(widest(tick_labels, FONT)) + 12
    legend_w = int(widest(names, FONT)) + 36
    plot_w = LINE_W - left - legend_w - 10
    height = max(220, 30 + 16 * len(names))
    base, plot_h = height - 30, height - 50  # x axis at `base`, its labels below it
    minutes = [_minute(t) for t in times]
    first, span = (minutes[0], max(1, minutes[-1] - minutes[0])) if minutes else (0, 1)

    def x_of(t: str) -> float:  # proportional to time: a quiet minute is a gap, not a squeezed step
        return left + plot_w * (_minute(t) - first) / span if len(times) > 1 else left + plot_w / 2

    lines, legend, axis = [], [], []
    for value, label in zip(ticks, tick_labels, strict=True):
        y = base - plot_h * value / top
        axis.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#eee"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" class="value" text-anchor="end">{label}</text>'
        )
    label_w = text_width("00:00", FONT)
    step = next((m for m in MINUTE_STEPS if plot_w * m / span >= label_w + 8), MINUTE_STEPS[-1])
    for m in range(-(-first // step) * step, first + span + 1, step) if times else []:
        x = left + plot_w * (m - first) / span if len(times) > 1 else left + plot_w / 2
        axis.append(
            f'<line x1="{x:.1f}" y1="{base}" x2="{x:.1f}" y2="{base + 4}" stroke="#999"/>'
            f'<text x="{x:.1f}" y="{base + 20}" class="value tick" text-anchor="middle">{m // 60 % 24:02d}:{m % 60:02d}'
            "</text>"
        )
    axis.append(f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="#999"/>')
    if times:  # after the room half a label needs past the axis' end
        axis.append(f'<text x="{left + plot_w + label_w / 2 + 8:.1f}" y="{base + 20}" class="value">UTC</text>')
    for i, name in enumerate(names):
        cloud, points = series[name]
        color = PALETTE[i % len(PALETTE)]
        dash = "" if cloud == "aws" else ' stroke-dasharray="6 3"'
        coords = []
        for t, v in sorted(points):
            x = x_of(t)
            coords.append(f"{x:.1f},{base - plot_h * v / top:.1f}")
        lines.append(
            f'<polyline class="series" data-cloud="{_esc(cloud)}" fill="none" stroke-width="2" stroke="{color}"'
            f'{dash} points="{" ".join(coords)}"/>'
        )
        if len(coords) <= 20:  # markers help a few points; on an hour of minutes they only hide the lines
            lines += [f'<circle cx="{c.split(",")[0]}" cy="{c.split(",")[1]}" r="3" fill="{color}"/>' for c in coords]
        ly, lx = 14 + 16 * i, LINE_W - legend_w
        legend.append(
            f'<line x1="{lx + 4}" y1="{ly - 4}" x2="{lx + 24}" y2="{ly - 4}" stroke="{color}" stroke-width="2"{dash}/>'
            f'<text x="{lx + 28}" y="{ly}" class="label">{_esc(name)}</text>'
        )
    return (
        f'<section><h2>{_esc(title)}</h2><svg id="{chart_id}" width="{LINE_W}" height="{height}" role="img" '
        f'aria-label="{_esc(title)}">{"".join(axis + lines + legend)}</svg></section>'
    )


def table(columns: list[str], rows: list[list[Any]], table_id: str) -> str:
    head = "".join(f"<th>{_esc(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_esc(v)}</td>" for v in r) + "</tr>" for r in rows)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def render(data: dict[str, Any], environment: str, generated: datetime) -> str:
    fns = data["functions"]
    charts = [
        bar_chart(
            "Invocations per service",
            [(f"{f['cloud']} {f['service']}", f["cloud"], f["invocations"]) for f in fns],
            "calls",
            "invocations",
        ),
        bar_chart(
            "Errors per service",
            [(f"{f['cloud']} {f['service']}", f["cloud"], f["errors"]) for f in fns],
            "errors",
            "errors",
        ),
        bar_chart(
            "p99 duration", [(f"{f['cloud']} {f['service']}", f["cloud"], f["p99_ms"] or 0) for f in fns], "ms", "p99"
        ),
        line_chart(
            "Invocations per minute",
            {f"{f['cloud']} {f['service']}": (f["cloud"], f["series"]) for f in fns},
            "per-minute",
        ),
    ]
    fn_table = table(
        ["cloud", "service", "invocations", "errors", "avg ms", "p50 ms", "p99 ms"],
        [[f["cloud"], f["service"], f["invocations"], f["errors"], f["avg_ms"], f["p50_ms"], f["p99_ms"]] for f in fns],
        "functions",
    )
    gauge_table = table(
        ["gauge", "cloud", "value", "unit"],
        [[g["gauge"], g["cloud"], "unknown" if g["value"] is None else g["value"], g["unit"]] for g in data["gauges"]],
        "gauges",
    )
    window = data["window"]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mcctl dashboard: {_esc(environment)}</title>
<style>
body {{ font: 14px system-ui, sans-serif; margin: 24px; color: #222; background: #fafafa; }}
h1 {{ font-size: 20px; margin: 0 0 4px; }} h2 {{ font-size: 15px; margin: 20px 0 6px; }}
section, table {{ background: #fff; padding: 8px 12px; border: 1px solid #ddd; border-radius: 6px; }}
table {{ border-collapse: collapse; margin-top: 12px; }} td, th {{ padding: 3px 10px; text-align: left; }}
th {{ border-bottom: 1px solid #ccc; }} .label {{ font-size: 12px; }} .value {{ font-size: 11px; fill: #555; }}
.legend span {{ display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 12px; }}
</style></head><body>
<h1>mcctl dashboard: {_esc(environment)}</h1>
<div>window {_esc(window["start"])} to {_esc(window["end"])}; generated {_esc(iso(generated))}
<span class="legend"><span style="background:{COLORS["aws"]}"></span>AWS<span style="background:{COLORS["azure"]}">
</span>Azure</span></div>
{fn_table}
{"".join(charts)}
<h2>Gauges</h2>
{gauge_table}
</body></html>
"""
