"""The CLI skeleton: help, exit codes, lazy imports, unfilled verbs, error lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from multicloud_ctl.cli.app import VERBS
from multicloud_ctl.cli.unfilled import unfilled_app
from multicloud_ctl.errors import ExitCode

SDK_PREFIXES = ("boto3", "botocore", "azure", "cloudflare", "sqlalchemy", "httpx", "moto", "stripe", "redis")


def test_help_lists_every_verb_and_the_exit_codes(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("--help")
    assert result.exit_code == 0
    for verb in (
        "provision",
        "deploy",
        "sync",
        "backup",
        "failover",
        "health",
        "cost",
        "playbook",
        "local",
        "journal",
        "lock",
        "config",
    ):
        assert f"\n  {verb} " in result.stdout
    assert "Exit codes: 0 ok; 1 operation failed; 2 usage or config error; 3 degraded" in result.stdout.replace(
        "\n  ", " "
    )


@pytest.mark.parametrize("argv", [["--help"], ["config", "--help"], ["journal", "--help"]])
def test_help_imports_no_cloud_sdk(argv: list[str]) -> None:
    code = (
        f"import sys, runpy; sys.argv=['mcctl', *{argv!r}]\n"
        "try:\n    runpy.run_module('multicloud_ctl', run_name='__main__')\n"
        "except SystemExit: pass\n"
        "import json; print(json.dumps(sorted(sys.modules)), file=sys.stderr)"
    )
    env = {**os.environ, "MCCTL_FULL_EXIT": "1"}  # SystemExit, so the module list can be printed
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    modules = json.loads(proc.stderr.strip().splitlines()[-1])
    loaded = [m for m in modules if m.split(".")[0] in SDK_PREFIXES]
    assert loaded == []
    assert "Usage: mcctl" in proc.stdout


def test_fast_path_help_is_exactly_what_typer_renders() -> None:
    from multicloud_ctl.cli.entry import render_help
    from multicloud_ctl.cli.help_text import HELP

    assert render_help() == HELP, "run `python -m multicloud_ctl.cli.entry --write-help`"


def test_every_verb_module_exposes_a_typer_app() -> None:
    import importlib

    for verb, (module, _) in VERBS.items():
        app = importlib.import_module(module).app
        assert isinstance(app, typer.Typer), verb


def test_unfilled_verb_says_so_and_exits_2() -> None:
    app = unfilled_app("frobnicate", 99, "Frobnicate things")
    result = CliRunner().invoke(app, ["anything", "--flag"], catch_exceptions=True)
    assert result.exit_code != 0
    assert "not implemented yet (issue #99)" in str(result.exception)


@pytest.mark.parametrize(
    "args",
    [
        ["--output", "xml", "config", "show"],
        ["no-such-verb"],
        ["config", "--bogus"],
        ["health", "--watch", "abc"],
        ["backup", "daily", "--parallelism"],
        ["cost", "report", "--format", "pdf"],
        ["secrets", "rotate", "api-key", "--grace", "nan", "--dry-run"],
        ["secrets", "rotate", "api-key", "--wait", "inf", "--dry-run"],
        ["secrets", "rotate", "api-key", "--grace", "1e308", "--dry-run"],
        ["health", "--watch", "-inf"],
    ],
)
def test_usage_errors_exit_2_in_one_error_and_one_hint_line(cli, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Click's usage block is not printed: one `error:` line, one `hint:` line naming the command's help."""
    result = cli(*args)
    assert result.exit_code == ExitCode.USAGE
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 2 and lines[0].startswith("error: ") and lines[1].startswith("hint: "), result.stderr
    assert "Usage:" not in result.stderr + result.stdout


def test_expected_error_is_one_line_plus_hint_without_traceback(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = cli("--config-dir", str(tmp_path), "--env", "nowhere", "config", "show")
    assert result.exit_code == ExitCode.USAGE
    lines = result.stderr.strip().splitlines()
    assert lines[0] == f"error: environment 'nowhere' not found: {tmp_path}/nowhere.yaml does not exist"
    assert lines[1].startswith("hint: known environments: none")
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = cli("--debug", "--config-dir", str(tmp_path), "--env", "nowhere", "config", "show")
    assert result.exit_code == ExitCode.USAGE
    assert "Traceback" in result.stderr


def _mcctl(*args: str, prelude: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real console entry point (`entry.main`) in a child process, after `prelude`."""
    code = f"import sys\n{prelude}\nsys.argv = ['mcctl', *{list(args)!r}]\n"
    code += "from multicloud_ctl.cli.entry import main\nmain()"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})}
    )


@pytest.mark.parametrize("full_exit", ["0", "1"])
def test_the_quick_exit_keeps_output_exit_codes_and_atexit(full_exit: str) -> None:
    env = {"MCCTL_FULL_EXIT": full_exit}
    ok = _mcctl("--output", "json", "playbook", "validate", "playbooks/backup-daily.yaml", env=env)
    assert ok.returncode == 0 and json.loads(ok.stdout)[0]["valid"] is True
    bad = _mcctl("playbook", "validate", "nope.yaml", env=env)
    assert bad.returncode == 2 and "nope.yaml: no such file" in bad.stdout + bad.stderr
    hooked = _mcctl(
        "--output", "json", "config", "list", prelude="import atexit; atexit.register(print, 'atexit ran')", env=env
    )
    assert hooked.returncode == 0 and hooked.stdout.rstrip().endswith("atexit ran")


def test_a_command_runs_with_the_start_up_heap_frozen_and_a_larger_first_generation() -> None:
    from multicloud_ctl.cli.entry import GC_THRESHOLDS

    prelude = (
        "import atexit, gc, json\n"
        "atexit.register(lambda: print(json.dumps([gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()])))"
    )
    proc = _mcctl("--output", "json", "config", "list", prelude=prelude)
    assert proc.returncode == 0, proc.stderr
    enabled, thresholds, frozen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert enabled is True and tuple(thresholds) == GC_THRESHOLDS and GC_THRESHOLDS[0] > 700
    assert frozen > 10_000  # typer and the CLI's modules, loaded with the collector off


def test_a_running_non_daemon_thread_gets_the_normal_exit() -> None:
    prelude = (
        "import threading, time\n"
        "threading.Thread(target=lambda: (time.sleep(0.3), print('thread finished', flush=True))).start()"
    )
    proc = _mcctl("--output", "json", "config", "list", prelude=prelude)
    assert proc.returncode == 0 and "thread finished" in proc.stdout


def test_version_prints_one_line_without_loading_the_cli_and_in_process_too(cli) -> None:  # type: ignore[no-untyped-def]
    from multicloud_ctl import __version__

    code = (
        "import sys, runpy; sys.argv=['mcctl', '--version']\n"
        "from multicloud_ctl.cli.entry import main\n"
        "try:\n    main()\n"
        "except SystemExit: pass\n"
        "import json; print(json.dumps(sorted(sys.modules)), file=sys.stderr)"
    )
    env = {**os.environ, "MCCTL_FULL_EXIT": "1"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert proc.stdout.startswith(f"mcctl {__version__} (Python ")
    modules = json.loads(proc.stderr.strip().splitlines()[-1])
    assert not [m for m in modules if m.split(".")[0] in ("typer", "rich", *SDK_PREFIXES)]
    res = cli("-o", "json", "--version")  # with other global options: the Typer option answers the same
    assert res.exit_code == 0 and res.stdout == proc.stdout
