"""`mcctl deploy package|status` and the verb's usage errors through the CLI."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def test_package_twice_gives_the_same_hash_named_zips(cli: Any, config_dir: Path, tmp_path: Path) -> None:
    runs = []
    for _ in range(2):
        res = cli(
            "--config-dir",
            str(config_dir),
            "--output",
            "json",
            "deploy",
            "package",
            "--no-vendor",
            "--out",
            str(tmp_path / "pkg"),
        )
        assert res.exit_code == 0, res.stderr
        runs.append({r["cloud"]: r for r in json.loads(res.stdout)})
    assert runs[0]["aws"]["sha256"] == runs[1]["aws"]["sha256"]
    assert runs[0]["azure"]["sha256"] == runs[1]["azure"]["sha256"]
    lam = Path(runs[0]["aws"]["path"])
    assert lam.name == f"lambda-{runs[0]['aws']['sha256'][:16]}.zip"
    assert "multicloud_ctl/functions/aws_lambda/router.py" in zipfile.ZipFile(lam).namelist()


def test_status_before_any_deploy_says_not_deployed(cli: Any, config_dir: Path) -> None:
    res = cli("--config-dir", str(config_dir), "--output", "json", "deploy", "status", "--cloud", "aws")
    assert res.exit_code == 0, res.stderr
    rows = json.loads(res.stdout)
    services = {"product-service", "inventory-service", "order-service", "user-service", "cdc-sync"}
    assert {r["service"] for r in rows} == services
    assert {r["state"] for r in rows} == {"not deployed"}


def test_unknown_strategy_is_exit_2_with_the_choices(cli: Any, config_dir: Path) -> None:
    res = cli("--config-dir", str(config_dir), "deploy", "--strategy", "blue-green", "--dry-run")
    assert res.exit_code == 2
    assert "unknown strategy 'blue-green'" in res.stderr and "canary10" in res.stderr


def test_rollback_of_a_never_deployed_function_fails_cleanly(cli: Any, config_dir: Path) -> None:
    res = cli("--config-dir", str(config_dir), "--yes", "deploy", "rollback", "order-service")
    assert res.exit_code == 1
    assert "no 'live' alias" in res.stderr and "Traceback" not in res.stderr
