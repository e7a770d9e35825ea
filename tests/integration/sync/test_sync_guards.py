"""Safety: the run lock (a second `sync run` exits 4), the stream retention guard, parents before children."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sync_support import put, sql_rows  # type: ignore[import-not-found]

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[3]


def mcctl(config_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "multicloud_ctl", "--config-dir", str(config_dir), "--yes", *args]


@pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)
def test_second_run_is_refused_by_the_lock(orders: Any, sync_config_dir: Path, playbook: Path, sync_env: Any) -> None:
    put(orders, "a", status="new")
    assert (
        subprocess.run(
            mcctl(sync_config_dir, "sync", "backfill", "--playbook", str(playbook)),
            cwd=REPO,
            capture_output=True,
            timeout=120,
        ).returncode
        == 0
    )
    first = subprocess.Popen(
        mcctl(sync_config_dir, "sync", "run", "--follow", "--max-seconds", "30", "--playbook", str(playbook)),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        info = sync_env.env_state_dir / "locks" / "sync.json"
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.1)
        assert info.exists(), "the first run never took the lock"
        second = subprocess.run(
            mcctl(sync_config_dir, "sync", "run", "--playbook", str(playbook)),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert second.returncode == 4, second.stderr
        assert "holds the local lock" in second.stderr
    finally:
        os.killpg(first.pid, 9)
        first.wait(10)


def test_retention_guard_refuses_an_old_checkpoint(orders: Any, sync_env: Any, playbook: Path) -> None:
    from multicloud_ctl.engine.clock import Clock
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.errors import PreflightFailed
    from multicloud_ctl.operations.sync.backfill import backfill_table
    from multicloud_ctl.operations.sync.context import open_context
    from multicloud_ctl.operations.sync.run import run_sync

    put(orders, "a", status="new")
    ctx = open_context(Runtime(environment=sync_env), playbook)
    backfill_table(ctx, ctx.mappings[0], 1)
    later = open_context(Runtime(environment=sync_env, clock=Clock.system().shifted(hours=25)), playbook)
    with pytest.raises(PreflightFailed) as err:
        run_sync(later)
    assert "older than the stream retention (24 h)" in err.value.message
    assert "backfill" in (err.value.hint or "")
    # within the retention it runs, and confirms the position (checked_at moves on)
    soon = open_context(Runtime(environment=sync_env, clock=Clock.system().shifted(hours=23)), playbook)
    run_sync(soon)
    run_sync(open_context(Runtime(environment=sync_env, clock=Clock.system().shifted(hours=46)), playbook))
    assert sql_rows(ctx)["a"]["status"] == "new"


def test_a_recreated_stream_is_refused(orders: Any, sync_env: Any, playbook: Path) -> None:
    """Checkpoints on shards that left the stream mean changes may be missing: backfill again."""
    from sqlalchemy import update

    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.errors import PreflightFailed
    from multicloud_ctl.operations.sync.backfill import backfill_table
    from multicloud_ctl.operations.sync.context import open_context
    from multicloud_ctl.operations.sync.run import run_sync

    put(orders, "a", status="new")
    ctx = open_context(Runtime(environment=sync_env), playbook)
    backfill_table(ctx, ctx.mappings[0], 1)
    cpt = ctx.tables.checkpoints
    with ctx.engine.begin() as conn:  # as if the stream had been disabled and enabled again
        conn.execute(update(cpt).values(shard_id="shardId-from-an-old-stream"))
    with pytest.raises(PreflightFailed, match="left the stream before they were read to the end"):
        run_sync(ctx)
    backfill_table(ctx, ctx.mappings[0], 1)  # the fix the hint names: a new backfill drops the stale checkpoint
    assert run_sync(ctx).records == 0


@pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)
def test_sigterm_stops_a_following_run_cleanly(
    orders: Any, sync_config_dir: Path, playbook: Path, sync_env: Any
) -> None:
    import json

    put(orders, "a", status="new")
    assert (
        subprocess.run(
            mcctl(sync_config_dir, "sync", "backfill", "--playbook", str(playbook)),
            cwd=REPO,
            capture_output=True,
            timeout=120,
        ).returncode
        == 0
    )
    proc = subprocess.Popen(
        mcctl(sync_config_dir, "--output", "json", "sync", "run", "--follow", "--playbook", str(playbook)),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    info = sync_env.env_state_dir / "locks" / "sync.json"
    deadline = time.monotonic() + 60
    while not info.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    put(orders, "b", status="new")
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.sync.context import open_context

    ctx = open_context(Runtime(environment=sync_env), playbook)
    deadline = time.monotonic() + 60  # the follow loop is running once it applied "b" (planning may be slow)
    while time.monotonic() < deadline and proc.poll() is None:
        if "b" in sql_rows(ctx):  # the backfill created the tables
            break
        time.sleep(0.1)
    proc.terminate()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    result = json.loads(out)
    assert result["stopped_by_signal"] is True
    assert not info.exists()  # the lock was released
