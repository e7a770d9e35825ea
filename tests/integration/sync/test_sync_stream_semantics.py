"""`sync run` against a wire-level fake of DynamoDB Streams (boto3 over HTTP), doing what AWS documents:
empty pages mid-shard, expired iterators, trimmed records, shards split over generations, throttling."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from stream_fake_support import (  # type: ignore[import-not-found]
    PLAYBOOK,
    all_records,
    checkpoints,
    expected_rows,
    sql_state,
    write_some,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def fake_env(local_env: Any, fake: Any) -> Any:
    aws = local_env.aws.model_copy(update={"endpoint_url": fake.url, "max_attempts": 2})
    return local_env.model_copy(update={"aws": aws})


@pytest.fixture
def fake_playbook(tmp_path: Path) -> Path:
    path = tmp_path / "sync.yaml"
    path.write_text(PLAYBOOK)
    return path


@pytest.fixture
def config_dir(fake_env: Any, tmp_path: Path) -> Path:
    import yaml

    directory = tmp_path / "config"
    directory.mkdir()
    data = fake_env.model_dump(mode="json", exclude_none=True)
    (directory / f"{fake_env.name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return directory


def open_ctx(env: Any, playbook: Path) -> Any:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.sync.context import open_context

    return open_context(Runtime(environment=env), playbook)


@pytest.fixture
def ctx(fake: Any, fake_env: Any, fake_playbook: Path) -> Any:
    """Orders with a 1-shard stream on the fake, backfilled (empty): every change comes through the stream."""
    from multicloud_ctl.operations.sync.backfill import backfill_table

    fake.create_stream("Orders", "order_id", shards=1)
    c = open_ctx(fake_env, fake_playbook)
    backfill_table(c, c.mappings[0], 1)
    return c


def assert_exactly_once(fake: Any, ctx: Any) -> None:
    records = all_records(fake)
    rows, applied = sql_state(ctx)
    assert rows == expected_rows(records)
    assert applied == len(records), "a batch was committed twice, or records were lost"


def test_empty_pages_mid_shard_never_end_a_shard(fake: Any, ctx: Any) -> None:
    """Empty pages inside a closed parent, then records: the parent is read to its end and its child after it."""
    from multicloud_ctl.operations.sync.run import run_sync

    rng = random.Random(1)
    (root,) = fake.open_shards("Orders")
    write_some(fake, rng, 4)
    fake.gap("Orders", root, 6)  # more empty pages than a pass allows an open shard (idle_pages: 2)
    write_some(fake, rng, 5)
    (child,) = fake.split("Orders", root, 1)
    write_some(fake, rng, 3)
    fake.gap("Orders", child, 1)  # within the open shard's budget: one pass crosses it
    write_some(fake, rng, 3)
    r = run_sync(ctx)
    assert r.records == 15
    assert_exactly_once(fake, ctx)
    assert checkpoints(ctx)[root].finished and not checkpoints(ctx)[child].finished


def test_a_follow_run_crosses_any_run_of_empty_pages(fake: Any, ctx: Any) -> None:
    from multicloud_ctl.operations.sync.run import run_sync

    rng = random.Random(2)
    (root,) = fake.open_shards("Orders")
    write_some(fake, rng, 3)
    fake.gap("Orders", root, 9)  # a one-shot pass stops after 2 empty pages; the next pass goes on from there
    write_some(fake, rng, 4)
    stop = threading.Event()
    r = run_sync(ctx, follow=True, max_seconds=20, stop_event=stop, on_pass=lambda r: r.records >= 7 and stop.set())
    assert r.records == 7 and r.passes >= 2
    assert_exactly_once(fake, ctx)


def test_expired_iterators_mid_run_lose_and_repeat_nothing(fake: Any, ctx: Any) -> None:
    from multicloud_ctl.operations.sync.run import run_sync

    rng = random.Random(3)
    write_some(fake, rng, 20)
    fake.expire_every = 3  # every third GetRecords: ExpiredIteratorException, also on a page read ahead
    stop = threading.Event()
    rounds = [0]

    def on_pass(r: Any) -> None:
        rounds[0] += 1
        fake.expire_iterators()  # the iterators kept between passes expire too
        if rounds[0] < 4:
            write_some(fake, rng, 7)
        elif r.records >= 41:
            stop.set()

    r = run_sync(ctx, follow=True, max_seconds=20, stop_event=stop, on_pass=on_pass)
    assert r.records == 41
    assert fake.calls["GetShardIterator"] > 4  # iterators were re-obtained, from the position read
    assert set(fake.served.values()) == {1}  # no record read twice: re-obtained just after the last one
    assert_exactly_once(fake, ctx)


def test_trimmed_records_stop_with_one_line_and_the_backfill_command(
    fake: Any, fake_env: Any, fake_playbook: Path, config_dir: Path, cli: Any
) -> None:
    from multicloud_ctl.operations.sync.backfill import backfill_table

    rng = random.Random(4)
    fake.create_stream("Orders", "order_id", shards=1)
    write_some(fake, rng, 2)
    c = open_ctx(fake_env, fake_playbook)
    backfill_table(c, c.mappings[0], 1)  # checkpoint after the 2nd record
    write_some(fake, rng, 6)
    (root,) = fake.open_shards("Orders")
    fake.trim("Orders", root, keep=2)  # records 3..6 are gone unread
    out = cli("--config-dir", str(config_dir), "--yes", "sync", "run", "--playbook", str(fake_playbook))
    assert out.exit_code == 1, out.stderr
    lines = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, out.stderr
    assert "trimmed" in lines[0] and "`mcctl sync backfill Orders`" in lines[0]
    assert sql_state(c) == ({}, 0)  # nothing after the gap was applied


def test_three_generations_of_splits_apply_once_parents_first(fake: Any, fake_env: Any, fake_playbook: Path) -> None:
    from multicloud_ctl.operations.sync.backfill import backfill_table
    from multicloud_ctl.operations.sync.run import run_sync

    rng = random.Random(5)
    fake.create_stream("Orders", "order_id", shards=2)
    c = open_ctx(fake_env, fake_playbook)
    backfill_table(c, c.mappings[0], 1)
    write_some(fake, rng, 30)
    for shard in fake.open_shards("Orders"):
        fake.split("Orders", shard, 4)  # generation 2: 8 shards
    write_some(fake, rng, 60)
    for shard in fake.open_shards("Orders"):
        fake.split("Orders", shard, 3)  # generation 3: 24 shards
    write_some(fake, rng, 90)
    r = run_sync(c, concurrency=8)
    assert r.records == 180
    assert_exactly_once(fake, c)
    stream = fake.stream_of("Orders")
    first = {}
    last = {}
    for i, (shard, _) in enumerate(fake.served_order):
        first.setdefault(shard, i)
        last[shard] = i
    for shard in stream.shards.values():
        if shard.parent_id and shard.shard_id in first:
            assert first[shard.shard_id] > last[shard.parent_id], "a child was read before its parent ended"
    cps = checkpoints(c)
    assert all(cps[s.shard_id].finished for s in stream.shards.values() if s.end_seq is not None)
    assert len(cps) == 2 + 8 + 24


def test_throttling_for_a_while_backs_off_and_recovers(
    fake: Any, ctx: Any, config_dir: Path, fake_playbook: Path, cli: Any
) -> None:
    rng = random.Random(6)
    write_some(fake, rng, 12)
    fake.throttle(calls=5)  # the next 5 calls, whatever the operation: more than the SDK's 3 attempts
    out = cli("--config-dir", str(config_dir), "--yes", "sync", "run", "--playbook", str(fake_playbook))
    assert out.exit_code == 0, out.stderr
    assert fake.throttled == 5  # the SDK gave up on some calls; the reader backed off and came back
    assert_exactly_once(fake, ctx)
    fake.throttle(seconds=1.0)  # then every call for a while
    write_some(fake, rng, 12)
    t0 = time.monotonic()
    out = cli("--config-dir", str(config_dir), "--yes", "sync", "run", "--playbook", str(fake_playbook))
    assert out.exit_code == 0, out.stderr
    assert time.monotonic() - t0 >= 1.0
    assert_exactly_once(fake, ctx)


@pytest.mark.slow
def test_a_minute_of_throttling_on_every_call_backs_off_recovers_and_exits_0(
    fake: Any, ctx: Any, config_dir: Path, fake_playbook: Path, cli: Any
) -> None:
    """Every call refused with ThrottlingException for 60 s (the SDK's retries long exhausted), with the default
    patience: the run keeps backing off (capped at 5 s a wait), then applies everything once, exit 0."""
    rng = random.Random(60)
    write_some(fake, rng, 20)
    fake_playbook.write_text(fake_playbook.read_text().replace("  throttle_patience_seconds: 60\n", ""))
    fake.throttle(seconds=60.0)
    t0 = time.monotonic()
    out = cli("--config-dir", str(config_dir), "--yes", "sync", "run", "--playbook", str(fake_playbook))
    took = time.monotonic() - t0
    assert out.exit_code == 0, out.stderr
    assert 60.0 <= took < 90.0, f"{took:.1f}s: the backoff should stop waiting soon after the throttling ends"
    assert fake.throttled > 10
    assert_exactly_once(fake, ctx)


def test_sigkill_with_shards_in_flight_commits_no_batch_twice(
    fake: Any, fake_env: Any, fake_playbook: Path, config_dir: Path
) -> None:
    """`sync run --follow` reading 4 shards at once, SIGKILLed at random points while the stream grows and
    splits, then restarted: every record applied exactly once (the checkpoints count each batch once)."""
    import os
    import signal
    import subprocess
    import sys

    from multicloud_ctl.operations.sync.backfill import backfill_table

    repo = Path(__file__).resolve().parents[3]
    rng = random.Random(int(os.environ.get("MCCTL_SYNC_SEED", "20261203")))
    fake.create_stream("Orders", "order_id", shards=6)
    c = open_ctx(fake_env, fake_playbook)
    backfill_table(c, c.mappings[0], 1)
    cmd = [sys.executable, "-m", "multicloud_ctl", "--config-dir", str(config_dir), "--yes", "sync", "run"]
    cmd += ["--playbook", str(fake_playbook), "--shard-concurrency", "4"]
    kills = 0
    for round_ in range(4):
        write_some(fake, rng, 60, keys=40)
        if round_ in (1, 2):
            for shard in fake.open_shards("Orders")[:3]:
                fake.split("Orders", shard, 2)
        proc = subprocess.Popen(
            [*cmd, "--follow", "--max-seconds", "30", "--batch-size", str(rng.randint(1, 3))],
            cwd=repo,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        before = sql_state(c)[1]
        deadline = time.monotonic() + 30
        while sql_state(c)[1] == before and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.3))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
        _, err = proc.communicate(timeout=30)
        assert proc.returncode in (-9, 0), err.decode()
        applied = sql_state(c)[1]
        assert applied <= len(all_records(fake)), "a batch was committed twice"
    assert kills >= 3
    final = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr
    assert_exactly_once(fake, c)


def test_shards_are_read_concurrently_within_the_bound(fake: Any, fake_env: Any, fake_playbook: Path) -> None:
    from multicloud_ctl.operations.sync.backfill import backfill_table
    from multicloud_ctl.operations.sync.run import run_sync

    fake.create_stream("Orders", "order_id", shards=12)
    c = open_ctx(fake_env, fake_playbook)
    backfill_table(c, c.mappings[0], 1)
    write_some(fake, random.Random(7), 48, keys=30)
    fake.latency = 0.02  # every call takes a while: reads of different shards overlap
    fake.max_in_flight = 0
    r = run_sync(c)  # the playbook's shard_concurrency: 4
    assert r.records == 48
    assert 2 <= fake.max_in_flight <= 4
    assert_exactly_once(fake, c)
