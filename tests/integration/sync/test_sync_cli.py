"""`mcctl sync` from the CLI: backfill, run, status --output json, verify (exit 3), replay, dry run, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sync_support import put, sql_rows  # type: ignore[import-not-found]

pytestmark = pytest.mark.integration


@pytest.fixture
def sync(cli: Any, sync_config_dir: Path, playbook: Path) -> Any:
    def run(*args: str) -> Any:
        verb, *rest = args
        return cli(
            "--config-dir",
            str(sync_config_dir),
            "--yes",
            *([a for a in ("--output", "json") if "--json" in rest]),
            "sync",
            verb,
            "--playbook",
            str(playbook),
            *[a for a in rest if a != "--json"],
        )

    return run


def test_cli_round_trip(orders: Any, sync: Any, sync_ctx: Any) -> None:
    for i in range(12):
        put(orders, f"o{i}", status="new", total={"N": "1"}, tags={"SS": ["a", "b"]}, blob={"B": b"\x00\xff"})
    r = sync("backfill")
    assert r.exit_code == 0, r.stderr
    put(orders, "o1", status="paid", total={"N": "2.5"})
    orders.delete_item(TableName="Orders", Key={"order_id": {"S": "o2"}})

    st = sync("status", "--json")
    assert st.exit_code == 0, st.stderr
    data = json.loads(st.stdout)
    assert data["shards"][0]["records_behind"] == 2 and data["lag_seconds"] >= 0

    r = sync("run", "--max-seconds", "30", "--batch-size", "1")
    assert r.exit_code == 0, r.stderr
    assert json.loads(sync("status", "--json").stdout)["lag_seconds"] == 0
    v = sync("verify", "--json")
    assert v.exit_code == 0, v.stdout
    assert json.loads(v.stdout)["tables"][0]["dynamodb_rows"] == 11

    # tamper with SQL: verify names the key and exits 3
    from sqlalchemy import update

    t = sync_ctx.tables.table_for("Orders")
    with sync_ctx.engine.begin() as conn:
        conn.execute(update(t).where(t.c.order_id == "o5").values(_hash="0" * 64))
    v = sync("verify", "--sample", "100")
    assert v.exit_code == 3
    assert '"o5"' in v.stderr


def test_dry_run_changes_nothing(orders: Any, sync: Any, sync_ctx: Any) -> None:
    put(orders, "a", status="new")
    r = sync("backfill", "--dry-run")
    assert r.exit_code == 0, r.stderr
    from sqlalchemy import inspect

    assert "orders" not in inspect(sync_ctx.engine).get_table_names()
    assert sync("backfill").exit_code == 0
    put(orders, "a", status="paid")
    r = sync("run", "--dry-run", "--json")
    assert r.exit_code == 0, r.stderr
    plan = json.loads(r.stdout)
    assert plan["dry_run"] and plan["shards"][0]["records_behind"] == 1
    assert sql_rows(sync_ctx)["a"]["status"] == "new"  # nothing applied
    assert sync("run").exit_code == 0 and sql_rows(sync_ctx)["a"]["status"] == "paid"


def test_run_before_backfill_is_refused(orders: Any, sync: Any) -> None:
    put(orders, "a", status="new")
    r = sync("run")
    assert r.exit_code == 4
    assert "table orders is missing in SQL" in r.stderr and "nothing was applied" in r.stderr


def test_sql_schema_mismatch_is_refused_and_nothing_applied(orders: Any, sync: Any, sync_ctx: Any) -> None:
    from sqlalchemy import text

    with sync_ctx.engine.begin() as conn:
        conn.execute(text("CREATE TABLE orders (order_id VARCHAR(64) PRIMARY KEY, status VARCHAR(16))"))
    put(orders, "a", status="new")
    r = sync("backfill")
    assert r.exit_code == 4
    assert "lacks columns" in r.stderr and "_seq" in r.stderr
    with sync_ctx.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM orders")).scalar() == 0


def test_a_column_that_no_longer_fits_is_refused_in_one_line(orders: Any, sync: Any, sync_ctx: Any) -> None:
    """SQL's `status` was narrowed to 8 characters; the playbook allows 16: exit 4 before any row is written."""
    from sqlalchemy import Column, String, Table, text

    if sync_ctx.engine.dialect.name == "sqlite":
        pytest.skip("SQLite does not enforce VARCHAR lengths: every value fits")
    orders_sql = sync_ctx.tables.table_for("Orders")
    narrowed = Table("orders", __import__("sqlalchemy").MetaData())
    for c in orders_sql.columns:
        col_type = String(8) if c.name == "status" else c.type
        narrowed.append_column(Column(c.name, col_type, primary_key=c.primary_key, nullable=c.nullable))
    narrowed.create(sync_ctx.engine)
    put(orders, "a", status="shipped-ok")
    r = sync("backfill")
    assert r.exit_code == 4
    lines = [line for line in r.stderr.splitlines() if "holds" in line]
    assert len(lines) == 1 and "column orders.status holds 8 characters in SQL, the playbook allows 16" in lines[0]
    with sync_ctx.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM orders")).scalar() == 0


