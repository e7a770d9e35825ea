"""Set-based SQL writes and bounded memory (issue 15 items 4-5), without the emulator: the apply core is driven
directly with synthetic stream batches (this branch has no fake stream; `--fake-stream` is another change).

- `postgres_records_per_s`: 64 shards x 200,000 MODIFY records (~500 B items) applied into PostgreSQL in batches
  of 1,000 per shard, each batch and its shard checkpoint in one transaction, next to a plain COPY of the same
  rows into a bare table in the same run (`copy_ratio` = ours / COPY).
- `cpu_us_per_record`: process CPU time per applied record (normalize + convert + upsert), SQLite and PostgreSQL.
- `memory`: peak RSS (VmHWM) of `sync backfill` and `sync verify` (real code, a scan-only fake of the DynamoDB
  client) at three table sizes, each in its own subprocess, and its growth during the operation.
Usage: `.venv/bin/python bench/sync.py --set-based [--records N] [--sizes 100000,300000,1000000]`.
"""

from __future__ import annotations

import gc
import json
import random
import string
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from multicloud_ctl.functions.cdc.apply import apply_records, normalize_record  # noqa: E402
from multicloud_ctl.functions.cdc.engine import create_sql_engine  # noqa: E402
from multicloud_ctl.functions.cdc.schema import (  # noqa: E402
    KeyColumn,
    ProjectedColumn,
    SyncTables,
    TableMapping,
    build_metadata,
)

MAPPING = TableMapping(
    "Bench",
    "bench",
    (KeyColumn("id", "id", "S", 64),),
    (ProjectedColumn("status", "status", "string", 16), ProjectedColumn("total", "total", "number")),
)
WHEN = datetime(2026, 12, 1, tzinfo=UTC)


def item(i: int, version: int, payload: str) -> dict[str, Any]:
    return {
        "id": {"S": f"item-{i:07d}"},
        "status": {"S": ("new", "paid", "shipped")[(i + version) % 3]},
        "total": {"N": f"{i % 100_000}.{version % 100:02d}"},
        "v": {"N": str(version)},
        "tags": {"SS": ["a", "b", f"t{i % 7}"]},
        "payload": {"S": payload},
    }


def shard_records(shards: int, total: int) -> list[list[dict[str, Any]]]:
    """Raw stream records (boto3 form) split over shards, ascending sequence numbers per shard."""
    rng = random.Random(15)
    payloads = ["".join(rng.choices(string.ascii_letters, k=400)) for _ in range(64)]
    out: list[list[dict[str, Any]]] = [[] for _ in range(shards)]
    for n in range(total):
        it = item(n, 2, payloads[n % 64])
        out[n % shards].append(
            {
                "eventName": "MODIFY",
                "dynamodb": {
                    "Keys": {"id": it["id"]},
                    "NewImage": it,
                    "SequenceNumber": str(10**20 + n),
                    "ApproximateCreationDateTime": WHEN,
                },
            }
        )
    return out


def fresh_tables(url: str) -> tuple[Any, SyncTables]:
    engine = create_sql_engine(url)
    tables = build_metadata([MAPPING])
    tables.metadata.drop_all(engine)
    tables.metadata.create_all(engine)
    return engine, tables


def apply_shards(url: str, shards: list[list[dict[str, Any]]], batch: int = 1000) -> dict[str, float]:
    """Apply every shard's records batch by batch, each batch with its checkpoint in one transaction."""
    from multicloud_ctl.operations.sync.checkpoint import Checkpoint, write_checkpoint

    engine, tables = fresh_tables(url)
    records = sum(len(s) for s in shards)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    written = 0
    for sid, raws in enumerate(shards):
        for b in range(0, len(raws), batch):
            recs = [normalize_record(r) for r in raws[b : b + batch]]
            with engine.begin() as conn:
                res = apply_records(conn, tables, MAPPING, recs, shard_id=f"shard-{sid:03d}", now=WHEN)
                cp = Checkpoint("Bench", f"shard-{sid:03d}", None, res.last_seq, False, res.last_time, WHEN, 0)
                write_checkpoint(conn, tables, cp)
            written += res.written
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    engine.dispose()
    assert written == records, (written, records)
    return {"records": records, "seconds": wall, "records_per_s": records / wall, "cpu_us": cpu / records * 1e6}


