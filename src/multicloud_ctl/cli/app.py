"""The `mcctl` entry point: global options, lazily loaded verb groups, and error-to-exit-code mapping.

Verb groups are imported only when invoked, so `mcctl --help` loads typer and rich and nothing else
(no cloud SDK, no pydantic). Each verb lives in its own module `multicloud_ctl.cli.<verb>` exposing a
Typer `app`; the table below holds the one-line help shown in `mcctl --help`.

The global options may also come after the verb (`mcctl local status -o json`): when a verb is loaded, each of
its commands and groups gets hidden copies of them (`_add_global_options`) that update the invocation's
`CliState` as they are parsed. A command's own option of the same name (`backup prune --yes`) wins there.
"""

from __future__ import annotations

import copy
import errno
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import typer
from typer import _click as click
from typer._click.core import ParameterSource
from typer._click.exceptions import BadParameter
from typer.core import TyperGroup, TyperOption
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
    "permissions": (
        "multicloud_ctl.cli.permissions",
        "Print the IAM policy, Azure role and Cloudflare token scopes mcctl needs.",
    ),
    "secrets": ("multicloud_ctl.cli.secrets", "Rotate service secrets without downtime."),
    "playbook": ("multicloud_ctl.cli.playbook", "Validate playbooks and print their JSON Schema."),
    "config": ("multicloud_ctl.cli.config", "Show the effective environment configuration."),
    "journal": ("multicloud_ctl.cli.journal", "List and show the JSON journals of past runs."),
    "lock": ("multicloud_ctl.cli.lock", "Show or break the run locks."),
    "local": ("multicloud_ctl.cli.local", "Run the whole system on this machine (sandbox up, down, status, demo)."),
    "init": ("multicloud_ctl.cli.init", "Write a working config/ and playbooks/ from the shipped templates."),
}

EPILOG = (
    f"{EXIT_CODE_HELP} Environment: --env defaults to $MCCTL_ENV, else 'local'. MCCTL_DEBUG=1 shows tracebacks. "
    "The options above may also follow the verb (mcctl local status -o json)."
)


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
        _add_global_options(command, self.params)
        _finite_floats(command)
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
        except (McctlError, Abort, click.ClickException) as exc:
            if _nagios_mode(argv):
                _console_for(argv).error(_message_of(exc))
                _nagios_unknown(_message_of(exc))
            self._fail(exc, argv, debug)
        except KeyboardInterrupt:
            _console_for(argv).error("interrupted")
            sys.exit(130)
        except Exception as exc:
            console = _console_for(argv)
            if debug:
                console.traceback()
            elif isinstance(exc, OSError) and exc.errno in _STORAGE_ERRNOS:
                # a full or read-only disk under the state directory (journal, locks, checkpoints) or an output
                # file: an environment problem, not a bug; the run stopped at the write that failed
                where = f" {exc.filename}" if exc.filename else ""
                console.error(
                    f"cannot write{where}: {exc.strerror or exc}",
                    "free space on that filesystem (or point state_dir elsewhere) and run it again; "
                    "`mcctl journal show last` shows what ran before the write failed",
                )
                sys.exit(int(ExitCode.FAILED))
            else:
                console.error(
                    f"internal error: {type(exc).__name__}: {exc}",
                    "this is a bug in mcctl; rerun with --debug for the traceback",
                )
            if _nagios_mode(argv):
                _nagios_unknown(f"internal error: {type(exc).__name__}: {exc}")
            sys.exit(int(ExitCode.FAILED))
        sys.exit(int(rv) if isinstance(rv, int) else 0)

    @staticmethod
    def _fail(exc: Exception, argv: list[str], debug: bool) -> None:
        """Report an expected error (one line + hint) and exit with its code."""
        if isinstance(exc, McctlError):
            console = _console_for(argv)
            if debug:
                console.traceback()
            console.error(exc.message, exc.hint or _default_hint(exc, argv))
            sys.exit(int(exc.exit_code))
        if isinstance(exc, Abort):
            _console_for(argv).error("aborted; nothing further was done")
            sys.exit(int(ExitCode.REFUSED))
        assert isinstance(exc, click.ClickException)
        if not exc.format_message().strip():  # a group run without its subcommand: Click printed its help
            sys.exit(int(ExitCode.USAGE))
        # One `error:` and one `hint:` line like every other error (issue 21 item 7), not Click's usage block.
        ctx = getattr(exc, "ctx", None)
        path = ctx.command_path if ctx is not None else "mcctl"
        _console_for(argv).error(
            exc.format_message().replace("\n", " "), f"`{path} -h` lists its options and subcommands"
        )
        sys.exit(int(ExitCode.USAGE))


_STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}


def _default_hint(exc: McctlError, argv: list[str]) -> str:
    """A hint for an error raised without one: every `error:` line comes with a `hint:` (issue 21 item 7)."""
    from multicloud_ctl import errors

    verb = next((a for a in argv if a in VERBS), None)
    where = f"mcctl {verb}" if verb else "mcctl"
    if exc.exit_code == ExitCode.USAGE:
        return f"`{where} -h` lists its options and the values they take"
    if isinstance(exc, errors.Throttled):
        return "the API is throttling this account: wait a minute and run it again"
    if isinstance(exc, errors.AuthError):
        return "check this cloud's credentials for the environment (`mcctl config show` names where they come from)"
    if isinstance(exc, errors.EndpointUnreachable):
        return "is the endpoint up and reachable from here? for the sandbox run `mcctl local status`"
    if isinstance(exc, errors.Interrupted):
        return "`mcctl journal show last` shows what completed and what was rolled back"
    if exc.exit_code == ExitCode.DEGRADED:
        return "the findings are listed above; fix them and run it again"
    if exc.exit_code == ExitCode.REFUSED:
        return "nothing was changed; `mcctl journal show last` records why"
    return "`mcctl journal show last` shows what ran; --debug shows where it failed"


def _message_of(exc: Exception) -> str:
    """The one-line message of an expected error."""
    if isinstance(exc, McctlError):
        return exc.message
    if isinstance(exc, click.ClickException):
        return exc.format_message()
    return "aborted; nothing further was done"


def _nagios_unknown(message: str) -> None:
    """End a Nagios plugin run that could not check: one status line on stdout, exit 3 UNKNOWN (not 2 CRITICAL)."""
    first = message.strip().splitlines()[0] if message.strip() else "error"
    sys.stdout.write(f"MCCTL HEALTH UNKNOWN - {first}\n")
    sys.stdout.flush()
    sys.exit(3)


def _nagios_mode(argv: list[str]) -> bool:
    """Whether this is `mcctl ... health ... --format nagios` (a Nagios plugin run: errors are UNKNOWN, exit 3)."""
    if "health" not in argv:
        return False
    rest = argv[argv.index("health") + 1 :]
    pairs = zip(rest, [*rest[1:], ""], strict=True)
    return any((a in ("--format", "-f") and b == "nagios") or a in ("--format=nagios", "-fnagios") for a, b in pairs)


def _add_global_options(command: click.Command, globals_: list[click.Parameter]) -> None:
    """Give `command` and its subcommands hidden copies of the global options they do not define themselves."""
    taken = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    for param in globals_:
        if param.name == "version":  # `mcctl --version` only: not an option of every verb
            continue
        names = [opt for opt in param.opts if opt not in taken]
        if not isinstance(param, TyperOption) or param.name is None or not names:
            continue
        late = copy.copy(param)  # same type, flag and count handling; only what follows differs
        late.name, late.opts, late.secondary_opts = f"_global_{param.name}", names, []
        late.default, late.envvar, late.hidden, late.expose_value = None, None, True, False
        late.callback = _apply_global_option
        late._runtime_param = None
        command.params.append(late)
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            _add_global_options(sub, globals_)


def _finite_floats(command: click.Command) -> None:
    """Every float option of `command` and its subcommands refuses nan and ±inf (issue 21 item 5): `--grace
    nan` and `--wait inf` were accepted (a comparison with nan is always false, so range checks let it through).
    Typer coerces the value from the annotation; the check runs in the parameter's callback, after any own one."""
    import typing

    for param in command.params:
        annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
        if annotation is float or float in typing.get_args(annotation):
            param.callback = _finite(param.callback)
    for sub in getattr(command, "commands", {}).values():
        _finite_floats(sub)


