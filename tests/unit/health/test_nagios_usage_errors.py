"""Issue 19 item 10: a Nagios plugin run that cannot check says UNKNOWN (exit 3) in one line, never CRITICAL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--playbook", "no-such-health.yaml"], "no-such-health.yaml"),
        (["--watch", "0"], "--watch needs a positive number of seconds"),
        (["--bogus"], "No such option: --bogus"),
        (["--only"], "Option '--only' requires an argument"),
    ],
)
def test_a_usage_error_in_nagios_mode_is_unknown_in_one_line(cli: Any, args: list[str], message: str) -> None:
    res = cli("health", "--format", "nagios", *args)
    assert res.exit_code == 3
    lines = res.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("MCCTL HEALTH UNKNOWN - ") and message in lines[0]


@pytest.mark.parametrize("form", [["-f", "nagios"], ["--format=nagios"], ["-fnagios"]])
def test_every_spelling_of_the_nagios_format_counts(cli: Any, form: list[str]) -> None:
    res = cli("-o", "json", "health", *form, "--playbook", "missing.yaml")
    assert res.exit_code == 3 and res.stdout.startswith("MCCTL HEALTH UNKNOWN - ")


def test_outside_nagios_mode_a_usage_error_stays_exit_2(cli: Any) -> None:
    res = cli("health", "--format", "json", "--watch", "0")
    assert res.exit_code == 2 and res.stdout == ""
    assert "error: --watch needs a positive number of seconds" in res.stderr


def test_the_installed_entry_point_exits_3_with_the_line(tmp_path: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    cmd = [sys.executable, "-m", "multicloud_ctl", "health", "--format", "nagios", "--playbook", "nope.yaml"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert done.returncode == 3
    assert done.stdout.startswith("MCCTL HEALTH UNKNOWN - ") and done.stdout.count("\n") == 1
    assert "Traceback" not in done.stderr
