"""`mcctl cost` views end to end through the CLI, on a sandbox seeded once for this module (read-only tests)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from multicloud_ctl.humanize import size
from multicloud_ctl.operations.cost.focus_spec import FOCUS_COLUMN_NAMES, validate_focus_rows

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.calendar]

BIG_BUDGETS = """  budgets:
    - {name: aws-all, provider: aws, monthly: 1000000}
    - {name: azure-all, provider: azure, monthly: 1000000}
"""


def test_report_json_covers_both_clouds(cli: Any, seeded_dir: Path, playbook: Any) -> None:
    pb = playbook(BIG_BUDGETS)
    r = cli(
        "--config-dir",
        str(seeded_dir),
        "cost",
        "report",
        "--last",
        "30d",
        "--format",
        "json",
        "--playbook",
        str(pb),
    )
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["period"]["days"] == 30
    assert {p["provider"] for p in data["providers"]} == {"AWS", "Azure"}
    assert data["currencies"] == ["USD"]
    total = data["totals"][0]["billed"]
    # every amount is rounded to cents on its own: the sum of the rounded groups may drift by half a cent each
    assert total == pytest.approx(sum(g["billed"] for g in data["groups"]), abs=0.005 * len(data["groups"]))
    assert all(len(p["daily"]) == 30 for p in data["providers"])
    # the planted spike leads on EffectiveCost (the default) on any date, the 1st-7th of a month included,
    # when the reservation bought up front on the 1st is the biggest change on the bill
    assert data["top_movers_basis"] == "effective"
    assert data["top_movers"] and data["top_movers"][0]["service"] == "AWS Lambda"
    assert all(m["basis"] == "effective" for m in data["top_movers"])
    assert [b["status"] for b in data["budgets"]] == ["ok", "ok"]


def test_focus_export_validates_column_by_column(cli: Any, seeded_dir: Path, tmp_path: Path, playbook: Any) -> None:
    out = tmp_path / "focus.csv"
    r = cli(
        "--config-dir",
        str(seeded_dir),
        "cost",
        "report",
        "--last",
        "7d",
        "--format",
        "focus",
        "--out",
        str(out),
        "--playbook",
        str(playbook(BIG_BUDGETS)),
    )
    assert r.exit_code == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert rows and tuple(rows[0].keys()) == FOCUS_COLUMN_NAMES
    assert f"wrote {out} ({len(rows):,} rows, {size(out.stat().st_size)})" in r.stdout + r.stderr
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []  # streamed, then renamed
    piped = cli("--config-dir", str(seeded_dir), "cost", "report", "--last", "7d", "--format", "focus", "--no-budgets")
    assert piped.exit_code == 0 and piped.stdout == out.read_text()  # the same rows streamed to stdout
    aws = [row for row in rows if row["ProviderName"] == "AWS"]
    assert validate_focus_rows(aws, limit=1000) == []
    # Cost Management's query returns UsageQuantity without a unit, so Azure rows cannot state PricingQuantity,
    # ConsumedQuantity or the unit prices that FOCUS requires for Usage; the validator reports exactly those.
    azure = [row for row in rows if row["ProviderName"] == "Microsoft"]
    unit_gap = ("PricingQuantity", "ListUnitPrice", "ContractedUnitPrice", "PricingCurrencyListUnitPrice")
    unit_gap += ("PricingCurrencyContractedUnitPrice", "ConsumedQuantity")
    problems = validate_focus_rows(azure, limit=10**6)
    assert problems and all(p.split(": ", 1)[1].startswith(unit_gap) for p in problems), problems[:5]
    assert all(float(row["ListCost"]) >= float(row["EffectiveCost"]) for row in rows)
    assert {row["SubAccountName"] for row in rows} == {"mcctl-local"}
    assert all(row["Tags"] == "" or json.loads(row["Tags"]) for row in rows)
    # The FinOps Foundation's focus-validator is not run here: the configured package index has only
    # focus-validator 1.0.0, which knows FOCUS 0.5, 1.0-preview and 1.0 but not 1.2.
    assert {row["ProviderName"] for row in rows} == {"AWS", "Microsoft"}
    assert {row["ChargePeriodStart"][:10] for row in rows}.__len__() == 7


def test_html_is_self_contained(cli: Any, seeded_dir: Path, tmp_path: Path, playbook: Any) -> None:
    out = tmp_path / "cost.html"
    r = cli(
        "--config-dir",
        str(seeded_dir),
        "cost",
        "report",
        "--format",
        "html",
        "--out",
        str(out),
        "--playbook",
        str(playbook(BIG_BUDGETS)),
    )
    assert r.exit_code == 0, r.stderr
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>") and html.count("<svg") >= 3
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html and "<script src" not in html
    assert "Budget burn" in html and "aws-all" in html


def test_budget_forecast_over_exits_3(cli: Any, seeded_dir: Path, playbook: Any) -> None:
    pb = playbook("  budgets:\n    - {name: tiny, provider: aws, service: AWS Lambda, monthly: 1}\n")
    r = cli("--config-dir", str(seeded_dir), "cost", "report", "--playbook", str(pb))
    assert r.exit_code == 3
    assert "forecast to exceed budget" in r.stderr and "tiny" in r.stderr
    r = cli("--config-dir", str(seeded_dir), "cost", "report", "--playbook", str(pb), "--no-budgets")
    assert r.exit_code == 0


def test_forecast_falls_back_and_states_method(cli: Any, seeded_dir: Path, playbook: Any) -> None:
    r = cli(
        "--config-dir",
        str(seeded_dir),
        "--output",
        "json",
        "cost",
        "forecast",
        "--playbook",
        str(playbook(BIG_BUDGETS)),
    )
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert {p["provider"] for p in data["providers"]} == {"AWS", "Azure"}
    assert all(p["method"].startswith("seasonal median") for p in data["providers"])
    if data["today"] != data["month_end"]:  # on the last day of a month nothing is left to forecast or ask for
        assert "Cost Explorer forecast unavailable" in r.stderr
    for p in data["providers"]:
        assert p["low"] <= p["month_end_total"] <= p["high"]


def test_anomalies_find_the_planted_spikes(cli: Any, seeded_dir: Path, playbook: Any) -> None:
    r = cli(
        "--config-dir",
        str(seeded_dir),
        "--output",
        "json",
        "cost",
        "anomalies",
        "--playbook",
        str(playbook(BIG_BUDGETS)),
    )
    assert r.exit_code == 0, r.stderr
    found = {(a["provider"], a["service"]) for a in json.loads(r.stdout)["anomalies"]}
    assert ("AWS", "AWS Lambda") in found and ("Azure", "Bandwidth") in found
    failing = cli(
        "--config-dir",
        str(seeded_dir),
        "cost",
        "anomalies",
        "--fail",
        "--playbook",
        str(playbook(BIG_BUDGETS)),
    )
    assert failing.exit_code == 3


def test_group_by_tag_and_monthly_csv(cli: Any, seeded_dir: Path, playbook: Any) -> None:
    pb = str(playbook(BIG_BUDGETS))
    r = cli(
        "--config-dir",
        str(seeded_dir),
        "cost",
        "report",
        "--last",
        "30d",
        "--group-by",
        "tag:team",
        "--format",
        "json",
        "--playbook",
        pb,
    )
    assert r.exit_code == 0, r.stderr
    teams = {g["group"] for g in json.loads(r.stdout)["groups"]}
    assert {"platform", "data", "sre", "security", "payments"} <= teams
    r = cli(
        "--config-dir",
        str(seeded_dir),
        "cost",
        "report",
        "--last",
        "60d",
        "--granularity",
        "monthly",
        "--format",
        "csv",
        "--playbook",
        pb,
    )
    assert r.exit_code == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert rows and all(
        row["period_start"][8:] == "01" or row["period_start"] == rows[0]["period_start"] for row in rows
    )
    bad = cli("--config-dir", str(seeded_dir), "cost", "report", "--group-by", "colour")
    assert bad.exit_code == 2 and "--group-by" in bad.stderr


def test_a_reader_that_stops_early_ends_the_export_quietly(seeded_dir: Path) -> None:
    """`cost report --format focus | head`: the streamed export meets a closed pipe; Click's own handling
    (stdout pacified, exit 1) ends it, with no error line or traceback on stderr."""
    import subprocess
    import sys

    args = ["--config-dir", str(seeded_dir), "cost", "report", "--last", "90d", "--format", "focus", "--no-budgets"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "multicloud_ctl.cli.entry", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    header = proc.stdout.readline()
    proc.stdout.close()  # the reader goes away after the header, thousands of rows before the end
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1 and err == ""
    assert header.startswith(b"AvailabilityZone,BilledCost,")
