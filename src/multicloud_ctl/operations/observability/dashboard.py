"""The dashboard page: one self-contained HTML file (inline CSS and SVG, no scripts or external assets) with
charts of `metrics.collect()`: invocations and errors per service of both clouds, p50/p99 durations, the
per-minute invocation series, and the gauges (queue depth, sync lag, backup age). Rerun to refresh."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from multicloud_ctl.engine.clock import iso

COLORS = {"aws": "#ff9900", "azure": "#0078d4"}
W, BAR_H, GAP = 720, 22, 8


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def bar_chart(title: str, items: list[tuple[str, str, float]], unit: str, chart_id: str) -> str:
    """Horizontal bars: (label, cloud, value)."""
    top = max([v for _, _, v in items] + [1.0])
    height = max(1, len(items)) * (BAR_H + GAP) + 10
    bars = []
    for i, (label, cloud, value) in enumerate(items):
        y = 5 + i * (BAR_H + GAP)
        width = max(2.0, (W - 320) * value / top)
        bars.append(
            f'<text x="0" y="{y + 15}" class="label">{_esc(label)}</text>'
            f'<rect class="bar" data-cloud="{_esc(cloud)}" x="240" y="{y}" width="{width:.1f}" height="{BAR_H}" '
            f'fill="{COLORS.get(cloud, "#888")}"/>'
            f'<text x="{244 + width:.1f}" y="{y + 15}" class="value">{value:g} {unit}</text>'
        )
    body = "".join(bars) or '<text x="0" y="20" class="label">no data in this window</text>'
    return (
        f'<section><h2>{_esc(title)}</h2><svg id="{chart_id}" width="{W}" height="{height}" '
        f'role="img" aria-label="{_esc(title)}">{body}</svg></section>'
    )


def line_chart(title: str, series: dict[str, tuple[str, list[tuple[str, float]]]], chart_id: str) -> str:
    """One polyline per service over the window's minutes."""
    times = sorted({t[:16] for _, points in series.values() for t, _ in points})
    top = max([v for _, points in series.values() for _, v in points] + [1.0])
    height, left, plot_w = 220, 40, W - 260
    lines, legend = [], []
    for i, (name, (cloud, points)) in enumerate(sorted(series.items())):
        coords = []
        for t, v in sorted(points):
            x = left + (plot_w * times.index(t[:16]) / max(1, len(times) - 1))
            coords.append(f"{x:.1f},{height - 20 - (height - 40) * v / top:.1f}")
        dash = "" if cloud == "aws" else ' stroke-dasharray="6 3"'
        color = COLORS.get(cloud, "#888")
        lines.append(
            f'<polyline class="series" fill="none" stroke-width="2" stroke="{color}"'
            f'{dash} points="{" ".join(coords)}"/>'
        )
        lines += [f'<circle cx="{c.split(",")[0]}" cy="{c.split(",")[1]}" r="3" fill="{color}"/>' for c in coords]
        legend.append(
            f'<text x="{left + plot_w + 10}" y="{20 + 16 * i}" class="label" fill="{color}">{_esc(name)}</text>'
        )
    axis = (
        f'<line x1="{left}" y1="{height - 20}" x2="{left + plot_w}" y2="{height - 20}" stroke="#999"/>'
        f'<text x="0" y="15" class="value">{top:g}</text><text x="0" y="{height - 20}" class="value">0</text>'
    )
    return (
        f'<section><h2>{_esc(title)}</h2><svg id="{chart_id}" width="{W}" height="{height}" role="img" '
        f'aria-label="{_esc(title)}">{axis}{"".join(lines + legend)}</svg></section>'
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
