"""Fixtures for the sync tests: a streamed DynamoDB table on moto, a Sync playbook, SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from sync_support import (  # type: ignore[import-not-found]
    PLAYBOOK,
    make_table,
)


@pytest.fixture
def ddb(aws: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=aws, region_name="us-east-1")


@pytest.fixture
def orders(ddb: Any) -> Any:
    make_table(ddb)
    return ddb


@pytest.fixture
def playbook(tmp_path: Path) -> Path:
    path = tmp_path / "sync.yaml"
    path.write_text(PLAYBOOK)
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'azure-sql.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def sync_env(local_env: Any, sql_url: str) -> Any:
    return local_env.model_copy(
        update={
            "azure": local_env.azure.model_copy(
                update={"sql": local_env.azure.sql.model_copy(update={"url": sql_url})}
            ),
        }
    )


@pytest.fixture
def sync_config_dir(sync_env: Any, tmp_path: Path) -> Path:
    import yaml

    directory = tmp_path / "config"
    directory.mkdir(parents=True, exist_ok=True)
    data = sync_env.model_dump(mode="json", exclude_none=True)
    (directory / f"{sync_env.name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return directory


@pytest.fixture
def sync_ctx(sync_env: Any, playbook: Path) -> Any:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.sync.context import open_context

    return open_context(Runtime(environment=sync_env), playbook)


@pytest.fixture
def fake() -> Iterator[Any]:
    """The wire-level DynamoDB Streams fake (`local/streams_fake`) on a free port; `.url` is where it listens."""
    from multicloud_ctl.local.streams_fake import start_streams_fake

    handle, state = start_streams_fake()
    state.url = handle.url
    yield state
    handle.stop()
