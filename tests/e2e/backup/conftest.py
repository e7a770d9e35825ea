"""Fixtures for the backup CLI tests: a config dir on moto + Azurite, a playbook with a fresh container."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml


@pytest.fixture
def backup_setup(config_dir: Path, local_env: Any, azurite: Any, tmp_path: Path) -> dict[str, Any]:
    """config dir, playbook path, container name and a runtime for seeding and inspecting."""
    from multicloud_ctl.engine.runtime import Runtime

    container = f"bk-{uuid.uuid4().hex[:12]}"
    playbook = tmp_path / "backup-daily.yaml"
    playbook.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "mcctl/v1",
                "kind": "Backup",
                "metadata": {"name": "backup-daily"},
                "spec": {
                    "mode": "daily",
                    "buckets": ["src-a"],
                    "container": container,
                    "parallelism": 2,
                    "block_size": "64KiB",
                },
            }
        )
    )
    runtime = Runtime(environment=local_env)
    s3 = runtime.aws.client("s3")
    s3.create_bucket(Bucket="src-a")
    return {
        "config_dir": config_dir,
        "playbook": playbook,
        "container": container,
        "runtime": runtime,
        "env": local_env,
    }
