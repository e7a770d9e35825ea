"""`mcctl backup ...` end to end: dry run, confirmation, lock refusal, SIGKILL + resume, verify exit 3."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from multicloud_ctl.engine.journal import load_journal

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[3]


def _seed(setup: dict[str, Any], n: int, size: int) -> dict[str, bytes]:
    s3 = setup["runtime"].aws.client("s3")
    objects = {f"obj/{i:04d}": os.urandom(size) for i in range(n)}
    for key, data in objects.items():
        s3.put_object(Bucket="src-a", Key=key, Body=data)
    return objects


def _mirror_count(setup: dict[str, Any]) -> int:
    from multicloud_ctl.providers.azure.blob import backup_container

    blobs = backup_container(setup["runtime"], setup["container"])
    return sum(1 for _ in blobs.list("daily/src-a/", metadata=False))


def _base(setup: dict[str, Any]) -> list[str]:
    return ["--config-dir", str(setup["config_dir"])]


def test_dry_run_prints_plan_and_makes_no_mutating_call(cli: Any, backup_setup: dict[str, Any]) -> None:
    _seed(backup_setup, 4, 10)
    r = cli(
        *_base(backup_setup),
        "--output",
        "json",
        "backup",
        "daily",
        "--dry-run",
        "--playbook",
        str(backup_setup["playbook"]),
    )
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["dry_run"] is True and out["to_copy"] == 4
    assert out["mutating_calls"] == {"aws_sent": 0, "aws_refused": 0, "azure_sent": 0, "azure_refused": 0}
    assert _mirror_count(backup_setup) == 0


def test_unconfirmed_run_off_a_tty_is_refused(cli: Any, backup_setup: dict[str, Any]) -> None:
    _seed(backup_setup, 2, 10)
    r = cli(*_base(backup_setup), "backup", "daily", "--playbook", str(backup_setup["playbook"]))
    assert r.exit_code == 4
    assert "--yes" in r.stderr
    assert _mirror_count(backup_setup) == 0


def _start_daily(setup: dict[str, Any], *extra: str) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "multicloud_ctl",
        *_base(setup),
        "backup",
        "daily",
        "--yes",
        "--playbook",
        str(setup["playbook"]),
        *extra,
    ]
    return subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for_copies(setup: dict[str, Any], proc: subprocess.Popen[bytes], at_least: int) -> None:
    deadline = time.monotonic() + 120
    while _mirror_count(setup) < at_least:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline, "the daily run copied nothing in 120 s"
        time.sleep(0.1)


def test_second_run_refused_then_sigkill_and_rerun_copies_only_what_is_missing(
    cli: Any, backup_setup: dict[str, Any]
) -> None:
    total = 160
    _seed(backup_setup, total, 8 * 1024)
    first = _start_daily(backup_setup, "--bwlimit", "160K")  # ~8 s of copying
    try:
        _wait_for_copies(backup_setup, first, 10)
        second = cli(*_base(backup_setup), "backup", "daily", "--yes", "--playbook", str(backup_setup["playbook"]))
        assert second.exit_code == 4, second.stderr
        assert "lock" in second.stderr or "lease" in second.stderr
        _wait_for_copies(backup_setup, first, 30)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    # an upload whose body left the killed process before SIGKILL still lands in Azurite moments later:
    # count the mirror once it has stopped changing
    done_before, deadline = -1, time.monotonic() + 10
    while time.monotonic() < deadline:
        now = _mirror_count(backup_setup)
        if now == done_before:
            break
        done_before = now
        time.sleep(0.5)
    assert 30 <= done_before < total
    rerun = cli(
        *_base(backup_setup),
        "--output",
        "json",
        "backup",
        "daily",
        "--yes",
        "--playbook",
        str(backup_setup["playbook"]),
    )
    assert rerun.exit_code == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert summary["copied"] == total - done_before
    assert summary["skipped"] == done_before
    assert _mirror_count(backup_setup) == total
    journal = load_journal(backup_setup["env"].env_state_dir, summary["journal"])
    assert journal["status"] == "ok"
    assert journal["reclaimed_lease"]["dead_owner"].split(":")[1] == str(first.pid)
    verify = cli(*_base(backup_setup), "backup", "verify", "--playbook", str(backup_setup["playbook"]))
    assert verify.exit_code == 0, verify.stderr


def test_verify_exit_3_names_corrupt_and_missing_then_list_shows_it(cli: Any, backup_setup: dict[str, Any]) -> None:
    from multicloud_ctl.providers.azure.blob import backup_container

    _seed(backup_setup, 5, 100)
    run = cli(
        *_base(backup_setup),
        "--output",
        "json",
        "backup",
        "daily",
        "--yes",
        "--playbook",
        str(backup_setup["playbook"]),
    )
    assert run.exit_code == 0, run.stderr
    backup_id = json.loads(run.stdout)["id"]
    blobs = backup_container(backup_setup["runtime"], backup_setup["container"])
    meta = blobs.properties("daily/src-a/obj/0001").metadata
    blobs.upload("daily/src-a/obj/0001", b"tampered", meta)
    blobs.delete("daily/src-a/obj/0003")
    verify = cli(
        *_base(backup_setup),
        "--output",
        "json",
        "backup",
        "verify",
        backup_id,
        "--playbook",
        str(backup_setup["playbook"]),
    )
    assert verify.exit_code == 3
    report = json.loads(verify.stdout)
    assert report["corrupt"] == ["s3/src-a/obj/0001"] and report["missing"] == ["s3/src-a/obj/0003"]
    assert "s3/src-a/obj/0001" in verify.stderr and "s3/src-a/obj/0003" in verify.stderr
    listed = cli(
        *_base(backup_setup),
        "--output",
        "json",
        "backup",
        "list",
        "--playbook",
        str(backup_setup["playbook"]),
    )
    assert listed.exit_code == 0
    rows = json.loads(listed.stdout)
    assert rows[0]["id"] == backup_id and rows[0]["kind"] == "daily" and rows[0]["objects"] == 5
    assert rows[0]["verify_status"] == "failed" and rows[0]["bytes"] == 500


def test_on_a_tty_declined_and_ctrl_c_at_the_prompt_copy_nothing(cli: Any, backup_setup: dict[str, Any]) -> None:
    from multicloud_ctl.engine.journal import list_journals
    from tty_support import on_a_tty

    _seed(backup_setup, 3, 1024)
    args = ("backup", "daily", "--playbook", str(backup_setup["playbook"]))
    state = backup_setup["env"].env_state_dir
    code, out = on_a_tty(backup_setup["config_dir"], *args, answer="n")
    assert code == 4 and "Copy the new and changed objects of src-a" in out
    assert list_journals(state, "backup daily")[0]["status"] == "refused"
    code, _ = on_a_tty(backup_setup["config_dir"], *args, answer=None)
    assert code == 130 and list_journals(state, "backup daily")[0]["status"] == "interrupted"
    assert _mirror_count(backup_setup) == 0
    code, out = on_a_tty(backup_setup["config_dir"], *args, answer="y")
    assert code == 0, out
    assert list_journals(state, "backup daily")[0]["status"] == "ok" and _mirror_count(backup_setup) == 3


def test_piped_output_is_what_output_says(cli: Any, backup_setup: dict[str, Any]) -> None:
    """Piped (the `cli` fixture is not a terminal), the default `-o table` prints the summary table, without colour;
    only `-o json` prints JSON (it used to print JSON whenever stdout was not a terminal)."""
    _seed(backup_setup, 3, 10)
    args = ("backup", "daily", "--yes", "--playbook", str(backup_setup["playbook"]))
    table = cli(*_base(backup_setup), "-o", "table", *args)
    assert table.exit_code == 0, table.stderr
    assert "backup daily" in table.stdout and "copied" in table.stdout and "\x1b[" not in table.stdout
    assert not any(line.startswith(("{", "}")) for line in table.stdout.splitlines())  # no JSON document
    doc = json.loads(cli(*_base(backup_setup), "-o", "json", *args).stdout)
    assert doc["copied"] == 0 and doc["listed"] == 3
