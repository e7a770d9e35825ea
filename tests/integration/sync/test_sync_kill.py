"""Property: random put/update/delete sequences, `sync run` SIGKILLed at random points and restarted;
SQL ends equal to DynamoDB with every key at exactly its last stream record (no loss, no duplicate, no
older-overwrites-newer). Seeded, bounded (~20-30 s per backend), on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sync_support import sql_rows  # type: ignore[import-not-found]

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[3]
KEYS = [f"k{i:02d}" for i in range(16)]
ROUNDS = 5


def random_op(ddb: Any, rng: random.Random, n: int) -> None:
    key = {"order_id": {"S": rng.choice(KEYS)}}
    roll = rng.random()
    if roll < 0.45:
        item = {
            **key,
            "status": {"S": rng.choice(["new", "paid", "shipped"])},
            "n": {"N": str(n)},
            "total": {"N": f"{rng.randint(0, 10**6)}.{rng.randint(0, 99):02d}"},
        }
        if rng.random() < 0.5:
            item["tags"] = {"SS": rng.sample(["a", "b", "c", "d"], rng.randint(1, 3))}
        if rng.random() < 0.3:
            item["raw"] = {"B": rng.randbytes(rng.randint(1, 8))}
        ddb.put_item(TableName="Orders", Item=item)
    elif roll < 0.75:
        ddb.update_item(
            TableName="Orders",
            Key=key,
            UpdateExpression="SET #n = :n, #m = :m",
            ExpressionAttributeNames={"#n": "n", "#m": "meta"},
            ExpressionAttributeValues={":n": {"N": str(n)}, ":m": {"M": {"l": {"L": [{"N": str(n)}, {"BOOL": True}]}}}},
        )
    else:
        ddb.delete_item(TableName="Orders", Key=key)


def stream_records(streams: Any, arn: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")[
            "ShardIterator"
        ]
        while it:
            page = streams.get_records(ShardIterator=it, Limit=1000)
            out += page["Records"]
            if not page["Records"]:
                break
            it = page.get("NextShardIterator")
    return out


def applied_count(ctx: Any) -> int:
    from sqlalchemy import func, select

    with ctx.engine.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.sum(ctx.tables.checkpoints.c.records), 0))).scalar())


def wait_for_progress(ctx: Any, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    before = applied_count(ctx)
    deadline = time.monotonic() + timeout
    while applied_count(ctx) == before and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)


def assert_sql_is_stream_prefix(ctx: Any, records: list[dict[str, Any]]) -> int:
    """SQL equals the fold of exactly the records up to the committed checkpoint: none lost, none ahead."""
    from sqlalchemy import select

    from multicloud_ctl.functions.cdc.typemap import canonical_document

    with ctx.engine.connect() as conn:
        cp = conn.execute(select(ctx.tables.checkpoints.c.sequence)).scalar()
        rows = {r["order_id"]: r for r in conn.execute(select(ctx.tables.table_for("Orders"))).mappings()}
        tombs = {t["keys"]: t["_seq"] for t in conn.execute(select(ctx.tables.tombstones)).mappings()}
    expected: dict[str, dict[str, Any]] = {}
    applied = 0
    for rec in records:
        d = rec["dynamodb"]
        if cp is None or d["SequenceNumber"].zfill(40) > cp:
            break
        applied += 1
        expected[d["Keys"]["order_id"]["S"]] = rec
    live = {k for k, rec in expected.items() if rec["eventName"] != "REMOVE"}
    assert set(rows) == live
    assert set(tombs) == {canonical_document(expected[k]["dynamodb"]["Keys"]) for k in set(expected) - live}
    for key, rec in expected.items():
        d = rec["dynamodb"]
        if key in live:
            assert rows[key]["_seq"] == d["SequenceNumber"].zfill(40), key
            assert not rows[key]["_deleted"] and rows[key]["_doc"] == canonical_document(d["NewImage"]), key
        else:
            assert tombs[canonical_document(d["Keys"])] == d["SequenceNumber"].zfill(40), key
    return applied


@pytest.mark.slow
def test_sigkill_anywhere_loses_and_duplicates_nothing(
    orders: Any, aws: str, sync_config_dir: Path, playbook: Path, sync_ctx: Any
) -> None:
    import boto3

    from multicloud_ctl.functions.cdc.typemap import canonical_document
    from multicloud_ctl.operations.sync.backfill import backfill_table
    from multicloud_ctl.operations.sync.verify import verify_sync

    rng = random.Random(int(os.environ.get("MCCTL_SYNC_SEED", "20261125")))
    backfill_table(sync_ctx, sync_ctx.mappings[0], 2)  # empty table: every change comes through the stream
    streams = boto3.client("dynamodbstreams", endpoint_url=aws, region_name="us-east-1")
    arn = orders.describe_table(TableName="Orders")["Table"]["LatestStreamArn"]
    kills = 0
    applied: list[int] = []
    for _ in range(ROUNDS):
        ops = rng.randint(20, 50)

        def writer(count: int, seed: int) -> None:
            wrng = random.Random(seed)
            for i in range(count):
                random_op(orders, wrng, 10_000 * seed + i)
                time.sleep(wrng.uniform(0, 0.03))  # a backlog forms while the run starts, then keeps coming

        t = threading.Thread(target=writer, args=(ops, rng.randint(1, 10**6)))
        t.start()
        cmd = [
            sys.executable,
            "-m",
            "multicloud_ctl",
            "--config-dir",
            str(sync_config_dir),
            "--yes",
            "sync",
            "run",
            "--follow",
            "--max-seconds",
            "30",
            "--batch-size",
            str(rng.randint(1, 4)),
            "--playbook",
            str(playbook),
        ]
        proc = subprocess.Popen(
            cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        wait_for_progress(sync_ctx, proc)  # kill while it applies, not while python starts up
        time.sleep(rng.uniform(0.0, 0.4))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
        _, err = proc.communicate(timeout=30)
        assert proc.returncode in (-9, 0), err.decode()
        t.join()
        applied.append(assert_sql_is_stream_prefix(sync_ctx, stream_records(streams, arn)))
    assert kills >= ROUNDS - 1
    print("records applied after each round:", applied)
    final = subprocess.run(
        [
            sys.executable,
            "-m",
            "multicloud_ctl",
            "--config-dir",
            str(sync_config_dir),
            "--yes",
            "sync",
            "run",
            "--playbook",
            str(playbook),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert final.returncode == 0, final.stderr

    records = stream_records(streams, arn)
    assert assert_sql_is_stream_prefix(sync_ctx, records) == len(records)
    ddb_items = {i["order_id"]["S"]: i for i in orders.scan(TableName="Orders", ConsistentRead=True)["Items"]}
    live = sql_rows(sync_ctx)
    assert set(live) == set(ddb_items)
    for key, item in ddb_items.items():
        assert live[key]["_doc"] == canonical_document(item), key
    assert all(v.ok for v in verify_sync(sync_ctx))
