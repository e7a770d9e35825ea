"""`mcctl schedule export` runs `failover readiness` regularly (issue 17 item 4): hourly by default when the
playbook directory holds Failover playbooks, at another time with `--readiness CRON`, never with `off`."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from multicloud_ctl.cli.app import app
from multicloud_ctl.operations.backup.schedule import export_cron, export_systemd, scheduled_playbooks

REPO = Path(__file__).resolve().parents[3]


def playbooks(tmp_path: Path) -> Path:
    directory = tmp_path / "playbooks"
    directory.mkdir(parents=True)
    for name in ("backup-daily.yaml", "failover-azure.yaml", "failover-aws.yaml"):
        shutil.copy(REPO / "playbooks" / name, directory / name)
    return directory


def export(tmp_path: Path, *args: str) -> Any:
    return CliRunner().invoke(
        app,
        ["--env", "prod", "schedule", "export", "--playbooks", str(playbooks(tmp_path)), "--workdir", "/srv", *args],
        catch_exceptions=False,
    )


def test_readiness_runs_hourly_next_to_the_scheduled_playbooks(tmp_path: Path) -> None:
    entries = scheduled_playbooks(playbooks(tmp_path), base=tmp_path)
    assert [(e.name, e.cron, e.args) for e in entries] == [
        ("backup-daily", "30 2 * * *", ("backup", "daily", "--playbook", "playbooks/backup-daily.yaml")),
        ("failover-readiness", "0 * * * *", ("failover", "readiness", "--playbooks", "playbooks")),
    ]
    cron = export_cron(entries, "prod", "/srv", "mcctl")
    assert (
        "0 * * * * cd /srv && mkdir -p .mcctl/prod/logs && mcctl --env prod --output json --yes failover readiness "
        "--playbooks playbooks >> .mcctl/prod/logs/failover-readiness.log 2>&1"
    ) in cron
    timer = export_systemd(entries, "prod", "/srv", "mcctl")["mcctl-prod-failover-readiness.timer"]
    assert "OnCalendar=*-*-* *:00:00" in timer


def test_the_exported_command_is_one_the_cli_accepts() -> None:
    """The scheduled arguments parse: `failover readiness --help` with them exits 0."""
    res = CliRunner().invoke(app, ["failover", "readiness", "--playbooks", "playbooks", "--help"])
    assert res.exit_code == 0 and "--playbooks" in res.stdout


def test_readiness_schedule_can_be_moved_or_turned_off(tmp_path: Path) -> None:
    moved = export(tmp_path / "a", "--readiness", "15 */2 * * *")
    assert moved.exit_code == 0, moved.stderr
    assert "15 */2 * * * cd /srv" in moved.stdout and "failover readiness" in moved.stdout
    off = export(tmp_path / "b", "--readiness", "off")
    assert off.exit_code == 0 and "failover readiness" not in off.stdout
    gha = export(tmp_path / "c", "--format", "github-actions")
    workflow = yaml.safe_load(gha.stdout)
    assert [c["cron"] for c in workflow["on"]["schedule"]] == ["30 2 * * *", "0 * * * *"]
    bad = export(tmp_path / "d", "--readiness", "hourly")
    assert bad.exit_code == 2 and "--readiness 'hourly'" in bad.stderr


def test_no_failover_playbook_no_readiness_entry(tmp_path: Path) -> None:
    directory = playbooks(tmp_path)
    for path in directory.glob("failover-*.yaml"):
        path.unlink()
    assert [e.name for e in scheduled_playbooks(directory, base=tmp_path)] == ["backup-daily"]
