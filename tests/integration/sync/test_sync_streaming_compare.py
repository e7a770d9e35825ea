"""Backfill and verify stream through a spill file: the same verdicts and sweeps as when they held everything."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, insert, update
from sync_support import put, sql_rows  # type: ignore[import-not-found]

from multicloud_ctl.functions.cdc.typemap import key_identity
from multicloud_ctl.operations.sync import backfill
from multicloud_ctl.operations.sync.run import run_sync
from multicloud_ctl.operations.sync.spill import SpillFile
from multicloud_ctl.operations.sync.verify import verify_sync

pytestmark = pytest.mark.integration


def ident(key: str) -> str:
    return key_identity([("S", key)])


def test_verify_names_every_difference_and_a_repair_sweeps_over_many_pages(
    orders: Any, sync_ctx: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(12):
        put(orders, f"o{i:02d}", status="new")
    backfill.backfill_table(sync_ctx, sync_ctx.mappings[0], 2)
    run_sync(sync_ctx)
    (clean,) = verify_sync(sync_ctx)
    assert clean.ok and (clean.dynamodb_rows, clean.sql_rows, clean.compared) == (12, 12, 12)
    t = sync_ctx.tables.table_for("Orders")
    with sync_ctx.engine.begin() as conn:
        conn.execute(update(t).where(t.c.order_id == "o01").values(_hash="x"))
        conn.execute(update(t).where(t.c.order_id == "o07").values(_hash=None))
        conn.execute(delete(t).where(t.c.order_id == "o02"))
        for ghost in ("zz", "g1", "o05x"):
            conn.execute(insert(t).values(order_id=ghost, status="new", _seq="9" * 40, _deleted=False))
    (v,) = verify_sync(sync_ctx)
    assert not v.ok and (v.dynamodb_rows, v.sql_rows, v.compared) == (12, 14, 15)
    assert v.missing_in_sql == [ident("o02")]
    assert v.extra_in_sql == sorted([ident("g1"), ident("o05x"), ident("zz")])
    assert v.different == [ident("o01"), ident("o07")]
    monkeypatch.setattr(backfill, "SWEEP_PAGE", 2)  # the sweep walks SQL keys a page at a time
    r = backfill.backfill_table(sync_ctx, sync_ctx.mappings[0], 2)
    assert r.rows == 12 and r.tombstoned == 3
    assert set(sql_rows(sync_ctx)) == {f"o{i:02d}" for i in range(12)}
    assert all(x.ok for x in verify_sync(sync_ctx))


def test_spill_file_sets_and_maps() -> None:
    with SpillFile() as spill:
        spill.add_keys("seen", [b"a", b"b"])
        spill.add_keys("seen", [b"b", b"c"])
        assert spill.present("seen", [b"a", b"c", b"d"]) == {b"a", b"c"}
        spill.put_hashes("left", [("k1", "h1"), ("k2", "h2"), ("k3", None)])
        spill.put_hashes("right", [("k2", "h2"), ("k3", "h3"), ("k4", "h4"), ("k1", "old")])
        spill.put_hashes("right", [("k1", "h1")])  # the last hash per key counts
        assert list(spill.only_in("left", "right")) == []
        assert list(spill.only_in("right", "left")) == ["k4"]
        assert list(spill.differing("left", "right")) == ["k3"]
        assert spill.count_union("left", "right") == 4


def test_the_sweep_pages_through_a_composite_key_once_each(sql_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keyset pages over (S, N) keys: every live key exactly once, in key order, on SQLite and PostgreSQL."""
    from decimal import Decimal

    from multicloud_ctl.functions.cdc.engine import create_sql_engine
    from multicloud_ctl.functions.cdc.schema import KeyColumn, TableMapping, build_metadata

    m = TableMapping("Lines", "lines", (KeyColumn("order_id", "order_id", "S", 32), KeyColumn("n", "n", "N")))
    tables = build_metadata([m])
    engine = create_sql_engine(sql_url)
    tables.metadata.create_all(engine)
    t = tables.table_for("Lines")
    keys = [(o, Decimal(n)) for o in ("a", "b", "c") for n in ("1", "2", "10")]
    with engine.begin() as conn:
        conn.execute(
            insert(t), [{"order_id": o, "n": n, "_seq": "1", "_deleted": o == "b" and n == 2} for o, n in keys]
        )
    monkeypatch.setattr(backfill, "SWEEP_PAGE", 2)
    with engine.connect() as conn:
        pages = list(backfill._live_key_pages(conn, t, ["order_id", "n"]))
    seen = [(r["order_id"], Decimal(r["n"])) for page in pages for r in page]
    assert sorted(seen) == sorted(k for k in keys if k != ("b", Decimal(2)))
    assert len(seen) == len(set(seen)) == 8 and all(len(p) <= 2 for p in pages)
    engine.dispose()
