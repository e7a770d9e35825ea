"""Benchmark `mcctl sync`: backfill and stream-apply rows/s into SQLite and PostgreSQL, next to the raw floor.

20,000 items of about 500 bytes on a private moto server (free port). For each sink:
- backfill = parallel Scan + guarded upserts; floor = a plain Scan of the same table, and a plain
  executemany INSERT of the same rows into the same database (floor rows/s = N / (scan s + insert s));
- stream apply = `sync run` over 20,000 MODIFY records; floor = plain GetRecords over the same records, and
  the same plain executemany (floor rows/s = N / (read s + insert s)).
The ratio is ours / floor (goal >= 0.8); the moto floors are measured before and after ours
and averaged. Position capture before the scan (reading the stream to its tail)
is reported on its own. Usage: `.venv/bin/python bench/sync.py [--items N] [--no-postgres]`.

`--fake-stream` runs against the wire-level DynamoDB Streams fake instead of moto (bench/sync_fake_stream.py:
idle passes over 1-256 shards at 10 ms per call, CPU per applied record) and ends with one JSON line.
`--set-based` instead reports the set-based write and bounded-memory figures without the emulator (see
bench/sync_sets.py) and ends with one JSON line.
"""

from __future__ import annotations

import argparse
import random
import signal
import string
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

PLAYBOOK = """\
apiVersion: mcctl/v1
kind: Sync
metadata: {name: bench}
spec:
  tables:
    - source: Bench
      target: bench
      keys: [{attribute: id, length: 64}]
      columns:
        - {attribute: status, length: 16}
        - {attribute: total, type: number}
  batch_size: 1000
  segments: 4
"""


def make_items(n: int, rng: random.Random, version: int) -> list[dict[str, Any]]:
    return [
        {
            "id": {"S": f"item-{i:06d}"},
            "status": {"S": rng.choice(["new", "paid", "shipped"])},
            "total": {"N": f"{rng.randint(0, 10**6)}.{rng.randint(0, 99):02d}"},
            "v": {"N": str(version)},
            "tags": {"SS": ["a", "b", f"t{i % 7}"]},
            "payload": {"S": "".join(rng.choices(string.ascii_letters, k=400))},
        }
        for i in range(n)
    ]


def load(ddb: Any, items: list[dict[str, Any]]) -> float:
    t0 = time.perf_counter()
    for i in range(0, len(items), 25):
        ddb.batch_write_item(RequestItems={"Bench": [{"PutRequest": {"Item": it}} for it in items[i : i + 25]]})
    return time.perf_counter() - t0


def floor_scan(ddb: Any) -> tuple[float, int]:
    t0, n, start = time.perf_counter(), 0, None
    while True:
        kw: dict[str, Any] = {"TableName": "Bench", "Limit": 1000}
        if start:
            kw["ExclusiveStartKey"] = start
        page = ddb.scan(**kw)
        n += len(page["Items"])
        start = page.get("LastEvaluatedKey")
        if not start:
            return time.perf_counter() - t0, n


