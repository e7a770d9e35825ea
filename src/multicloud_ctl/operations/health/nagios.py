"""Nagios plugin output: one status line with perfdata, then one line per check that is not ok.

    MCCTL HEALTH CRITICAL - 1 critical, 0 warning, 7 ok | 'edge_ms'=4.1ms;;;0 'sync-lag'=2s;60;300;0
    CRITICAL azure: [STATUS] == 200 (connect failed: ...)

Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (the plugin API's).
"""

from __future__ import annotations

import re

from multicloud_ctl.operations.health.model import HealthReport, Status

_LABEL = re.compile(r"[^A-Za-z0-9_.@:\-]")


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def perfdata(report: HealthReport) -> str:
    """`'label'=value[UOM];warn;crit;min;` for every check with a figure."""
    parts = []
    for r in report.results:
        if r.value is None:
            continue
        unit = r.unit if r.unit in ("s", "ms", "%", "B", "KB", "MB", "c") else ""
        label = _LABEL.sub("_", r.name) + ("_ms" if r.kind == "endpoint" else "")
        parts.append(f"'{label}'={_num(r.value)}{unit};{_num(r.warn)};{_num(r.critical)};0;")
    return " ".join(parts)


def render(report: HealthReport) -> tuple[list[str], int]:
    """The plugin's output lines and its exit code."""
    status = report.status
    counts = report.counts()
    summary = ", ".join(
        f"{counts.get(s.value, 0)} {s.value}" for s in (Status.CRITICAL, Status.WARNING, Status.UNKNOWN, Status.OK)
    )
    perf = perfdata(report)
    lines = [f"MCCTL HEALTH {status.value.upper()} - {summary}" + (f" | {perf}" if perf else "")]
    for r in report.results:
        if r.status.failing:
            lines.append(f"{r.status.value.upper()} {r.name}: {r.message}")
    return lines, status.nagios
