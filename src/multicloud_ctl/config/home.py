"""Where mcctl's configuration lives: the home directory holding `config/` and `playbooks/`.

Lookup order for the config directory (the first that applies wins):

1. `--config-dir DIR` or `MCCTL_CONFIG_DIR`;
2. `MCCTL_HOME` (its `config/`);
3. `./config` when the current directory has one (a checkout of the repository, a project directory);
4. the user config directory, `$XDG_CONFIG_HOME/mcctl/config` (`~/.config/mcctl/config`), which `mcctl init`
   writes by default.

The home root is the config directory's parent. Playbooks are `--playbook-dir`/`MCCTL_PLAYBOOK_DIR`, else the
root's `playbooks/` (else `./playbooks`). Relative paths inside the configuration (`state_dir`, a SQLite URL)
are relative to the root, so journals, locks and the sandbox's state live beside the configuration whatever
directory mcctl is run from; playbooks named inside playbooks (`sync_playbook: playbooks/sync.yaml`, a drill's
failover playbooks) are relative to the directory holding the playbook directory; paths typed on the command
line stay relative to the current directory, as in any command-line tool.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


def user_home(environ: Mapping[str, str] | None = None) -> Path:
    """`$XDG_CONFIG_HOME/mcctl`, `~/.config/mcctl` when XDG_CONFIG_HOME is unset or not absolute."""
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_CONFIG_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "mcctl"


@dataclass(frozen=True)
class Home:
    config_dir: Path
    playbook_dir: Path
    how: str = "default"  # which rule of the lookup order found it

    @property
    def root(self) -> Path:
        return self.config_dir.parent

    def playbook(self, name: str) -> Path:
        """A default playbook (`backup-daily.yaml`) in the playbook directory."""
        return self.playbook_dir / name

    def resolve(self, path: Path | str) -> Path:
        """A playbook named inside a playbook (`playbooks/sync.yaml`): absolute, or relative to the directory that
        holds the playbook directory (the home root, or the current directory when the playbooks are `./playbooks`)."""
        path = Path(path).expanduser()
        return path if path.is_absolute() else self.playbook_dir.parent / path


def locate(
    config_dir: Path | None = None,
    playbook_dir: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Home:
    """The home for these options and this environment (see the module's lookup order)."""
    environ = os.environ if environ is None else environ
    here = Path(".") if cwd is None else cwd
    if config_dir is not None:
        found, how = config_dir, "--config-dir"
    elif environ.get("MCCTL_CONFIG_DIR"):
        found, how = Path(environ["MCCTL_CONFIG_DIR"]), "MCCTL_CONFIG_DIR"
    elif environ.get("MCCTL_HOME"):
        found, how = Path(environ["MCCTL_HOME"]) / "config", "MCCTL_HOME"
    elif (here / "config").is_dir():
        found, how = here / "config", "current directory"
    elif (user_home(environ) / "config").is_dir():
        found, how = user_home(environ) / "config", "user config directory"
    else:
        found, how = here / "config", "none found"
    found = found.expanduser()
    if playbook_dir is None and environ.get("MCCTL_PLAYBOOK_DIR"):
        playbook_dir = Path(environ["MCCTL_PLAYBOOK_DIR"])
    if playbook_dir is None:
        beside = found.parent / "playbooks"
        playbook_dir = beside if beside.is_dir() or not (here / "playbooks").is_dir() else here / "playbooks"
    return Home(found, playbook_dir.expanduser(), how)


_current: Home | None = None


def current() -> Home:
    """This invocation's home: set by the CLI from its options, else found from the environment and cwd."""
    return _current if _current is not None else locate()


def set_current(home: Home | None) -> None:
    global _current
    _current = home
