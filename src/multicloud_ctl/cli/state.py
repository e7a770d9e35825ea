"""The global options of one mcctl invocation, carried in the Typer context (`ctx.obj`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from multicloud_ctl.cli.console import Console

if TYPE_CHECKING:
    from multicloud_ctl.config.environment import Environment
    from multicloud_ctl.engine.clock import Clock
    from multicloud_ctl.engine.runtime import Runtime


@dataclass
class CliState:
    """Global options after precedence (flag > MCCTL_* variable > config file > default) is applied."""

    env: str = "local"
    config_dir: Path = Path("config")
    playbook_dir: Path | None = None  # None: beside the config directory (config/home.py)
    output: str = "table"
    yes: bool = False
    verbosity: int = 0
    no_color: bool = False
    debug: bool = False
    console: Console = field(default_factory=Console)
    _environment: Environment | None = field(default=None, repr=False)
    _runtime: Runtime | None = field(default=None, repr=False)
    _clock: Clock | None = field(default=None, repr=False)

    @property
    def clock(self) -> Clock:
        """This invocation's clock: the wall clock, or the one `MCCTL_NOW` pins (engine/clock.py)."""
        if self._clock is None:
            from multicloud_ctl.engine.clock import default_clock

            self._clock = default_clock()
        return self._clock

    def set_option(self, name: str, value: Any) -> None:
        """Apply a global option given after the verb (it overrides the same option given before it)."""
        from dataclasses import replace

        if name == "output":
            if value not in ("table", "json"):
                raise output_error(value)
            self.output = value
        elif name == "env":
            self.env, self._environment, self._runtime = value, None, None
        elif name in ("config_dir", "playbook_dir"):
            from multicloud_ctl.config.home import locate, set_current

            given = {"config_dir": self.config_dir, "playbook_dir": self.playbook_dir, name: Path(value)}
            home = locate(given["config_dir"], given["playbook_dir"])
            set_current(home)
            self.config_dir, self.playbook_dir = home.config_dir, home.playbook_dir
            self._environment, self._runtime = None, None
        elif name == "yes":
            self.yes = self.yes or bool(value)
        elif name == "verbose":
            if self.verbosity >= 0:  # -q wins over -v wherever each was given
                self.verbosity += int(value)
        elif name == "quiet":
            self.verbosity = -1 if value else self.verbosity
        elif name == "no_color":
            self.no_color = self.no_color or bool(value)
        elif name == "debug":
            self.debug = self.debug or bool(value)
        else:
            raise ValueError(f"not a global option: {name}")
        quiet = self.verbosity < 0
        self.console = replace(
            self.console,
            output=self.output,
            no_color=self.no_color,
            quiet=quiet,
            verbosity=0 if quiet else self.verbosity,
            _out=None,
            _err=None,
            _renderer=None,
        )

    def playbook(self, name: str) -> Path:
        """A default playbook (`backup-daily.yaml`): in the playbook directory (config/home.py)."""
        from multicloud_ctl.config.home import current

        return current().playbook(name)

    def environment(self) -> Environment:
        """Load and validate `config/<env>.yaml` once per invocation."""
        if self._environment is None:
            from multicloud_ctl.config.loader import load_environment

            self._environment = load_environment(self.env, self.config_dir)
        return self._environment

    def runtime(self) -> Runtime:
        """The environment plus its provider clients, state directory and clock."""
        if self._runtime is None:
            from multicloud_ctl.engine.runtime import Runtime

            self._runtime = Runtime(environment=self.environment(), clock=self.clock)
        return self._runtime


def output_error(value: str) -> Exception:
    """The usage error for a bad `--output`/`-o` (a file name there was once `dashboard -o FILE`)."""
    from multicloud_ctl.errors import UsageError

    return UsageError(
        f"--output must be 'table' or 'json', not {value!r}",
        hint="-o is the output format everywhere; a page or report file is --out FILE (dashboard, cost report)",
    )


def get_state(ctx: typer.Context) -> CliState:
    """The `CliState` of this invocation (a default one when a subcommand is invoked on its own in tests)."""
    root = ctx.find_root()
    obj: Any = root.obj
    if not isinstance(obj, CliState):
        obj = CliState()
        root.obj = obj
    return obj


def playbook_default(name: str) -> Any:
    """An option callback: the given playbook path, or `name` in this invocation's playbook directory.

    (Resolved when the verb's options are parsed, after the root callback located the home and after a
    `--config-dir`/`--playbook-dir` given after the verb: options on the command line are processed first.)
    """

    def fill(ctx: typer.Context, value: Path | None) -> Path:
        return value if value is not None else get_state(ctx).playbook(name)

    return fill


def playbook_dir_default() -> Any:
    """An option callback: the given directory, or this invocation's playbook directory."""
    return playbook_default("")
