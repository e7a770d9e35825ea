"""Helpers for the tests that run `sync` against the wire-level DynamoDB Streams fake (`local/streams_fake`).

boto3 talks to the fake over HTTP (the environment's AWS endpoint is the fake's URL); SQL is SQLite. The
expected SQL state is folded from the records the fake holds: each key ends at its newest record.
"""

from __future__ import annotations

import random
from typing import Any

PLAYBOOK = """\
apiVersion: mcctl/v1
kind: Sync
metadata: {name: sync-fake-stream}
spec:
  tables:
    - source: Orders
      target: orders
      keys: [{attribute: order_id, length: 64}]
      columns:
        - {attribute: status, length: 16}
        - {attribute: total, type: number}
      delete_mode: remove
  batch_size: 3
  segments: 1
  poll_seconds: 0.05
  shard_concurrency: 4
  idle_pages: 2
  throttle_patience_seconds: 60
"""


def write_some(state: Any, rng: random.Random, n: int, keys: int = 12) -> int:
    """`n` random puts/deletes on the open shards of Orders, each key always in the same lineage."""
    for i in range(n):
        shards = state.open_shards("Orders")
        key = f"k{rng.randrange(keys):02d}"
        shard = shards[hash(key) % len(shards)] if len(shards) == 1 else _shard_for(state, key, shards)
        if rng.random() < 0.2:
            state.put("Orders", shard, key, None)
        else:
            status = rng.choice(["new", "paid", "shipped"])
            state.put("Orders", shard, key, {"status": {"S": status}, "total": {"N": f"{i}.25"}})
    return n


def _shard_for(state: Any, key: str, shards: list[str]) -> str:
    """The open shard a key lives in: the descendant of the last shard that held it (as DynamoDB routes)."""
    stream = state.stream_of("Orders")
    last = None
    for shard in stream.shards.values():
        if any(r["dynamodb"]["Keys"]["order_id"]["S"] == key for r in shard.records):
            last = shard.shard_id
    if last is None:
        return shards[sum(map(ord, key)) % len(shards)]
    children = [s for s in shards if _descends(stream, s, last)]
    return children[sum(map(ord, key)) % len(children)] if children else shards[sum(map(ord, key)) % len(shards)]


def _descends(stream: Any, shard_id: str, ancestor: str) -> bool:
    while shard_id:
        if shard_id == ancestor:
            return True
        shard_id = stream.shards[shard_id].parent_id or ""
    return False


def all_records(state: Any) -> list[dict[str, Any]]:
    stream = state.stream_of("Orders")
    out = [r for s in stream.shards.values() for r in s.records]
    return sorted(out, key=lambda r: int(r["dynamodb"]["SequenceNumber"]))


def expected_rows(records: list[dict[str, Any]]) -> dict[str, str | None]:
    """order_id -> status of its newest record (None: deleted)."""
    out: dict[str, str | None] = {}
    for r in records:
        d = r["dynamodb"]
        out[d["Keys"]["order_id"]["S"]] = None if r["eventName"] == "REMOVE" else d["NewImage"]["status"]["S"]
    return {k: v for k, v in out.items() if v is not None}


def sql_state(ctx: Any) -> tuple[dict[str, str], int]:
    """(order_id -> status of the live rows, records counted by all checkpoints)."""
    from sqlalchemy import func, select

    t = ctx.tables.table_for("Orders")
    cp = ctx.tables.checkpoints
    with ctx.engine.connect() as conn:
        rows = {r["order_id"]: r["status"] for r in conn.execute(select(t)).mappings() if not r["_deleted"]}
        applied = int(conn.execute(select(func.coalesce(func.sum(cp.c.records), 0))).scalar())
    return rows, applied


def checkpoints(ctx: Any) -> dict[str, Any]:
    from multicloud_ctl.operations.sync.checkpoint import load_checkpoints

    with ctx.engine.connect() as conn:
        return load_checkpoints(conn, ctx.tables, "Orders")
