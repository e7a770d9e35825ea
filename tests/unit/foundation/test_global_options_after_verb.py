"""Issue 19 item 3: the global options are accepted after the verb and its subcommand too, everywhere."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A config directory with `local` (every sandbox port free, nothing running) and `staging`."""
    from multicloud_ctl.config.loader import load_environment
    from multicloud_ctl.local.processes import free_port

    env = load_environment("local", REPO / "config")
    env = env.with_local_ports(**{name: free_port() for name in type(env.local.ports).model_fields})
    env = env.model_copy(update={"state_dir": tmp_path / "state"})
    directory = tmp_path / "config"
    directory.mkdir()
    data = env.model_dump(mode="json", exclude_none=True)
    (directory / "local.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    (directory / "staging.yaml").write_text(yaml.safe_dump({**data, "name": "staging"}, sort_keys=False))
    return directory


def test_local_status_output_json_after_the_subcommand(cli: Any, config_dir: Path) -> None:
    res = cli("local", "status", "--config-dir", str(config_dir), "-o", "json")
    assert res.exit_code == 3, res.stderr  # nothing runs on these free ports
    rows = json.loads(res.stdout)
    assert [r["component"] for r in rows][:4] == ["moto", "azurite", "arm", "edge"]
    assert {r["state"] for r in rows} == {"stopped"}


def test_options_between_verb_and_subcommand_and_mixed_with_arguments(cli: Any, config_dir: Path) -> None:
    res = cli("--config-dir", str(config_dir), "local", "--output", "json", "status", "arm")
    assert res.exit_code == 3 and [r["component"] for r in json.loads(res.stdout)] == ["arm"]
    res = cli("config", "list", "--env", "staging", "--config-dir", str(config_dir), "--output=json")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout) == {"environments": ["local", "staging"], "current": "staging"}


def test_an_option_after_the_verb_overrides_the_one_before(cli: Any, config_dir: Path) -> None:
    res = cli(
        "-o",
        "table",
        "--env",
        "local",
        "config",
        "list",
        "--config-dir",
        str(config_dir),
        "-e",
        "staging",
        "-o",
        "json",
    )
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["current"] == "staging"


def test_every_flag_is_accepted_after_the_subcommand(cli: Any, config_dir: Path) -> None:
    res = cli("config", "list", "--config-dir", str(config_dir), "--yes", "-y", "-v", "-vv", "--no-color", "--debug")
    assert res.exit_code == 0, res.stderr
    assert "environment" in res.stdout and "staging" in res.stdout
    quiet = cli("journal", "list", "--config-dir", str(config_dir), "-q", "-o", "json")
    assert quiet.exit_code == 0, quiet.stderr
    assert quiet.stderr == "" and isinstance(json.loads(quiet.stdout), list)


def test_a_bad_output_after_the_verb_is_a_usage_error(cli: Any, config_dir: Path) -> None:
    res = cli("config", "list", "--config-dir", str(config_dir), "-o", "yaml")
    assert res.exit_code == 2
    assert "error: --output must be 'table' or 'json', not 'yaml'" in res.stderr


def test_dashboard_o_is_the_output_format_not_a_file_name(cli: Any, config_dir: Path, tmp_path: Path) -> None:
    """`dashboard -o json` wrote an HTML file named `json`; its page file is `--out` only now."""
    res = cli("dashboard", "--config-dir", str(config_dir), "-o", "yaml", "--out", str(tmp_path / "d.html"))
    assert res.exit_code == 2 and "--output must be 'table' or 'json', not 'yaml'" in res.stderr
    assert "hint: -o is the output format everywhere; a page or report file is --out FILE" in res.stderr
    assert not (Path.cwd() / "yaml").exists() and not (tmp_path / "d.html").exists()
    assert "-o" not in cli("dashboard", "--help").stdout.replace("--out", "")


def test_a_command_keeps_its_own_option_of_the_same_name(cli: Any) -> None:
    """`backup prune --yes` is the command's own option: no second, hidden `--yes` is added beside it."""
    from typer.main import get_command

    from multicloud_ctl.cli.app import app

    root = get_command(app)
    backup = root.get_command(None, "backup")  # type: ignore[attr-defined,arg-type]
    prune = backup.commands["prune"]
    yes_opts = [p for p in prune.params if "--yes" in p.opts]
    assert len(yes_opts) == 1 and yes_opts[0].expose_value
    hidden = {o for p in prune.params if p.name and p.name.startswith("_global_") for o in p.opts}
    assert {"-o", "--output", "--env", "-e", "--config-dir", "-v", "-q", "--no-color", "--debug"} <= hidden
    assert "--yes" not in hidden and "-y" not in hidden


def test_global_options_stay_out_of_the_subcommand_help(cli: Any) -> None:
    res = cli("local", "status", "--help")
    assert res.exit_code == 0 and "--config-dir" not in res.stdout and "_global_" not in res.stdout
