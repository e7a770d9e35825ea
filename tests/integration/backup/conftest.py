"""Fixtures for the backup tests: a runtime on moto + Azurite, a fresh container per test, seeded buckets."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from backup_testkit import make_runtime

from multicloud_ctl.config.specs.backup import BackupSpec


@pytest.fixture
def container() -> str:
    """A fresh container name (Azurite is shared by the whole session)."""
    return f"bk-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def backup_env(local_env: Any, azurite: Any) -> Any:
    """The local environment with Azurite wired in (moto reset for this test)."""
    return local_env


@pytest.fixture
def runtime(backup_env: Any) -> Any:
    return make_runtime(backup_env)


@pytest.fixture
def spec(container: str) -> BackupSpec:
    return BackupSpec(buckets=["src-a", "src-b"], container=container, parallelism=4, block_size=256 * 1024)
