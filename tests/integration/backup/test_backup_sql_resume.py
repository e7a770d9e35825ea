"""SQL restore in batches: a restore SIGKILLed mid-way resumes from its recorded position, nothing lost or doubled."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from multicloud_ctl.operations.backup.manifest import TableRecord
from multicloud_ctl.operations.backup.sqltables import (
    POSITION_TABLE,
    dump_sql_table,
    restore_sql_table,
    sql_table_digest,
)
from multicloud_ctl.providers.azure.blob import backup_container

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[3]
ROWS = 3000

CHILD = """
import json, os, signal, sys
from pathlib import Path
from sqlalchemy import create_engine
from multicloud_ctl.config.loader import load_environment
from multicloud_ctl.engine.runtime import Runtime
from multicloud_ctl.operations.backup.manifest import TableRecord
from multicloud_ctl.operations.backup.sqltables import restore_sql_table
from multicloud_ctl.providers.azure.blob import backup_container

args = json.loads(sys.argv[1])
env = load_environment("local", Path(args["repo"]) / "config").with_local_ports(azurite_blob=args["azurite"])
blobs = backup_container(Runtime(environment=env), args["container"])

def killed_after(done):
    if done >= args["kill_at"]:
        os.kill(os.getpid(), signal.SIGKILL)

restore_sql_table(create_engine(args["url"]), blobs, TableRecord(**args["record"]), args["blob"],
                  backup_id="weekly-1", batch_rows=100, on_batch=killed_after)
"""


def _source(url: str) -> Any:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    meta = sa.MetaData()
    table = sa.Table(
        "Transactions",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("amount", sa.Numeric(10, 2)),
        sa.Column("note", sa.Text),
    )
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"id": i, "amount": f"{i}.25", "note": f"n{i}"} for i in range(ROWS)])
    return engine


def _count(engine: Any, sql: str) -> Any:
    import sqlalchemy as sa

    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).all()


def test_a_killed_sql_restore_resumes_from_its_position(
    runtime: Any, container: str, azurite: Any, tmp_path: Path
) -> None:
    import sqlalchemy as sa

    blobs = backup_container(runtime, container)
    blobs.ensure()
    source = _source(f"sqlite:///{tmp_path / 'src.db'}")
    record, _, _ = dump_sql_table(source, blobs, "Transactions", "snap/sql/T.jsonl", "sql/T.jsonl", block_size=1 << 16)
    target_url = f"sqlite:///{tmp_path / 'dst.db'}"
    target = _source(target_url)  # same table, other rows: the restore must replace them
    with target.begin() as conn:
        conn.execute(sa.text("UPDATE Transactions SET note = 'stale'"))
        conn.execute(sa.text("INSERT INTO Transactions (id, amount, note) VALUES (99999, 1, 'extra')"))

    args = {
        "repo": str(REPO),
        "azurite": azurite.port,
        "container": container,
        "url": target_url,
        "record": asdict(record),
        "blob": "snap/sql/T.jsonl",
        "kill_at": 1200,
    }
    child = subprocess.run([sys.executable, "-c", CHILD, json.dumps(args)], capture_output=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]

    assert _count(target, "SELECT COUNT(*) FROM Transactions") == [(1200,)]  # the old rows went in batch 0's txn
    assert _count(target, f"SELECT backup_id, lines_done FROM {POSITION_TABLE}") == [("weekly-1", 1200)]

    progress: list[int] = []
    total = restore_sql_table(
        target,
        blobs,
        TableRecord(**asdict(record)),
        "snap/sql/T.jsonl",
        backup_id="weekly-1",
        batch_rows=100,
        on_batch=progress.append,
    )

    assert total == ROWS and progress[0] == 1300  # resumed after the last committed batch, not from zero
    digest = sql_table_digest(target, "Transactions")
    assert (digest.count, digest.hexdigest) == (record.items, record.digest)
    assert _count(target, f"SELECT COUNT(*) FROM {POSITION_TABLE}") == [(0,)]


def test_a_restore_of_another_backup_starts_over(runtime: Any, container: str, tmp_path: Path) -> None:
    import sqlalchemy as sa

    blobs = backup_container(runtime, container)
    blobs.ensure()
    source = _source(f"sqlite:///{tmp_path / 'src.db'}")
    record, _, _ = dump_sql_table(source, blobs, "Transactions", "snap/T.jsonl", "sql/T.jsonl", block_size=1 << 16)
    target = _source(f"sqlite:///{tmp_path / 'dst.db'}")
    restore_sql_table(target, blobs, record, "snap/T.jsonl", backup_id="a", batch_rows=500, on_batch=lambda d: None)
    with target.begin() as conn:  # a position left by a killed restore of backup "a"
        conn.execute(sa.text(f"INSERT INTO {POSITION_TABLE} VALUES ('Transactions', 'a', 2000)"))

    progress: list[int] = []
    assert restore_sql_table(target, blobs, record, "snap/T.jsonl", backup_id="b", on_batch=progress.append) == ROWS
    assert progress[0] == 1000 and _count(target, "SELECT COUNT(*) FROM Transactions") == [(ROWS,)]
