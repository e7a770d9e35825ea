"""Every journaled verb ends with the right status: refused, interrupted, failed or ok, through the real CLI.

The confirmation is answered at a real prompt: the CLI runs in a fresh process on a pseudo-terminal (stdin,
stdout and stderr are a TTY, as for an operator), the test waits for the prompt, then types `n` (refused,
exit 4) or sends SIGINT as Ctrl-C would (interrupted, exit 130). `journal list` must show the final status
each time, never `running`. Uses this directory's sandbox (moto, the fake ARM and Cloudflare APIs).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from multicloud_ctl.engine.journal import list_journals
from multicloud_ctl.errors import ExitCode
from tty_support import on_a_tty

pytestmark = pytest.mark.e2e


def last_status(local_env: Any, verb: str) -> str:
    runs = list_journals(local_env.state_dir / local_env.name, verb=verb)
    assert runs, f"no {verb} journal"
    return str(runs[0]["status"])


@pytest.mark.slow
def test_provision_apply_declined_interrupted_failed_then_ok(
    cli: Any, sandbox_dir: Path, small_playbook: Path, local_env: Any, servers: Any
) -> None:
    pb = ("provision", "apply", "--playbook", str(small_playbook))
    code, out = on_a_tty(sandbox_dir, *pb, answer="n")
    assert code == ExitCode.REFUSED, out
    assert "create:dynamodb_table/Products@us-east-1" in out  # the plan is shown before the question
    assert last_status(local_env, "provision apply") == "refused"

    code, out = on_a_tty(sandbox_dir, *pb, answer=None)
    assert code == ExitCode.INTERRUPTED, out
    assert last_status(local_env, "provision apply") == "interrupted"
    # Ctrl-C at the waiting prompt, delivered to another thread than the main one (the kernel may do so): it
    # used to leave the main thread blocked in input() until Enter (a CI hang)
    code, out = on_a_tty(sandbox_dir, *pb, answer=None, delay=0.5, other_thread=True)
    assert code == ExitCode.INTERRUPTED, out

    from multicloud_ctl.local.faults import FaultRule

    arm, _edge = servers
    arm.server.faults.arm(FaultRule(path=r"resourcegroups/", status=400, count=50, method="PUT"))
    res = cli("--config-dir", str(sandbox_dir), "--yes", *pb)
    arm.server.faults.clear()
    assert res.exit_code == ExitCode.FAILED, res.stderr
    assert last_status(local_env, "provision apply") in ("failed", "rolled_back")

    res = cli("--config-dir", str(sandbox_dir), "--yes", *pb)
    assert res.exit_code == 0, res.stderr
    assert last_status(local_env, "provision apply") == "ok"
    assert all(r["status"] != "running" for r in list_journals(local_env.state_dir / local_env.name))


def test_provision_destroy_wants_the_typed_name(
    cli: Any, sandbox_dir: Path, small_playbook: Path, local_env: Any
) -> None:
    pb = ("--playbook", str(small_playbook))
    assert cli("--config-dir", str(sandbox_dir), "--yes", "provision", "apply", *pb).exit_code == 0
    code, out = on_a_tty(sandbox_dir, "provision", "destroy", *pb, answer="yes")  # not the environment's name
    assert code == ExitCode.REFUSED, out
    assert last_status(local_env, "provision destroy") == "refused"
    code, out = on_a_tty(sandbox_dir, "provision", "destroy", *pb, answer="local")
    assert code == 0, out
    assert last_status(local_env, "provision destroy") == "ok"


def test_sql_migrate_declined_interrupted_then_ok(cli: Any, sandbox_dir: Path, local_env: Any) -> None:
    code, _ = on_a_tty(sandbox_dir, "sql", "migrate", answer="n")
    assert code == ExitCode.REFUSED and last_status(local_env, "sql migrate") == "refused"
    code, _ = on_a_tty(sandbox_dir, "sql", "migrate", answer=None)
    assert code == ExitCode.INTERRUPTED and last_status(local_env, "sql migrate") == "interrupted"
    res = cli("--config-dir", str(sandbox_dir), "--yes", "-o", "json", "sql", "migrate")
    assert res.exit_code == 0 and json.loads(res.stdout)["applied"] == ["0001", "0002", "0003"]
    assert last_status(local_env, "sql migrate") == "ok"


def test_sql_migrate_that_cannot_reach_its_database_is_failed(cli: Any, sandbox_dir: Path, local_env: Any) -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:9/nothing-listens"
    res = cli("--config-dir", str(sandbox_dir), "--yes", "sql", "migrate", "--url", url)
    assert res.exit_code == ExitCode.FAILED, res.stderr
    assert last_status(local_env, "sql migrate") == "failed"


def test_lock_break_asks_naming_the_owner_and_is_journaled(cli: Any, sandbox_dir: Path, local_env: Any) -> None:
    from multicloud_ctl.engine.lock import CloudLease
    from multicloud_ctl.engine.runtime import Runtime

    CloudLease(Runtime(local_env)).acquire("failover", "dead-run@elsewhere:9:abcd", timedelta(minutes=15))
    code, out = on_a_tty(sandbox_dir, "lock", "break", "failover", answer="n")
    assert code == ExitCode.REFUSED and "dead-run@elsewhere:9:abcd" in out
    assert last_status(local_env, "lock break") == "refused"
    code, out = on_a_tty(sandbox_dir, "lock", "break", "failover", answer="y")
    assert code == 0, out
    assert last_status(local_env, "lock break") == "ok"
    assert CloudLease(Runtime(local_env)).status("failover") is None
