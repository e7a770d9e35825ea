"""The `mcctl local demo` steps for change data capture: backfill before traffic, then tail the stream after it.

`sync backfill` copies what DynamoDB holds and pins the stream position; the shop traffic that follows writes
orders, stock and products to DynamoDB; `sync run` applies those stream records to Azure SQL, `sync verify`
compares both sides row by row, and `sync status` gives the lag (the RPO figure failover uses).
"""

from __future__ import annotations

from typing import Any


def _backfill(ctx: Any) -> str:
    out = ctx.mcctl_json("--yes", "sync", "backfill")
    tables = out["tables"]
    rows = sum(t["rows"] for t in tables)
    return f"{rows} row(s) from {len(tables)} table(s) into SQL; stream positions pinned for the hand-over"


def _run(ctx: Any) -> str:
    run = ctx.mcctl_json("--yes", "sync", "run", "--max-seconds", "10")
    verify = ctx.mcctl_json("sync", "verify", ok_codes=(0, 3))
    status = ctx.mcctl_json("sync", "status")
    orders = next((t for t in verify["tables"] if t["table"] == "Orders"), None)
    seen = f"orders: {orders['dynamodb_rows']} in DynamoDB, {orders['sql_rows']} in SQL" if orders else "no Orders"
    if not verify["ok"]:
        bad = [t["table"] for t in verify["tables"] if not t["ok"]]
        raise RuntimeError(f"sync verify found differences in {', '.join(bad)} ({seen})")
    return (
        f"{run['records']} stream record(s) applied ({run['dead_letters']} dead letters); {seen}; "
        f"verify ok; lag {status['lag_seconds']}s"
    )


STEPS = [("sync backfill", _backfill), ("sync run", _run)]
