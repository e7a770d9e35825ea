"""The `mcctl` entry point: global options, lazily loaded verb groups, and error-to-exit-code mapping.

Verb groups are imported only when invoked, so `mcctl --help` loads typer and rich and nothing else
(no cloud SDK, no pydantic). Each verb lives in its own module `multicloud_ctl.cli.<verb>` exposing a
Typer `app`; the table below holds the one-line help shown in `mcctl --help`.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer
from typer import _click as click
from typer.core import TyperGroup
from typer.exceptions import Abort

from multicloud_ctl.errors import EXIT_CODE_HELP, ExitCode, McctlError

# verb -> (module, one-line help). Order is the order shown in --help.
VERBS: dict[str, tuple[str, str]] = {
    "provision": ("multicloud_ctl.cli.provision", "Plan, apply, check drift of, and destroy the infrastructure."),
    "deploy": ("multicloud_ctl.cli.deploy", "Package and deploy the service functions to both clouds."),
    "sync": ("multicloud_ctl.cli.sync", "Change data capture from DynamoDB to Azure SQL."),
    "sql": ("multicloud_ctl.cli.sql", "Azure SQL schema migrations."),
    "backup": ("multicloud_ctl.cli.backup", "Daily S3-to-Blob backups, weekly snapshots, verify, restore, prune."),
    "schedule": ("multicloud_ctl.cli.schedule", "Export cron, systemd or CI entries for scheduled playbooks."),
    "failover": ("multicloud_ctl.cli.failover", "Switch traffic between clouds, run failover drills."),
    "runbook": ("multicloud_ctl.cli.runbook", "Print manual procedures filled in with live facts."),
    "health": ("multicloud_ctl.cli.health", "Check endpoints and the data plane (table, JSON or Nagios)."),
    "cost": ("multicloud_ctl.cli.cost", "One FOCUS cost report for AWS and Azure, budgets, forecast, anomalies."),
    "logs": ("multicloud_ctl.cli.logs", "Query the central log store across both clouds."),
    "trace": ("multicloud_ctl.cli.trace", "Show a distributed trace across both clouds."),
    "metrics": ("multicloud_ctl.cli.metrics", "Metrics from CloudWatch and Azure Monitor in one table."),
    "dashboard": ("multicloud_ctl.cli.dashboard", "Write or serve a self-contained HTML dashboard."),
    "alerts": ("multicloud_ctl.cli.alerts", "Alarms and alert rules on both clouds."),
    "security": ("multicloud_ctl.cli.security", "Audit the security posture of both clouds."),
    "secrets": ("multicloud_ctl.cli.secrets", "Rotate service secrets without downtime."),
    "playbook": ("multicloud_ctl.cli.playbook", "Validate playbooks and print their JSON Schema."),
    "config": ("multicloud_ctl.cli.config", "Show the effective environment configuration."),
    "journal": ("multicloud_ctl.cli.journal", "List and show the JSON journals of past runs."),
    "lock": ("multicloud_ctl.cli.lock", "Show or break the run locks."),
    "local": ("multicloud_ctl.cli.local", "Run the whole system on this machine (sandbox up, down, status, demo)."),
}

EPILOG = f"{EXIT_CODE_HELP} Environment: --env defaults to $MCCTL_ENV, else 'local'. MCCTL_DEBUG=1 shows tracebacks."


class LazyVerbGroup(TyperGroup):
    """A Typer group that imports a verb's module only when that verb runs, and maps our errors to exit codes."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(VERBS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = VERBS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(entry[0])
        command = typer.main.get_command(module.app)
        command.help = command.help or entry[1]
        command.short_help = entry[1]
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_text) for name, (_, help_text) in VERBS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        debug = "--debug" in argv or os.environ.get("MCCTL_DEBUG", "") not in ("", "0")
        try:
            rv = super().main(
                args=argv, prog_name=prog_name or "mcctl", complete_var=complete_var, standalone_mode=False, **extra
            )
        except McctlError as exc:
            console = _console_for(argv)
            if debug:
                console.traceback()
            console.error(exc.message, exc.hint)
            sys.exit(int(exc.exit_code))
        except Abort:
            _console_for(argv).error("aborted; nothing further was done")
            sys.exit(int(ExitCode.REFUSED))
        except click.ClickException as exc:
            exc.show()
            sys.exit(int(ExitCode.USAGE))
        except KeyboardInterrupt:
            _console_for(argv).error("interrupted")
            sys.exit(130)
        except Exception as exc:
            console = _console_for(argv)
            if debug:
                console.traceback()
                sys.exit(int(ExitCode.FAILED))
            console.error(
                f"internal error: {type(exc).__name__}: {exc}",
                "this is a bug in mcctl; rerun with --debug for the traceback",
            )
            sys.exit(int(ExitCode.FAILED))
        sys.exit(int(rv) if isinstance(rv, int) else 0)


def _console_for(argv: list[str]) -> Any:
    from multicloud_ctl.cli.console import Console

    return Console(no_color="--no-color" in argv)


app = typer.Typer(
    cls=LazyVerbGroup,
    name="mcctl",
    help="Operate the multi-cloud e-commerce backend (AWS + Azure + Cloudflare) from YAML playbooks.",
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def root(
    ctx: typer.Context,
    env: str = typer.Option(
        None, "--env", "-e", help="Environment (config/<env>.yaml). [default: $MCCTL_ENV or local]"
    ),
    config_dir: Path = typer.Option(
        None, "--config-dir", help="Directory of environment files. [default: $MCCTL_CONFIG_DIR or ./config]"
    ),
    output: str = typer.Option(None, "--output", "-o", help="table or json. [default: $MCCTL_OUTPUT or table]"),
    yes: bool = typer.Option(False, "--yes", "-y", help="Assume yes at confirmation prompts."),
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More detail (repeatable)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors and data."),
    no_color: bool = typer.Option(
        False, "--no-color", help="No colour (also when stdout is not a TTY or NO_COLOR is set)."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks (also MCCTL_DEBUG=1)."),
) -> None:
    """Operate the multi-cloud e-commerce backend (AWS + Azure + Cloudflare) from YAML playbooks."""
    from multicloud_ctl.cli.console import Console
    from multicloud_ctl.cli.state import CliState
    from multicloud_ctl.errors import UsageError

    output = output or os.environ.get("MCCTL_OUTPUT") or "table"
    if output not in ("table", "json"):
        raise UsageError(f"--output must be 'table' or 'json', not {output!r}")
    ctx.obj = CliState(
        env=env or os.environ.get("MCCTL_ENV") or "local",
        config_dir=config_dir or Path(os.environ.get("MCCTL_CONFIG_DIR") or "config"),
        output=output,
        yes=yes or os.environ.get("MCCTL_YES", "") == "1",
        verbosity=-1 if quiet else verbose,
        no_color=no_color,
        debug=debug,
        console=Console(output=output, no_color=no_color, quiet=quiet, verbosity=verbose),
    )


def main() -> None:
    """Console-script entry point."""
    typer.main.get_command(app).main(prog_name="mcctl")