def copy_floor(url: str, shards: list[list[dict[str, Any]]]) -> float:
    """Rows/s of a plain COPY of the same converted rows into a bare table (no guard, no conversion)."""
    import psycopg

    from multicloud_ctl.functions.cdc.apply import row_for

    rows = [row_for(MAPPING, normalize_record(r)) for s in shards for r in s]
    cols = list(rows[0])
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        conn.execute(
            "CREATE TEMP TABLE bench_copy (id text, status text, total numeric, _doc text, _hash text,"
            " _seq text, _deleted boolean, _source_time timestamptz)"
        )
        t0 = time.perf_counter()
        with conn.cursor().copy(f"COPY bench_copy ({', '.join(cols)}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row([r[c] for c in cols])
        conn.commit()
        return len(rows) / (time.perf_counter() - t0)


@dataclass
class ScanOnlyClient:
    """The few DynamoDB calls backfill and verify make, answered from generated items (no emulator)."""

    rows: int
    payloads: list[str] = field(default_factory=lambda: ["x" * 120])

    def describe_table(self, name: str) -> Any:
        return SimpleNamespace(
            key_schema=[("id", "HASH")],
            attribute_types={"id": "S"},
            stream_arn="arn:bench",
            stream_view="NEW_AND_OLD_IMAGES",
            item_count=self.rows,
        )

    def describe_stream(self, name: str, arn: str) -> Any:
        return SimpleNamespace(shards=[])

    def scan_page(
        self, name: str, *, segment: int, total: int, limit: int, start_key: Any = None
    ) -> tuple[list[dict[str, Any]], Any]:
        start = start_key or segment
        idx = range(start, self.rows, total)[:limit]
        nxt = idx[-1] + total if len(idx) == limit and idx[-1] + total < self.rows else None
        return [item(i, 1, self.payloads[0]) for i in idx], nxt


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def memory_child(op: str, rows: int, url: str) -> None:
    """Run one backfill or verify in this process and print its peak RSS growth (KiB) as JSON."""
    from multicloud_ctl.operations.sync import backfill, verify

    engine, tables = fresh_tables(url) if op == "backfill" else (create_sql_engine(url), build_metadata([MAPPING]))
    ctx = SimpleNamespace(
        engine=engine,
        tables=tables,
        streams=ScanOnlyClient(rows),
        spec=SimpleNamespace(segments=4),
        now=lambda: WHEN,
        select=lambda names: [MAPPING],
    )
    base = _status_kib("VmHWM")  # per address space, so fresh after exec (ru_maxrss can carry the parent's)
    t0 = time.perf_counter()
    if op == "backfill":
        res: Any = backfill.backfill_table(ctx, MAPPING, 4)  # type: ignore[arg-type]
        assert res.rows == rows, res
    else:
        res = verify.verify_table(ctx, MAPPING)  # type: ignore[arg-type]
        assert res.ok and res.compared == rows, (res.compared, res.missing_in_sql[:3], res.different[:3])
    peak = _status_kib("VmHWM")
    print(json.dumps({"op": op, "rows": rows, "base_kib": base, "peak_kib": peak, "s": time.perf_counter() - t0}))


def memory_figures(sizes: list[int], tmp: Path) -> list[dict[str, Any]]:
    out = []
    for rows in sizes:
        url = f"sqlite:///{tmp / f'mem-{rows}.db'}"
        for op in ("backfill", "verify"):
            done = subprocess.run(
                [sys.executable, __file__, "--memory-child", op, str(rows), url],
                check=True,
                capture_output=True,
                text=True,
            )
            fig = json.loads(done.stdout.strip().splitlines()[-1])
            fig["growth_mib"] = round((fig["peak_kib"] - fig["base_kib"]) / 1024, 1)
            fig["peak_mib"] = round(fig["peak_kib"] / 1024, 1)
            print(f"  {op:8} {rows:>9,} rows: peak RSS {fig['peak_mib']} MiB, +{fig['growth_mib']} MiB "
                  f"during the operation ({fig['s']:.0f} s)")  # fmt: skip
            out.append({k: fig[k] for k in ("op", "rows", "peak_mib", "growth_mib")})
    return out


def run(records: int, sizes: list[int], pg: str | None) -> dict[str, Any]:
    """All figures; prints a table and returns the JSON-able summary."""
    tmp = Path(tempfile.mkdtemp(prefix="mcctl-bench-sets-"))
    shards = shard_records(64, records)
    gc.freeze()  # a real stream holds one page of records, not 200,000: keep the GC from rescanning them
    figures: dict[str, Any] = {"records": records, "shards": 64, "driver": "apply core, synthetic batches"}
    sqlite = apply_shards(f"sqlite:///{tmp / 'apply.db'}", shards)
    print(f"sqlite     apply: {sqlite['records_per_s']:,.0f} records/s, {sqlite['cpu_us']:.1f} µs CPU/record")
    cpu = {"sqlite": round(sqlite["cpu_us"], 1)}
    if pg:
        ours = apply_shards(pg, shards)
        floor = copy_floor(pg, shards)
        cpu["postgresql"] = round(ours["cpu_us"], 1)
        figures.update(
            postgres_records_per_s=round(ours["records_per_s"]),
            postgres_copy_rows_per_s=round(floor),
            copy_ratio=round(ours["records_per_s"] / floor, 2),
        )
        print(
            f"postgresql apply: {ours['records_per_s']:,.0f} records/s, {ours['cpu_us']:.1f} µs CPU/record; "
            f"plain COPY {floor:,.0f} rows/s (ratio {ours['records_per_s'] / floor:.2f})"
        )
    figures["cpu_us_per_record"] = cpu
    print("peak memory (RSS of a subprocess, SQLite sink):")
    figures["memory"] = memory_figures(sizes, tmp)
    return figures


def scratch_postgres() -> str | None:
    """A scratch database on the machine's PostgreSQL, or None."""
    try:
        import psycopg

        name = f"mcctl_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=3) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    except Exception:
        return None


def drop_scratch(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__" and sys.argv[1:2] == ["--memory-child"]:
    memory_child(sys.argv[2], int(sys.argv[3]), sys.argv[4])
