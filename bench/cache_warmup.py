"""Benchmark the failover's `cache_warmup` step: rank N products in SQLite (Azure's store on the sandbox) and
write the hottest into the machine's Redis, pipelined, as the failover runs it.

    .venv/bin/python bench/cache_warmup.py [--products 20000] [--limit 500,5000] [--batch 1,100,1000] [--repeat 5]

Seeds a temporary SQLite database with N products and a week of units sold for a third of them, then times
the step's action (ranking + pipelined SETs under a key prefix of its own, removed afterwards) for each
limit and batch size, `--repeat` times, and prints the medians with the spread, the keys per second and the
plan-time ranking alone (what `--dry-run` costs). Needs Redis on 127.0.0.1:6379. Prints one table and a JSON
line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


def seed(url: str, count: int, today: Any) -> None:
    from datetime import timedelta

    from sqlalchemy import insert

    from multicloud_ctl.functions.adapters import sql_schema as t
    from multicloud_ctl.functions.adapters.sql_store import make_engine

    engine = make_engine(url)
    t.metadata.create_all(engine)
    rows = [
        {
            "product_id": f"p{i:06d}",
            "name": f"Product {i}",
            "category": "bench",
            "price_cents": 100 + i,
            "currency": "usd",
            "description": "x" * 200,
            "image_key": "",
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": f"2026-01-{1 + i % 28:02d}T00:00:00Z",
            "_deleted": False,
        }
        for i in range(count)
    ]
    sold = [
        {"metric": "units", "dimension": f"p{i:06d}", "day": (today - timedelta(days=d)).isoformat(), "value": i % 97}
        for i in range(0, count, 3)
        for d in range(7)
    ]
    with engine.begin() as conn:
        conn.execute(insert(t.products), rows)
        conn.execute(insert(t.analytics), sold)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=20000)
    parser.add_argument("--limit", default="500,5000")
    parser.add_argument("--batch", default="1,100,1000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import redis

    import multicloud_ctl.operations.failover.actions  # noqa: F401
    from multicloud_ctl.config.loader import load_environment
    from multicloud_ctl.config.specs.failover import CacheWarmup
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.warmup import cache_warmup, hot_products

    tmp = Path(tempfile.mkdtemp(prefix="bench-warmup-"))
    url = f"sqlite:///{tmp / 'azure-sql.db'}"
    env = load_environment("local", REPO / "config")
    env = env.model_copy(
        update={
            "state_dir": tmp / "state",
            "azure": env.azure.model_copy(update={"sql": env.azure.sql.model_copy(update={"url": url})}),
        }
    )
    runtime = Runtime(env)
    seed(url, args.products, runtime.clock().date())
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    results: list[dict[str, Any]] = []
    for limit in (int(x) for x in args.limit.split(",")):
        cfg = CacheWarmup(limit=limit)
        ranks = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            hot_products(runtime, "azure", cfg)
            ranks.append(time.perf_counter() - t0)
        for batch in (int(x) for x in args.batch.split(",")):
            runs = []
            for _ in range(args.repeat):
                prefix = f"bench-{uuid.uuid4().hex[:8]}:"
                params = {"to": "azure", **CacheWarmup(limit=limit, batch_size=batch, key_prefix=prefix).model_dump()}
                t0 = time.perf_counter()
                out = cache_warmup(runtime, params)
                runs.append(time.perf_counter() - t0)
                assert out["warmed"] == limit, out
                keys = list(client.scan_iter(match=prefix + "*", count=1000))
                client.delete(*keys)
            med = statistics.median(runs)
            results.append(
                {
                    "limit": limit,
                    "batch": batch,
                    "median_s": round(med, 4),
                    "min_s": round(min(runs), 4),
                    "max_s": round(max(runs), 4),
                    "keys_per_s": round(limit / med),
                    "rank_only_s": round(statistics.median(ranks), 4),
                }
            )
    client.close()
    load = os.getloadavg()
    print(f"products {args.products}, repeat {args.repeat}, load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"{'limit':>6} {'batch':>6} {'median s':>9} {'min s':>7} {'max s':>7} {'keys/s':>8} {'rank s':>7}")
    for r in results:
        print(
            f"{r['limit']:>6} {r['batch']:>6} {r['median_s']:>9} {r['min_s']:>7} {r['max_s']:>7} "
            f"{r['keys_per_s']:>8} {r['rank_only_s']:>7}"
        )
    print(json.dumps({"bench": "cache_warmup", "products": args.products, "load": load, "results": results}))


if __name__ == "__main__":
    main()
