"""`mcctl cost` end to end through the CLI: seed the sandbox, then every view, formats and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from multicloud_ctl.engine.journal import list_journals

# the date-sensitive tests are marked `calendar` one by one: `recommend` is not, since it reads the real age of
# the blobs it writes to Azurite (which keeps real time), so a pinned date would age them
pytestmark = [pytest.mark.e2e, pytest.mark.integration]

BIG_BUDGETS = """  budgets:
    - {name: aws-all, provider: aws, monthly: 1000000}
    - {name: azure-all, provider: azure, monthly: 1000000}
"""


def _seed(cli: Any, cfg: Path) -> None:
    r = cli("--config-dir", str(cfg), "--output", "json", "--yes", "cost", "seed")
    assert r.exit_code == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["aws_rows"] > 0 and summary["azure_rows"] > 0 and summary["primed_queries"] > 0


@pytest.mark.calendar
def test_report_table_and_seed_is_idempotent(cli: Any, cost_config_dir: Path, playbook: Any) -> None:
    _seed(cli, cost_config_dir)
    again = cli("--config-dir", str(cost_config_dir), "--output", "json", "--yes", "cost", "seed")
    assert again.exit_code == 0 and json.loads(again.stdout)["primed_queries"] == 0
    r = cli(
        "--config-dir",
        str(cost_config_dir),
        "cost",
        "report",
        "--group-by",
        "provider",
        "--playbook",
        str(playbook(BIG_BUDGETS)),
    )
    assert r.exit_code == 0, r.stderr
    assert "Cost by provider" in r.stdout and "TOTAL" in r.stdout and "Budgets" in r.stdout
    assert any(ch in r.stdout for ch in "▁▂▃▄▅▆▇█")  # the daily sparkline


def test_recommend_lists_every_area(
    cli: Any, cost_config_dir: Path, playbook: Any, azurite: Any, local_env: Any
) -> None:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.providers.azure.blob import backup_container

    container = backup_container(Runtime(environment=local_env), local_env.azure.storage.backups_container)
    container.ensure()
    container.upload("snapshots/demo/manifest.json", b"{}" * 2048, {"kind": "manifest"})
    _seed(cli, cost_config_dir)
    r = cli(
        "--config-dir",
        str(cost_config_dir),
        "--output",
        "json",
        "cost",
        "recommend",
        "--playbook",
        str(playbook(BIG_BUDGETS)),
    )
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    recs = doc["recommendations"]
    areas = {x["area"] for x in recs}
    assert {
        "storage tiering",
        "lambda memory",
        "dynamodb capacity",
        "commitments",
        "data transfer",
        "idle standby",
    } <= areas
    by_finding = {x["finding"].split(": ")[0]: x for x in recs}
    assert by_finding["s3://mcctl-artifacts"]["status"] == "recommended"  # 420 GB, hardly read
    assert by_finding["s3://static-assets"]["status"] == "ok"  # hot
    assert by_finding["Products"]["status"] == "recommended" and by_finding["Orders"]["status"] == "ok"
    blob = next(x for x in recs if x["provider"] == "Azure" and x["area"] == "storage tiering")
    assert blob["status"] == "info" and "1 blobs" in blob["finding"]  # reached Azurite, nothing aged yet
    unavailable = [x for x in recs if x["status"] == "unavailable"]
    assert any(x["provider"] == "AWS" and x["area"] == "commitments" for x in unavailable)
    assert doc["total_monthly_saving"]["USD"] > 0


@pytest.mark.calendar
@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--since", "2026-13-01"], "is not a date"),
        (["--since", "2025-02-10", "--until", "2025-02-01"], "reversed"),
        (["--since", "2999-01-01"], "future"),
        (["--until", "2999-01-01", "--since", "2025-01-01"], "future"),
        (["--last", "30x"], "not a duration"),
    ],
)
def test_bad_ranges_exit_2_with_one_line(cli: Any, cost_config_dir: Path, args: list[str], needle: str) -> None:
    r = cli("--config-dir", str(cost_config_dir), "cost", "report", *args)
    assert r.exit_code == 2
    assert needle in r.stderr
    assert len([ln for ln in r.stderr.splitlines() if ln.startswith("error:")]) == 1


@pytest.mark.calendar
def test_empty_range_says_so(cli: Any, cost_config_dir: Path, playbook: Any) -> None:
    r = cli(
        "--config-dir",
        str(cost_config_dir),
        "cost",
        "report",
        "--last",
        "7d",
        "--playbook",
        str(playbook("  budgets: []\n")),
    )
    assert r.exit_code == 0, r.stderr
    assert "no cost data for" in r.stderr and "mcctl cost seed" in r.stderr


def test_seed_is_confirmed_like_every_change(cli: Any, cost_config_dir: Path) -> None:
    r = cli("--config-dir", str(cost_config_dir), "cost", "seed")
    assert r.exit_code == 4 and r.stderr.count("error:") == 1 and "--yes" in r.stderr


def test_seed_refuses_a_cloud_environment(cli: Any, cost_config_dir: Path) -> None:
    import yaml

    path = cost_config_dir / "local.yaml"
    data = yaml.safe_load(path.read_text())
    data["kind"] = "cloud"
    path.write_text(yaml.safe_dump(data))
    r = cli("--config-dir", str(cost_config_dir), "--yes", "cost", "seed")
    assert r.exit_code == 2 and "only writes to the sandbox" in r.stderr


@pytest.mark.calendar
def test_demo_step_seeds_and_reports_in_fresh_processes(cost_config_dir: Path, tmp_path: Path) -> None:
    """The `mcctl local demo` cost step, through the real DemoContext (subprocess CLI runs)."""
    from multicloud_ctl.cli.console import Console
    from multicloud_ctl.config.loader import load_environment
    from multicloud_ctl.local.demo import DemoContext
    from multicloud_ctl.operations.cost.demo_step import cost_demo_step

    env = load_environment("local", cost_config_dir)
    ctx = DemoContext(environment=env, console=Console(), config_dir=cost_config_dir, supervisor=None)  # type: ignore[arg-type]
    summary = cost_demo_step(ctx)
    assert "90 days seeded" in summary and "AWS" in summary and "Azure" in summary
    assert (env.env_state_dir / "cost-report.html").read_text().startswith("<!DOCTYPE html>")


def test_forbidden_cost_management_is_one_line_with_hint(cli: Any, cost_config_dir: Path, arm_url: str) -> None:
    from multicloud_ctl.local.cost_seed import post_json

    post_json(
        f"{arm_url}/_mcctl/costmanagement/faults?api-version=sandbox",
        {"deny": True},
        headers={"Authorization": "Bearer sandbox-token"},
    )
    r = cli("--config-dir", str(cost_config_dir), "cost", "report", "--provider", "azure")
    assert r.exit_code == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("error:") and "403" in lines[0]
    assert lines[1].startswith("hint:") and "Cost Management Reader" in lines[1]


@pytest.mark.calendar
def test_seed_dry_run_changes_nothing_and_real_seed_is_journaled(
    cli: Any, cost_config_dir: Path, local_env: Any
) -> None:
    dry = cli("--config-dir", str(cost_config_dir), "--output", "json", "cost", "seed", "--dry-run")
    assert dry.exit_code == 0 and json.loads(dry.stdout)["dry_run"] is True
    empty = cli("--config-dir", str(cost_config_dir), "cost", "report", "--last", "7d", "--no-budgets")
    assert "no cost data" in empty.stderr
    _seed(cli, cost_config_dir)
    docs = list_journals(local_env.state_dir / local_env.name)
    assert any(d.get("verb") == "cost seed" and d.get("status") == "ok" for d in docs), docs


def test_unreachable_arm_is_one_line_with_hint(cli: Any, config_dir: Path) -> None:
    import yaml

    from multicloud_ctl.local.processes import free_port

    path = config_dir / "local.yaml"
    data = yaml.safe_load(path.read_text())
    data["azure"]["arm_endpoint"] = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    path.write_text(yaml.safe_dump(data))
    r = cli("--config-dir", str(config_dir), "cost", "report", "--provider", "azure", "--no-budgets")
    assert r.exit_code == 1
    assert r.stderr.startswith("error: Cost Management query.usage") and "hint: check azure.arm_endpoint" in r.stderr


def test_on_the_2nd_the_reservation_leads_billed_movers_not_effective_ones(
    cli: Any, cost_config_dir: Path, playbook: Any, pin_clock: Any
) -> None:
    """The date main went red on: seeded and reported on 2026-12-02, a day after the up-front purchase."""
    pin_clock("2026-12-02T09:00:00Z")
    _seed(cli, cost_config_dir)
    base = ("--config-dir", str(cost_config_dir), "cost", "report", "--format", "json", "--no-budgets")
    effective = json.loads(cli(*base, "--playbook", str(playbook(BIG_BUDGETS))).stdout)
    assert effective["period"] == {"start": "2026-11-03", "end": "2026-12-02", "days": 30}  # the pinned clock
    assert effective["top_movers_basis"] == "effective"
    assert effective["top_movers"][0]["service"] == "AWS Lambda"
    r = cli(*base, "--movers-basis", "billed")
    assert r.exit_code == 0, r.stderr
    billed = json.loads(r.stdout)
    assert billed["top_movers_basis"] == "billed"
    assert billed["top_movers"][0]["service"] in {"Amazon DynamoDB", "SQL Database"}
    bad = cli(*base, "--movers-basis", "list")
    assert bad.exit_code == 2 and "--movers-basis 'list'" in bad.stderr
