"""Issue 19 item 4: cron schedules are checked with croniter; a schedule that can never run is refused at load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from multicloud_ctl.config.specs.backup import check_cron

PLAYBOOK = """\
apiVersion: mcctl/v1
kind: Backup
metadata:
  name: backup-daily
spec:
  mode: daily
  buckets: [a]
  schedule: "{cron}"
"""


@pytest.mark.parametrize(
    ("cron", "message"),
    [
        ("99 25 31 2 *", "minute 99 is out of range 0-59"),
        ("0 25 * * *", "hour 25 is out of range 0-23"),
        ("0 0 0 * *", "day of month 0 is out of range 1-31"),
        ("0 0 1 13 *", "month 13 is out of range 1-12"),
        ("0 0 * * 8", "day of week 8 is out of range 0-7"),
        ("0 0 31 2 *", "'0 0 31 2 *' never runs: day of month 31 does not occur in month 2"),
        ("0 0 30 2 *", "never runs"),
        ("0 0 31 4,6,9,11 *", "never runs"),
        ("*/0 * * * *", "a step must be at least 1"),
        ("30-10 * * * *", "minute range 30-10 in '30-10 * * * *' runs backwards"),
        ("30 2 * *", "not a 5-field cron expression"),
    ],
)
def test_impossible_schedules_are_refused(cron: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        check_cron(cron)
    assert message in str(info.value)


@pytest.mark.parametrize(
    "cron", ["30 2 * * *", "0 0 29 2 *", "*/15 * * * 1-5", "0 3 * * 0", "0 3 * * 7", "0 0 31 2 1", "0 0 1,15 * *"]
)
def test_schedules_that_can_run_are_accepted(cron: str) -> None:
    """29 February comes in leap years; with a day of week too, cron runs on either day field."""
    assert check_cron(cron) == cron


@pytest.mark.parametrize(
    ("cron", "message"),
    [
        ("99 25 31 2 *", "minute 99 is out of range 0-59 in '99 25 31 2 *'"),
        ("0 0 31 2 *", "'0 0 31 2 *' never runs: day of month 31 does not occur in month 2"),
    ],
)
def test_validate_and_export_name_file_line_and_field(cli: Any, tmp_path: Path, cron: str, message: str) -> None:
    book = tmp_path / "playbooks" / "backup-daily.yaml"
    book.parent.mkdir()
    book.write_text(PLAYBOOK.format(cron=cron))
    res = cli("playbook", "validate", str(book))
    assert res.exit_code == 2
    assert f"{book}:8 spec.schedule: {message}" in res.stdout + res.stderr
    res = cli("schedule", "export", "--playbooks", str(book.parent))
    assert res.exit_code == 2
    assert f"error: {book}:8 spec.schedule: {message}" in res.stderr


def test_both_day_fields_become_two_oncalendar_lines_as_cron_runs_on_either() -> None:
    from multicloud_ctl.operations.backup.schedule import ScheduledPlaybook, cron_to_oncalendars, export_systemd

    assert cron_to_oncalendars("0 4 1 * 1") == ["*-*-01 04:00:00", "Mon *-*-* 04:00:00"]
    assert cron_to_oncalendars("0 4 1 * *") == ["*-*-01 04:00:00"]
    entry = ScheduledPlaybook("b", "Backup", "playbooks/b.yaml", "0 4 1 * 1", ("backup", "daily"))
    timer = export_systemd([entry], "prod", "/srv", ["/opt/mcctl/bin/mcctl"])["mcctl-prod-b.timer"]
    assert "OnCalendar=*-*-01 04:00:00\nOnCalendar=Mon *-*-* 04:00:00\nPersistent=true\n" in timer