def floor_stream(streams: Any, arn: str, after: str | None) -> tuple[float, int]:
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    kw: dict[str, Any] = {"StreamArn": arn, "ShardId": shard}
    kw.update(
        {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
        if after
        else {"ShardIteratorType": "TRIM_HORIZON"}
    )
    t0, n = time.perf_counter(), 0
    it = streams.get_shard_iterator(**kw)["ShardIterator"]
    while it:
        page = streams.get_records(ShardIterator=it, Limit=1000)
        n += len(page["Records"])
        if not page["Records"]:
            break
        it = page.get("NextShardIterator")
    return time.perf_counter() - t0, n


def floor_insert(ctx: Any, items: list[dict[str, Any]]) -> float:
    """A plain executemany INSERT of the same row shape into a scratch copy of the table, same database."""
    from sqlalchemy import MetaData, Table, delete, insert

    from multicloud_ctl.functions.cdc.typemap import canonical_document, content_hash

    src = ctx.tables.table_for("Bench")
    scratch = Table("bench_floor", MetaData(), *[c._copy() for c in src.columns])
    scratch.create(ctx.engine, checkfirst=True)
    with ctx.engine.begin() as conn:
        conn.execute(delete(scratch))
    t0 = time.perf_counter()
    for i in range(0, len(items), 1000):
        rows = []
        for it in items[i : i + 1000]:
            doc = canonical_document(it)
            rows.append(
                {
                    "id": it["id"]["S"],
                    "status": it["status"]["S"],
                    "total": it["total"]["N"],
                    "_doc": doc,
                    "_hash": content_hash(doc),
                    "_seq": "1".zfill(40),
                    "_deleted": False,
                    "_source_time": None,
                }
            )
        with ctx.engine.begin() as conn:
            conn.execute(insert(scratch), rows)
    return time.perf_counter() - t0


def postgres_url() -> str | None:
    try:
        import psycopg

        name = f"mcctl_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=3
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    except Exception as exc:  # the bench just skips PostgreSQL
        print(f"PostgreSQL not reachable, skipped: {exc}")
        return None


def drop_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def context(port: int, sql_url: str, state: Path, playbook: Path) -> Any:
    from multicloud_ctl.config.loader import load_environment
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.sync.context import open_context

    base = load_environment("local", REPO / "config")
    env = base.model_copy(
        update={
            "state_dir": state,
            "local": base.local.model_copy(update={"ports": base.local.ports.model_copy(update={"moto": port})}),
            "azure": base.azure.model_copy(update={"sql": base.azure.sql.model_copy(update={"url": sql_url})}),
        }
    )
    return open_context(Runtime(environment=env), playbook)


def set_based(args: argparse.Namespace) -> None:
    """Set-based writes and bounded memory (bench/sync_sets.py), ending with one JSON line."""
    import json

    import sync_sets  # type: ignore[import-not-found]

    pg = None if args.no_postgres else sync_sets.scratch_postgres()
    try:
        figures = sync_sets.run(args.records, [int(n) for n in args.sizes.split(",")], pg)
    finally:
        if pg:
            sync_sets.drop_scratch(pg)
    print(json.dumps(figures, sort_keys=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--fake-stream", action="store_true", help="against the fake stream, no moto")
    parser.add_argument("--set-based", action="store_true", help="issue 15 items 4-5 figures, no emulator")
    parser.add_argument(
        "--records", type=int, default=None, help="records (--fake-stream: 20,000; --set-based: 200,000 over 64 shards)"
    )
    parser.add_argument("--shard-concurrency", type=int, default=None, help="--fake-stream: shards read at once")
    parser.add_argument("--sizes", default="100000,300000,1000000", help="--set-based: table sizes for memory")
    args = parser.parse_args()
    if args.fake_stream:
        import json

        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from sync_fake_stream import main as fake_stream_main

        print(json.dumps(fake_stream_main(args.records or 20_000, args.shard_concurrency)))
        return
    if args.set_based:
        args.records = args.records or 200_000
        set_based(args)
        return
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup below (moto, scratch database)

    import boto3

    from multicloud_ctl.local.processes import free_port, start_moto
    from multicloud_ctl.operations.sync.backfill import backfill_table
    from multicloud_ctl.operations.sync.run import run_sync

    tmp = Path(tempfile.mkdtemp(prefix="mcctl-bench-sync-"))
    (tmp / "sync.yaml").write_text(PLAYBOOK)
    port = free_port()
    moto = start_moto(port, log=tmp / "moto.log")
    pg = None if args.no_postgres else postgres_url()
    try:
        kw = {
            "endpoint_url": moto.url,
            "region_name": "us-east-1",
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
        ddb, streams = boto3.client("dynamodb", **kw), boto3.client("dynamodbstreams", **kw)
        arn = ddb.create_table(
            TableName="Bench",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )["TableDescription"]["LatestStreamArn"]
        rng = random.Random(7)
        first = make_items(args.items, rng, 1)
        size = sum(len(str(it)) for it in first) / len(first)
        print(f"items: {args.items}, ~{size:.0f} bytes each (repr); moto on 127.0.0.1:{port}")
        print(f"load (batch_write): {args.items / load(ddb, first):,.0f} items/s")
        sinks = {"sqlite": f"sqlite:///{tmp / 'bench.db'}"}
        if pg:
            sinks["postgresql"] = pg
        ctxs = {name: context(port, url, tmp / f"state-{name}", tmp / "sync.yaml") for name, url in sinks.items()}
        rows: list[tuple[str, ...]] = []
        positions = {}
        for name, ctx in ctxs.items():  # floors measured before and after ours, averaged (a shared machine)
            scan_a, n = floor_scan(ddb)
            insert_s = floor_insert(ctx, first)
            r = backfill_table(ctx, ctx.mappings[0], ctx.spec.segments)
            scan_s = (scan_a + floor_scan(ddb)[0]) / 2
            assert r.rows == n == args.items, (r.rows, n)
            positions[name] = r.position
            floor = n / (scan_s + insert_s)
            rows.append(
                (
                    name,
                    "backfill",
                    f"{r.rows_per_second:,.0f}",
                    f"{floor:,.0f}",
                    f"{r.rows_per_second / floor:.2f}",
                    f"scan {n / scan_s:,.0f}/s, insert {n / insert_s:,.0f}/s, capture {r.capture_seconds:.1f}s",
                )
            )
        second = make_items(args.items, rng, 2)
        print(f"update load (batch_write): {args.items / load(ddb, second):,.0f} items/s")
        for name, ctx in ctxs.items():
            read_a, n = floor_stream(streams, arn, positions[name])
            insert_s = floor_insert(ctx, second)
            res = run_sync(ctx, batch_size=1000)
            read_s = (read_a + floor_stream(streams, arn, positions[name])[0]) / 2
            assert res.records == n == args.items, (res.records, n)
            floor = n / (read_s + insert_s)
            rows.append(
                (
                    name,
                    "stream apply",
                    f"{res.records_per_second:,.0f}",
                    f"{floor:,.0f}",
                    f"{res.records_per_second / floor:.2f}",
                    f"get_records {n / read_s:,.0f}/s, insert {n / insert_s:,.0f}/s",
                )
            )
        head = ("sink", "phase", "ours rows/s", "floor rows/s", "ratio", "floor parts")
        widths = [max(len(str(x[i])) for x in [head, *rows]) for i in range(len(head))]
        for line in [head, *rows]:
            print("  ".join(str(v).ljust(w) for v, w in zip(line, widths, strict=True)))
    finally:
        for ctx in locals().get("ctxs", {}).values():
            ctx.engine.dispose()
        moto.stop()
        if pg:
            drop_postgres(pg)


if __name__ == "__main__":
    main()
