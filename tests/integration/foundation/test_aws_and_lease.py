"""AWS session against moto server: dry-run guard, error mapping, and the DynamoDB lease."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from multicloud_ctl.engine.clock import Clock
from multicloud_ctl.engine.lock import CloudLease, run_lock
from multicloud_ctl.engine.runtime import Runtime
from multicloud_ctl.errors import (
    AuthError,
    DryRunViolation,
    EndpointUnreachable,
    ExitCode,
    LockHeld,
    NotFound,
)
from multicloud_ctl.local.processes import free_port
from multicloud_ctl.providers.aws.errors import aws_errors

pytestmark = pytest.mark.integration


def test_dry_run_guard_blocks_mutating_calls_and_counts_them(local_env: Any) -> None:
    rt = Runtime(local_env, dry_run=True)
    ddb = rt.aws.client("dynamodb")
    assert ddb.list_tables()["TableNames"] == []
    with pytest.raises(DryRunViolation) as err:
        ddb.create_table(
            TableName="x",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        )
    assert err.value.exit_code == ExitCode.REFUSED
    assert rt.aws.counter.blocked == 1 and rt.aws.counter.mutating == 0
    # nothing reached moto
    assert Runtime(local_env).aws.client("dynamodb").list_tables()["TableNames"] == []


def test_not_found_is_mapped_with_request_id(local_env: Any) -> None:
    s3 = Runtime(local_env).aws.client("s3")
    with pytest.raises(NotFound) as err, aws_errors("HeadBucket", "nope"):
        s3.get_bucket_location(Bucket="nope")
    assert "NoSuchBucket" in err.value.message
    assert err.value.request_id and err.value.request_id in err.value.message


def test_unreachable_endpoint_is_one_line_with_hint(local_env: Any) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    env = local_env.model_copy(
        update={
            "aws": local_env.aws.model_copy(update={"endpoint_url": dead, "max_attempts": 1, "connect_timeout": 0.5})
        }
    )
    with pytest.raises(EndpointUnreachable) as err, aws_errors("ListTables"):
        Runtime(env).aws.client("dynamodb").list_tables()
    assert "endpoint unreachable" in err.value.message
    assert "mcctl local up" in (err.value.hint or "")


def test_missing_credentials_is_an_auth_error(local_env: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    env = local_env.model_copy(
        update={"aws": local_env.aws.model_copy(update={"access_key_id": None, "secret_access_key": None})}
    )
    with pytest.raises(AuthError) as err, aws_errors("ListTables"):
        Runtime(env).aws.client("dynamodb").list_tables()
    assert err.value.message == "AWS ListTables: no AWS credentials found"


def test_lease_excludes_a_second_owner_until_released_or_expired(local_env: Any) -> None:
    now = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    rt = Runtime(local_env, clock=Clock.frozen(now))
    lease = CloudLease(rt)
    lease.acquire("failover", "alice@host:1", timedelta(minutes=15))
    with pytest.raises(LockHeld) as err:
        lease.acquire("failover", "bob@host:2", timedelta(minutes=15))
    assert "alice@host:1" in err.value.message
    lease.release("failover", "bob@host:2")  # not the owner: no effect
    assert lease.status("failover")["owner"] == "alice@host:1"
    later = Runtime(local_env, clock=Clock.frozen(now + timedelta(minutes=16)))
    CloudLease(later).acquire("failover", "bob@host:2", timedelta(minutes=15))  # expired: taken over
    assert CloudLease(later).status("failover")["owner"] == "bob@host:2"
    CloudLease(later).release("failover", "bob@host:2")
    assert CloudLease(later).status("failover") is None


def test_run_lock_takes_both_locks_and_refuses_overlap(local_env: Any) -> None:
    rt = Runtime(local_env)
    with run_lock(rt, "backup"):
        assert CloudLease(rt).status("backup") is not None
        with pytest.raises(LockHeld):  # the lease (another machine) refuses even without the file lock
            CloudLease(rt).acquire("backup", "someone-else", timedelta(minutes=5))
    assert CloudLease(rt).status("backup") is None


def test_dry_run_takes_no_lock(local_env: Any) -> None:
    rt = Runtime(local_env, dry_run=True)
    with run_lock(rt, "backup"):
        pass
    assert rt.aws.counter.total == 0


def test_lock_cli_status_and_break(local_env: Any, config_dir: Any, cli: Any) -> None:
    rt = Runtime(local_env)
    CloudLease(rt).acquire("failover", "dead-run@host:9", timedelta(minutes=15))
    res = cli("--config-dir", str(config_dir), "-o", "json", "lock", "status")
    assert res.exit_code == 0, res.stderr
    assert '"owner": "dead-run@host:9"' in res.stdout
    res = cli("--config-dir", str(config_dir), "lock", "break", "failover")
    assert res.exit_code == ExitCode.REFUSED  # not a TTY and no --yes
    res = cli("--config-dir", str(config_dir), "--yes", "lock", "break", "failover")
    assert res.exit_code == 0
    assert CloudLease(rt).status("failover") is None


def test_lock_status_drops_a_killed_runs_local_note_and_names_a_dead_owner(
    local_env: Any, config_dir: Any, cli: Any
) -> None:
    """A SIGKILLed run leaves its local lock note (its `finally` never ran) and its lease: the note is not a
    holder (the kernel dropped the file lock), and a lease whose owner is a dead process of this host says so."""
    import json
    import socket
    import subprocess
    import sys

    from multicloud_ctl.engine.lock import LocalLock

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(gone.stdout)
    rt = Runtime(local_env)
    lock_dir = rt.state_dir / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    LocalLock(lock_dir / "backup.lock").path.touch()
    (lock_dir / "backup.json").write_text(json.dumps({"name": "backup", "owner": "x", "since": "2026-12-03"}))
    owner = f"op@{socket.gethostname()}:{pid}:abc"
    CloudLease(rt).acquire("backup", owner, timedelta(minutes=15))
    res = cli("--config-dir", str(config_dir), "-o", "json", "lock", "status")
    assert res.exit_code == 0, res.stderr
    rows = json.loads(res.stdout)
    assert [r["scope"] for r in rows] == ["environment"]  # the stale local note is not listed
    assert rows[0]["owner"] == owner and rows[0]["owner_dead"] is True
    with LocalLock(lock_dir / "backup.lock").hold("backup", "live-run", datetime(2026, 12, 3, tzinfo=UTC)):
        live = json.loads(cli("--config-dir", str(config_dir), "-o", "json", "lock", "status").stdout)
        assert [r["owner"] for r in live if r["scope"] == "local"] == ["live-run"]


def test_a_lease_write_that_timed_out_is_released_before_the_command_exits(local_env: Any, aws: str) -> None:
    """moto applies the grant but answers after the client's read timeout: the run fails (it does not know it
    holds the lease), and before it exits it releases what may have landed, so the next run is not blocked for
    the TTL (the issue: a frozen moto left a dead process holding `failover` until `lock break`)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "provision"))
    from faultproxy import FaultProxy

    proxy = FaultProxy(aws)
    try:
        network = local_env.network.model_copy(
            update={"connect_timeout_seconds": 1.0, "read_timeout_seconds": 1.0, "deadline_seconds": 2.5}
        )
        slow = local_env.model_copy(
            update={"aws": local_env.aws.model_copy(update={"endpoint_url": proxy.url}), "network": network}
        )
        CloudLease(Runtime(local_env)).ensure_table()
        proxy.stall("DynamoDB_20120810.UpdateItem", 1, seconds=2.0)
        with pytest.raises(EndpointUnreachable, match="may have been applied"):
            CloudLease(Runtime(slow)).acquire("failover", "alice@dead:1:x", timedelta(minutes=15))
        assert proxy.stall_remaining == 0  # the grant reached moto
        assert CloudLease(Runtime(local_env)).status("failover") is None  # and was released before the raise
        CloudLease(Runtime(local_env)).acquire("failover", "bob", timedelta(minutes=15))  # the next run goes
    finally:
        proxy.stop()
