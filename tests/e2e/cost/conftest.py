"""CLI fixtures for `mcctl cost`: moto (session) + the fake ARM, and a config dir pointing at both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from multicloud_ctl.local.arm.server import run_arm


@pytest.fixture
def arm_url() -> Iterator[str]:
    """A fresh fake ARM (with the Cost Management plugin) on a free loopback port."""
    handle = run_arm(0)
    try:
        yield handle.url
    finally:
        handle.stop()


@pytest.fixture
def cost_config_dir(config_dir: Path, arm_url: str) -> Path:
    """--config-dir for a local environment whose moto and ARM endpoints are this test's."""
    import yaml

    path = config_dir / "local.yaml"
    data = yaml.safe_load(path.read_text())
    data["azure"]["arm_endpoint"] = arm_url
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return config_dir


@pytest.fixture
def playbook(tmp_path: Path) -> Any:
    """Write a Cost playbook with the given spec YAML and return its path."""

    def write(spec_yaml: str) -> Path:
        path = tmp_path / "cost.yaml"
        path.write_text("apiVersion: mcctl/v1\nkind: Cost\nmetadata: {name: cost-test}\nspec:\n" + spec_yaml)
        return path

    return write


@pytest.fixture(scope="module")
def seeded_dir(moto_server: Any, tmp_path_factory: pytest.TempPathFactory, module_pinned_clock: Any) -> Iterator[Path]:
    """A config dir whose sandbox (moto + a fake ARM) was seeded once for the whole module, on the pinned date.

    Only for read-only tests, in a module where no test asks for `aws` (that fixture resets moto).
    """
    import json
    import urllib.request

    import yaml
    from typer.testing import CliRunner

    from multicloud_ctl.cli.app import app
    from multicloud_ctl.config.loader import load_environment

    urllib.request.urlopen(
        urllib.request.Request(f"{moto_server.url}/moto-api/reset", method="POST", data=b""), timeout=10
    ).close()
    handle = run_arm(0)
    tmp = tmp_path_factory.mktemp("cost-seeded")
    env = load_environment("local", Path(__file__).resolve().parents[3] / "config")
    data = env.model_dump(mode="json", exclude_none=True)
    data["state_dir"] = str(tmp / "state")
    data["local"]["ports"]["moto"] = moto_server.port
    data["azure"]["arm_endpoint"] = handle.url
    data["azure"]["sql"]["url"] = f"sqlite:///{tmp / 'sql.db'}"
    (tmp / "config").mkdir()
    (tmp / "config" / "local.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    result = CliRunner().invoke(
        app, ["--config-dir", str(tmp / "config"), "--output", "json", "--yes", "cost", "seed"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["primed_queries"] > 0
    try:
        yield tmp / "config"
    finally:
        handle.stop()
