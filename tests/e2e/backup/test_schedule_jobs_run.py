"""Issue 19 item 4: what `mcctl schedule export` writes runs as the scheduler runs it (cron's PATH, another
directory), with this config, and systemd accepts the units (`systemd-analyze verify`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.e2e
CRON_ENV = {"PATH": "/usr/bin:/bin", "SHELL": "/bin/sh", "LANG": "C.UTF-8"}  # what cron gives a job


def _scheduled(setup: dict[str, Any], tmp_path: Path) -> Path:
    """A playbook directory away from the config, holding the backup playbook with a schedule."""
    book = yaml.safe_load(setup["playbook"].read_text())
    book["spec"]["schedule"] = "30 2 * * *"
    directory = tmp_path / "elsewhere" / "playbooks"
    directory.mkdir(parents=True)
    (directory / "backup-daily.yaml").write_text(yaml.safe_dump(book))
    return directory


def test_the_exported_cron_job_runs_with_crons_path_and_this_config(
    cli: Any, backup_setup: dict[str, Any], tmp_path: Path
) -> None:
    s3 = backup_setup["runtime"].aws.client("s3")
    s3.put_object(Bucket="src-a", Key="orders/1.json", Body=b'{"id": 1}')
    playbooks = _scheduled(backup_setup, tmp_path)
    jobs = tmp_path / "jobs dir"  # a space, quoted in the line
    jobs.mkdir()
    res = cli(
        "schedule",
        "export",
        "--playbooks",
        str(playbooks),
        "--workdir",
        str(jobs),
        "--readiness",
        "off",
        "--config-dir",
        str(backup_setup["config_dir"]),
    )
    assert res.exit_code == 0, res.stderr
    line = next(x for x in res.stdout.splitlines() if x.startswith("30 2 * * * "))
    command = line.removeprefix("30 2 * * * ")
    assert command.split(" && ")[2].startswith(f"{sys.executable} -m multicloud_ctl --env local --config-dir ")
    home = tmp_path / "home"
    home.mkdir()
    done = subprocess.run(
        ["/bin/sh", "-c", command],
        env={**CRON_ENV, "HOME": str(home)},
        cwd=home,
        capture_output=True,
        text=True,
        timeout=300,
    )
    log = jobs / ".mcctl" / "local" / "logs" / "backup-daily.log"
    assert done.returncode == 0, log.read_text() if log.exists() else done.stderr
    assert "not found" not in log.read_text()
    from multicloud_ctl.providers.azure.blob import backup_container

    blobs = backup_container(backup_setup["runtime"], backup_setup["container"])
    assert [b.name for b in blobs.list("daily/src-a/", metadata=False)] == ["daily/src-a/orders/1.json"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
def test_systemd_analyze_verify_accepts_the_units(cli: Any, tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[3]
    out = tmp_path / "units"
    res = cli(
        "--config-dir",
        str(repo / "config"),
        "schedule",
        "export",
        "--format",
        "systemd",
        "--playbooks",
        str(repo / "playbooks"),
        "--workdir",
        str(tmp_path),
        "--out-dir",
        str(out),
    )
    assert res.exit_code == 0, res.stderr
    units = sorted(str(p) for p in out.iterdir())
    assert len(units) == 6  # backup-daily, backup-weekly, failover-readiness: a service and a timer each
    service = (out / "mcctl-local-backup-daily.service").read_text()
    assert f"ExecStart={sys.executable} -m multicloud_ctl --env local --config-dir {repo / 'config'} " in service
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *units],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SYSTEMD_LOG_COLOR": "0"},
    )
    assert done.returncode == 0 and done.stdout + done.stderr == "", done.stdout + done.stderr