def _finite(then: Callable[..., Any] | None) -> Callable[..., Any]:
    def check(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        import math

        values = value if isinstance(value, (list, tuple)) else [value]
        if any(isinstance(v, float) and not math.isfinite(v) for v in values):
            raise BadParameter(f"{value!r} is not a finite number", ctx=ctx, param=param)  # type: ignore[arg-type]
        return then(ctx, param, value) if then is not None else value

    return check


def _apply_global_option(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """Record a global option given after the verb in this invocation's `CliState`."""
    if value is None or ctx.get_parameter_source(param.name or "") is not ParameterSource.COMMANDLINE:
        return
    from multicloud_ctl.cli.state import CliState

    state = ctx.find_root().obj
    if not isinstance(state, CliState):  # a verb's app invoked on its own (tests): nothing to override
        return
    state.set_option((param.name or "").removeprefix("_global_"), value)


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


def version_line() -> str:
    from multicloud_ctl import __version__

    return f"mcctl {__version__} (Python {sys.version.split()[0]})"


def _print_version(value: bool) -> None:
    if value:
        sys.stdout.write(version_line() + "\n")
        raise typer.Exit(0)


@app.callback()
def root(
    ctx: typer.Context,
    env: str = typer.Option(
        None, "--env", "-e", help="Environment (config/<env>.yaml). [default: $MCCTL_ENV or local]"
    ),
    config_dir: Path = typer.Option(
        None,
        "--config-dir",
        help="Directory of environment files. [default: $MCCTL_CONFIG_DIR, $MCCTL_HOME/config, ./config, "
        "~/.config/mcctl/config]",
    ),
    playbook_dir: Path = typer.Option(
        None, "--playbook-dir", help="Directory of playbooks. [default: $MCCTL_PLAYBOOK_DIR or beside the config]"
    ),
    output: str = typer.Option(None, "--output", "-o", help="table or json. [default: $MCCTL_OUTPUT or table]"),
    yes: bool = typer.Option(False, "--yes", "-y", help="Assume yes at confirmation prompts."),
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More detail (repeatable)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors and data."),
    no_color: bool = typer.Option(
        False, "--no-color", help="No colour (also when stdout is not a TTY or NO_COLOR is set)."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks (also MCCTL_DEBUG=1)."),
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_print_version, expose_value=False, help="Print the version."
    ),
) -> None:
    """Operate the multi-cloud e-commerce backend (AWS + Azure + Cloudflare) from YAML playbooks."""
    from multicloud_ctl.cli.console import Console
    from multicloud_ctl.cli.state import CliState, output_error
    from multicloud_ctl.config.home import locate, set_current

    output = output or os.environ.get("MCCTL_OUTPUT") or "table"
    if output not in ("table", "json"):
        raise output_error(output)
    home = locate(config_dir, playbook_dir)
    set_current(home)
    ctx.call_on_close(lambda: set_current(None))  # one invocation's home never outlives it (tests run many)
    ctx.obj = CliState(
        env=env or os.environ.get("MCCTL_ENV") or "local",
        config_dir=home.config_dir,
        playbook_dir=home.playbook_dir,
        output=output,
        yes=yes or os.environ.get("MCCTL_YES", "") == "1",
        verbosity=-1 if quiet else verbose,
        no_color=no_color,
        debug=debug,
        console=Console(output=output, no_color=no_color, quiet=quiet, verbosity=verbose),
    )


COMPLETE_VAR = "_MCCTL_COMPLETE"


def main() -> None:
    """Console-script entry point.

    Shell completion is Click's protocol (`_MCCTL_COMPLETE=source_bash mcctl` prints the script to `eval`;
    zsh and fish likewise): the app is built without Typer's `--install-completion` options, so the
    completion classes are registered here when the shell asks.
    """
    if os.environ.get(COMPLETE_VAR):
        from typer.completion import completion_init

        completion_init()
    typer.main.get_command(app).main(prog_name="mcctl", complete_var=COMPLETE_VAR)