def test_dynamodb_key_mismatch_is_refused(ddb: Any, sync: Any) -> None:
    from sync_support import make_table  # type: ignore[import-not-found]

    make_table(ddb, key="id")
    r = sync("backfill")
    assert r.exit_code == 4 and "schema mismatch" in r.stderr


def test_item_too_large_goes_to_dead_letter_and_replays(
    orders: Any, sync: Any, sync_ctx: Any, playbook: Path, cli: Any, sync_config_dir: Path
) -> None:
    put(orders, "ok", status="new")
    assert sync("backfill").exit_code == 0
    put(orders, "big", status="x" * 40)  # the status column holds 16
    put(orders, "ok", status="paid")
    r = sync("run")
    assert r.exit_code == 0, r.stderr
    assert "dead-letter" in r.stderr
    rows = sql_rows(sync_ctx)
    assert "big" not in rows and rows["ok"]["status"] == "paid"
    st = json.loads(sync("status", "--json").stdout)
    assert st["shards"][0]["dead_letters"] == 1
    # a replay with work to do is confirmed like every change: off a TTY without --yes it refuses (exit 4)
    unasked = cli("--config-dir", str(sync_config_dir), "sync", "replay", "--playbook", str(playbook))
    assert unasked.exit_code == 4 and "--yes" in unasked.stderr
    # still too large: replay fails again and counts the attempt
    rp = sync("replay", "--json")
    assert rp.exit_code == 0 and json.loads(rp.stdout) == {"tried": 1, "resolved": 0, "failed": 1, "batches": None}
    # the operator widens the column (playbook + SQL) and replays: the record lands, nothing else moves
    from sqlalchemy import text
    from sync_support import PLAYBOOK  # type: ignore[import-not-found]

    playbook.write_text(PLAYBOOK.replace("length: 16", "length: 64"))
    if sync_ctx.engine.dialect.name == "postgresql":
        with sync_ctx.engine.begin() as conn:
            conn.execute(text("ALTER TABLE orders ALTER COLUMN status TYPE VARCHAR(64)"))
    rp = sync("replay", "--json")
    assert rp.exit_code == 0 and json.loads(rp.stdout) == {"tried": 1, "resolved": 1, "failed": 0, "batches": None}
    rows = sql_rows(sync_ctx)
    assert rows["big"]["status"] == "x" * 40 and rows["ok"]["status"] == "paid"
    assert sync("verify").exit_code == 0


def test_run_is_confirmed_like_every_change(
    orders: Any, sync: Any, cli: Any, sync_config_dir: Path, playbook: Path, sync_ctx: Any
) -> None:
    """Off a TTY without `--yes` it refuses (exit 4) and applies nothing; the journal says `refused`."""
    put(orders, "a", status="new")
    assert sync("backfill").exit_code == 0
    put(orders, "b", status="new")
    r = cli("--config-dir", str(sync_config_dir), "--output", "json", "sync", "run", "--playbook", str(playbook))
    assert r.exit_code == 4, r.stderr
    assert r.stderr.count("error:") == 1 and "--yes" in r.stderr
    assert sorted(sql_rows(sync_ctx)) == ["a"]
    journal = cli("--config-dir", str(sync_config_dir), "--output", "json", "journal", "show", "last")
    assert json.loads(journal.stdout)["status"] == "refused"
