"""A `local` environment whose every sandbox port is free, its state in tmp_path; stopped after the test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]


@dataclass
class SandboxConfig:
    config_dir: Path
    env: Any

    def port(self, field: str) -> int:
        return int(getattr(self.env.local.ports, field))


def write_config(env: Any, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    data = env.model_dump(mode="json", exclude_none=True)
    (directory / f"{env.name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return directory


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxConfig]:
    from multicloud_ctl.config.loader import load_environment
    from multicloud_ctl.local.processes import free_port
    from multicloud_ctl.local.supervisor import Supervisor

    env = load_environment("local", REPO / "config")
    fields = type(env.local.ports).model_fields
    env = env.with_local_ports(**{name: free_port() for name in fields})
    sql = env.azure.sql.model_copy(update={"url": f"sqlite:///{tmp_path / 'azure-sql.db'}"})
    env = env.model_copy(update={"state_dir": tmp_path / "state", "azure": env.azure.model_copy(update={"sql": sql})})
    cfg = SandboxConfig(write_config(env, tmp_path / "config"), env)
    yield cfg
    Supervisor(env).down()  # whatever a test left running
