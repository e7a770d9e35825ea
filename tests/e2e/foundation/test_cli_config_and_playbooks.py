"""`mcctl config show`, `mcctl playbook validate|schema` and `mcctl journal` end to end through the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from multicloud_ctl.errors import ExitCode

REPO = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.e2e


def test_config_show_json_has_effective_endpoints_and_no_secret_values(cli) -> None:  # type: ignore[no-untyped-def]
    res = cli("--config-dir", str(REPO / "config"), "-o", "json", "config", "show")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["name"] == "local"
    assert data["effective_endpoints"]["aws"] == "http://127.0.0.1:5000"
    assert data["cloudflare"]["api_token"] == "literal-dev:sandbox-token"  # a reference, shown as such


def test_env_var_selects_environment(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    res = cli("--config-dir", str(tmp_path), "config", "show", env={"MCCTL_ENV": "qa"})
    assert res.exit_code == ExitCode.USAGE
    assert "environment 'qa' not found" in res.stderr


def test_every_shipped_playbook_validates(cli) -> None:  # type: ignore[no-untyped-def]
    files = sorted(str(p) for p in (REPO / "playbooks").glob("*.yaml"))
    if not files:
        pytest.skip("no playbooks yet")
    res = cli("-o", "json", "playbook", "validate", *files)
    assert res.exit_code == 0, res.stdout
    assert all(r["valid"] for r in json.loads(res.stdout))


def test_invalid_playbook_lists_every_error_with_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: mcctl/v1\nkind: Health\nmetadata:\n  name: Bad_Name\n  colour: red\nspec: {}\n")
    res = cli("playbook", "validate", str(bad))
    assert res.exit_code == ExitCode.USAGE
    lines = res.stdout.strip().splitlines()
    assert lines[0].startswith(f"invalid  {bad}:4 metadata.name: string should match pattern")
    assert lines[1] == f"invalid  {bad}:5 metadata.colour: unknown field"


def test_schema_is_json_schema_with_every_kind(cli) -> None:  # type: ignore[no-untyped-def]
    res = cli("playbook", "schema")
    assert res.exit_code == 0
    schema = json.loads(res.stdout)
    assert set(schema["properties"]["kind"]["enum"]) >= {
        "Provision",
        "Deploy",
        "Sync",
        "Backup",
        "Failover",
        "Drill",
        "Health",
        "Cost",
    }
    assert schema["properties"]["apiVersion"] == {"const": "mcctl/v1"}


def test_journal_list_and_show_through_cli(cli, local_env, config_dir) -> None:  # type: ignore[no-untyped-def]
    from multicloud_ctl.engine.plan import Plan, Step
    from multicloud_ctl.engine.run import Operation, run
    from multicloud_ctl.engine.runtime import Runtime

    def copy(ctx: Any) -> dict[str, int]:
        ctx.measure("objects_copied", 3)
        return {"copied": 3}

    plan = Plan("backup daily", (Step.bulk("copy", "copy 3 objects", copy),))
    out = run(Runtime(local_env), Operation("backup daily", lambda rt: plan, inputs={"bucket": "b"}))
    res = cli("--config-dir", str(config_dir), "-o", "json", "journal", "list")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)[0]["id"] == out.run_id
    assert json.loads(res.stdout)[0]["status"] == "ok"
    res = cli("--config-dir", str(config_dir), "-o", "json", "journal", "show", "last")
    assert json.loads(res.stdout)["measurements"] == {"objects_copied": 3}
    res = cli("--config-dir", str(config_dir), "journal", "show", "nope")
    assert res.exit_code == ExitCode.USAGE
