"""`mcctl security audit` from the CLI: exit 0 on a clean posture, exit 3 with JSON findings after a break."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[3]


def test_cli_audit_exit_codes_and_json(good_posture: Any, tmp_path: Path, cli: Any) -> None:
    env = good_posture.environment
    config = tmp_path / "config"
    config.mkdir()
    (config / "local.yaml").write_text(yaml.safe_dump(env.model_dump(mode="json", exclude_none=True)))
    args = (
        "--config-dir",
        str(config),
        "--output",
        "json",
        "security",
        "audit",
        "--playbooks",
        str(REPO / "playbooks"),
    )
    clean = cli(*args)
    assert clean.exit_code == 0, clean.stdout + clean.stderr
    assert json.loads(clean.stdout)["summary"]["findings"] == 0

    good_posture.aws.client("s3").delete_public_access_block(Bucket=env.aws.buckets.static_assets)
    broken = cli(*args)
    assert broken.exit_code == 3
    report = json.loads(broken.stdout)
    assert [(f["check"], f["resource"]) for r in report["results"] for f in r["findings"]] == [
        ("aws.s3.public_access_block", f"s3://{env.aws.buckets.static_assets}")
    ]

    table = cli("--config-dir", str(config), "security", "audit", "--only", "aws.s3")
    assert table.exit_code == 3 and "public access block off" in table.stdout


def test_unknown_check_is_a_usage_error(good_posture: Any, tmp_path: Path, cli: Any) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "local.yaml").write_text(
        yaml.safe_dump(good_posture.environment.model_dump(mode="json", exclude_none=True))
    )
    res = cli("--config-dir", str(config), "security", "audit", "--only", "nope")
    assert res.exit_code == 2 and "no audit check matches nope" in res.stderr
