"""`mcctl failover` with a workflow: an approval given from another terminal, one never given, a cycle refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from test_failover_cli import lb_state, run, write_playbook

from multicloud_ctl.engine.journal import list_journals, load_journal

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[3]

WORKFLOW = """  parallelism: 2
  workflow:
    - {{id: switch, do: load_balancer, timeout_seconds: 20}}
    - {{id: db-ok, do: approval, message: "traffic is on azure: record it?", timeout_seconds: {wait}}}
    - {{id: record, do: record_intended}}
"""


def _start(config: Path, book: Path) -> subprocess.Popen[str]:
    argv = [sys.executable, "-m", "multicloud_ctl", "--config-dir", str(config), "--output", "json",
            "failover", "--to", "azure", "--playbook", str(book), "--yes"]  # fmt: skip
    return subprocess.Popen(
        argv, cwd=REPO, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _wait_for_pending(cli: Any, config: Path, step: str, timeout: float = 60) -> dict[str, Any]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        listed = json.loads(run(cli, config, "failover", "approve").stdout)["waiting"]
        if any(w["step"] == step for w in listed):
            return next(w for w in listed if w["step"] == step)
        time.sleep(0.1)
    raise AssertionError(f"no run asked for approval {step}")


def test_an_approval_from_another_terminal_completes_the_failover(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], tmp_path: Path
) -> None:
    book = write_playbook(tmp_path, "azure", extra=WORKFLOW.format(wait=60))
    proc = _start(fo_config, book)
    try:
        waiting = _wait_for_pending(cli, fo_config, "db-ok")
        assert waiting["message"] == "traffic is on azure: record it?"
        assert lb_state(fo_env, lb)[:2] == (("azure", "aws"), "aws")  # the switch ran before the approval
        approved = run(cli, fo_config, "failover", "approve", "db-ok")
        assert approved.exit_code == 0, approved.stderr
        assert json.loads(approved.stdout)["decision"] == "approved"
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    doc = json.loads(out)
    assert doc["status"] == "ok" and doc["rto_seconds"] is not None
    timeline = {t["step"]: t for t in doc["rto_timeline"]}
    assert timeline["db-ok"]["start_s"] >= timeline["load-balancer"]["end_s"] >= 0  # approval after the switch
    assert timeline["verify-edge"]["start_s"] >= timeline["record-intended"]["end_s"]
    journal = load_journal(fo_env.env_state_dir, doc["journal"])
    steps = {s["id"]: s for s in journal["steps"]}
    assert steps["db-ok"]["status"] == "ok" and steps["db-ok"]["output"]["waited_s"] > 0
    assert [s["after"] for s in journal["plan"]["steps"] if s["id"] == "record-intended"] == [["db-ok"]]
    again = run(cli, fo_config, "failover", "approve", "db-ok")
    assert again.exit_code != 0 and "no run is waiting for approval 'db-ok'" in again.stderr


def test_an_approval_never_given_times_out_and_rolls_the_switch_back(
    cli: Any, fo_config: Path, fo_env: Any, lb: dict[str, str], tmp_path: Path
) -> None:
    before = lb_state(fo_env, lb)
    book = write_playbook(tmp_path, "azure", extra=WORKFLOW.format(wait=1))
    res = run(cli, fo_config, "failover", "--to", "azure", "--playbook", str(book), "--yes")
    assert res.exit_code == 1, res.stdout + res.stderr
    assert res.stderr.count("error:") == 1 and "approval 'db-ok' not given" in res.stderr
    assert lb_state(fo_env, lb) == before  # the switch was undone
    journal = load_journal(fo_env.env_state_dir, list_journals(fo_env.env_state_dir, verb="failover")[-1]["id"])
    assert journal["status"] == "rolled_back"
    assert [r["id"] for r in journal["rollback"]][:1] == ["undo-load-balancer"]


def test_a_workflow_with_a_cycle_is_refused_naming_the_file_and_the_cycle(
    cli: Any, fo_config: Path, tmp_path: Path
) -> None:
    cyclic = """  workflow:
    - {id: switch, do: load_balancer, after: [record]}
    - {id: record, do: record_intended, after: [switch]}
"""
    book = write_playbook(tmp_path, "azure", extra=cyclic)
    res = run(cli, fo_config, "failover", "--to", "azure", "--playbook", str(book), "--yes", "--dry-run")
    assert res.exit_code == 2, res.stdout + res.stderr
    assert str(book.name) in res.stderr and "cycle" in res.stderr and "switch -> record -> switch" in res.stderr


def _on_a_terminal(config: Path, book: Path) -> tuple[subprocess.Popen[str], int, list[bytes]]:
    """The failover with stdin and stderr on a pseudo-terminal (the operator's), stdout (JSON) on a pipe; what
    the terminal shows is collected by a thread so the run never blocks on a full terminal buffer."""
    import pty
    import threading

    master, slave = pty.openpty()
    argv = [sys.executable, "-m", "multicloud_ctl", "--config-dir", str(config), "--output", "json",
            "failover", "--to", "azure", "--playbook", str(book), "--yes"]  # fmt: skip
    proc = subprocess.Popen(
        argv, cwd=REPO, env=dict(os.environ), stdin=slave, stdout=subprocess.PIPE, stderr=slave, text=True
    )
    os.close(slave)
    shown: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:
                return
            if not data:
                return
            shown.append(data)

    threading.Thread(target=drain, daemon=True).start()
    return proc, master, shown


@pytest.mark.parametrize("answer", ["y", "n"])
def test_an_approval_answered_at_the_operators_terminal(
    answer: str, fo_config: Path, fo_env: Any, lb: dict[str, str], tmp_path: Path
) -> None:
    before = lb_state(fo_env, lb)
    book = write_playbook(tmp_path, "azure", extra=WORKFLOW.format(wait=60))
    proc, master, shown = _on_a_terminal(fo_config, book)
    try:
        end = time.monotonic() + 60
        while b"[y/n]" not in b"".join(shown) and time.monotonic() < end and proc.poll() is None:
            time.sleep(0.05)
        assert b"approve 'db-ok'? traffic is on azure: record it? [y/n]" in b"".join(shown), b"".join(shown)[-2000:]
        os.write(master, b"maybe\n")  # not an answer: asked again, nothing decided
        time.sleep(0.5)
        assert proc.poll() is None
        os.write(master, f"{answer}\n".encode())
        out, _ = proc.communicate(timeout=120)
    finally:
        proc.kill()
        os.close(master)
    assert b"answer y or n" in b"".join(shown)
    journal = load_journal(fo_env.env_state_dir, list_journals(fo_env.env_state_dir, verb="failover")[-1]["id"])
    steps = {s["id"]: s for s in journal["steps"]}
    if answer == "y":
        assert proc.returncode == 0 and json.loads(out)["status"] == "ok"
        assert steps["db-ok"]["output"]["approved_by"].endswith("(at the terminal)")
    else:
        assert proc.returncode == 1 and journal["status"] == "rolled_back"
        assert lb_state(fo_env, lb) == before  # the switch was undone
