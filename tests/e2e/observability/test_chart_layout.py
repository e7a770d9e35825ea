"""The charts as a browser lays them out (issue 19 item 11): headless Chromium measures every label's real glyph
box; no label may overlap another or run outside its chart, axes sit at nice values and the dashboard's series
are told apart.

The pages are rendered from fixed data by the same functions `mcctl cost report --format html` and `mcctl
dashboard` use; a copy gets a measuring script (the pages themselves carry none), `--dump-dom` returns what it
found, and a screenshot of each page is kept beside the test's temp files for a person to look at.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest

from multicloud_ctl.charts import PALETTE, every, nice_ticks, text_width, tick_label
from multicloud_ctl.operations.cost.budgets import BudgetStatus
from multicloud_ctl.operations.cost.period import Period
from multicloud_ctl.operations.cost.render_html import render_html
from multicloud_ctl.operations.cost.report import CostReport, GroupLine
from multicloud_ctl.operations.observability.dashboard import line_chart, render

pytestmark = pytest.mark.e2e
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
MEASURE = """<script>
const found = [];
const over = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5
  && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;
for (const svg of document.querySelectorAll('svg')) {
  const box = svg.getBoundingClientRect(), name = svg.id || svg.getAttribute('aria-label');
  const texts = [...svg.querySelectorAll('text')].map(t => ({text: t.textContent, r: t.getBoundingClientRect()}));
  for (const a of texts) {
    const r = a.r;
    if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5)
      found.push(['outside', name, a.text]);
  }
  for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++)
    if (over(texts[i].r, texts[j].r)) found.push(['overlap', name, texts[i].text, texts[j].text]);
}
document.body.setAttribute('data-layout', JSON.stringify(found));
</script>"""


def layout_problems(html: str, tmp_path: Path, name: str) -> list[list[str]]:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium; .ci/run installs it)")
    page = tmp_path / f"{name}.html"
    page.write_text(html.replace("</body>", MEASURE + "</body>"))
    base = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    shot = tmp_path / f"{name}.png"
    subprocess.run(
        [*base, f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri()],
        check=True,
        timeout=120,
        capture_output=True,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    dom = subprocess.run(
        [*base, "--virtual-time-budget=2000", "--dump-dom", page.as_uri()],
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    ).stdout
    found = re.search(r'data-layout="([^"]*)"', dom)
    assert found, "the measuring script did not run"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def cost_report(days: int) -> tuple[CostReport, list[BudgetStatus]]:
    start = date(2026, 11, 1)
    aws = [1000 + 497 * math.sin(i / 3) ** 2 for i in range(days)]
    azure = [300 + 40 * (i % 7) for i in range(days)]
    totals = [
        GroupLine("AWS", "AWS", "USD", sum(aws), sum(aws), aws),
        GroupLine("Azure", "Azure", "USD", sum(azure), sum(azure), azure),
    ]
    lines = [
        GroupLine("AWS", "Amazon Elastic Compute Cloud - Compute (us-east-1, us-west-2)", "USD", 9000.5, 9000.5, aws),
        GroupLine("Azure", "Azure SQL Database", "USD", 2500.0, 2500.0, azure),
    ]
    report = CostReport(Period(start, start + timedelta(days=days)), "daily", "service", lines, totals, [], 7, [], {})
    budgets = [
        BudgetStatus(
            "aws-total-monthly-budget", "provider aws", "USD", 9000, 9400, 13100, 12000, 14200, [80, 100], "linear"
        ),
        BudgetStatus("azure", "service Azure SQL Database", "USD", 100, 5, 12, 10, 14, [], "linear"),
    ]
    return report, budgets


@pytest.mark.parametrize("days", [7, 31, 90])
def test_cost_report_labels_fit_and_the_y_axis_is_nice(days: int, tmp_path: Path) -> None:
    report, budgets = cost_report(days)
    html = render_html(report, budgets)
    ticks = [
        float(t.replace(",", ""))
        for t in re.findall(r'class="tick" x="[^"]+" y="[^"]+" text-anchor="end">([^<]+)<', html)
    ]
    top = max(a + b for a, b in zip(report.provider_totals[0].daily, report.provider_totals[1].daily, strict=True))
    assert ticks == nice_ticks(top) and top <= ticks[-1] < 1.3 * top  # before: top / 4 steps (499 / 998 / 1,497)
    dates = re.findall(r'text-anchor="middle">(\d\d-\d\d)<', html)
    assert dates[0] == "11-01" and 2 <= len(dates) <= days
    assert layout_problems(html, tmp_path, f"cost-{days}") == []


def test_dashboard_line_chart_has_a_time_axis_and_one_colour_per_series(tmp_path: Path) -> None:
    minutes = [f"2026-12-03T10:{m:02d}:00.000Z" for m in range(60)]
    services = [
        f"{cloud} {name}"
        for cloud, names in (
            ("aws", ["product", "inventory", "order", "user", "cdc"]),
            ("azure", ["payment-processor", "notification-service", "analytics-processor", "backup-service"]),
        )
        for name in names
    ]
    series = {
        s: (s.split()[0], [(t, float((i * 7 + n) % 13)) for i, t in enumerate(minutes)]) for n, s in enumerate(services)
    }
    chart = line_chart("Invocations per minute", series, "per-minute")
    strokes = re.findall(r'class="series" data-cloud="\w+" fill="none" stroke-width="2" stroke="(#[0-9a-f]+)"', chart)
    assert len(strokes) == 9 and len(set(strokes)) == 9 and set(strokes) <= set(PALETTE)
    labels = re.findall(r'class="value tick" text-anchor="middle">(\d\d:\d\d)<', chart)
    assert labels[0] == "10:00" and 4 <= len(labels) <= 30  # labelled as often as they fit
    data = {"functions": [], "gauges": [], "window": {"start": minutes[0], "end": minutes[-1]}}
    page = render(data, "local", __import__("datetime").datetime(2026, 12, 3, 11, 0))
    # two minutes with data, two apart (what the demo draws): the time axis is proportional, and the last label
    # and "UTC" after it must not collide (they did in the demo's first dashboard)
    sparse = {"aws order": ("aws", [("2026-12-03T21:36:00Z", 12.0), ("2026-12-03T21:38:00Z", 12.0)])}
    small = line_chart("Two minutes", sparse, "sparse")
    marks = re.findall(r'<line x1="([0-9.]+)" y1="\d+" x2="([0-9.]+)" y2="\d+" stroke="#999"/><text', small)
    xs = [float(a) for a, b in marks if a == b]  # tick marks are vertical; the axis line is not
    assert re.findall(r'text-anchor="middle">(\d\d:\d\d)<', small) == ["21:36", "21:37", "21:38"]
    assert len(xs) == 3 and abs((xs[1] - xs[0]) - (xs[2] - xs[1])) < 0.2  # a minute is a minute
    html = page.replace("</body>", f"{chart}{small}</body>")
    assert layout_problems(html, tmp_path, "dashboard") == []


def test_axis_arithmetic() -> None:
    assert nice_ticks(1497) == [0, 500, 1000, 1500] and nice_ticks(2037) == [0, 500, 1000, 1500, 2000, 2500]
    for top in (0.37, 1, 12, 998, 1497, 2037, 8553.84, 7.3e6, 1e-3):
        ticks = nice_ticks(top)
        step = ticks[1] - ticks[0]
        mantissa = step / 10 ** math.floor(math.log10(step))
        assert ticks[0] == 0 and ticks[-1] >= top and 3 <= len(ticks) <= 6
        assert any(math.isclose(mantissa, m) for m in (1, 2, 2.5, 5)), (top, ticks)
    assert [tick_label(v, [0, 2.5, 5]) for v in (0, 2.5, 5)] == ["0", "2.5", "5"]
    assert tick_label(1000, [0, 500, 1000]) == "1,000"
    assert every(90, 10.3, text_width("12-31")) * 10.3 >= text_width("12-31") + 8
    assert every(1, 5, 100) == 1
