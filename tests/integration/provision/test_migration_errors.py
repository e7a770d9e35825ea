"""Migrations on a database whose tables were made outside them: one clear line, nothing half-applied."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from multicloud_ctl.errors import OperationFailed
from multicloud_ctl.migrations.runner import current_revision, head_revision, upgrade


def test_unversioned_tables_are_refused_with_a_hint(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE products (id TEXT PRIMARY KEY)"))
    engine.dispose()
    with pytest.raises(OperationFailed) as err:
        upgrade(url)
    assert err.value.message.startswith("the database already has 1 table(s) (products) but no migration revision")
    assert "\n" not in err.value.message
    assert current_revision(url) is None


def test_fresh_database_upgrades_to_head_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    assert upgrade(url)
    assert current_revision(url) == head_revision()
    assert upgrade(url) == []
