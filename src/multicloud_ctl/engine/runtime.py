"""The runtime of one operation: the environment, its provider clients, secrets, clock, events and state dir.

Clients are built lazily (importing an SDK only when first used) and all carry the dry-run guard. `events` is
where operations report progress and facts (`emit`, `activity`): the console listens to it, and while a run
is in progress (`engine/run.py`) it also feeds that run's journal.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from multicloud_ctl.config.secrets import SecretResolver
from multicloud_ctl.engine.clock import Clock, default_clock, seeded_random
from multicloud_ctl.engine.events import Activity, Event, EventBus

if TYPE_CHECKING:
    from multicloud_ctl.config.environment import Environment
    from multicloud_ctl.providers.aws.session import AwsClients


@dataclass
class Runtime:
    """Everything an operation needs; pass it in, never reach for globals."""

    environment: Environment
    dry_run: bool = False
    clock: Clock = field(default_factory=default_clock)  # the one clock (MCCTL_NOW pins it); see engine/clock.py
    secrets: SecretResolver = field(default_factory=SecretResolver)
    events: EventBus = field(default_factory=EventBus)
    run_id: str | None = None  # the journal id while a run is in progress (engine/run.py sets it)
    screen: EventBus = field(init=False, repr=False)  # the bus the console listens to (runs route via theirs)
    fence: Callable[[], None] | None = field(default=None, repr=False)  # confirms the lease (engine/lock.py)
    # the operator's terminal answering an approval step: True/False once answered, None until then (non-blocking;
    # set by cli/runner when stdin is a terminal; engine/approvals.py polls it beside the approval file)
    approver: Callable[[str, str], bool | None] | None = field(default=None, repr=False)
    _state_dir_checked: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        self.screen = self.events
        if self.secrets.aws_fetch is None:
            self.secrets.aws_fetch = self._fetch_aws_secret

    @cached_property
    def random(self) -> random.Random:
        """The run's one source of randomness (sampling, jitter): `MCCTL_SEED` makes it replayable."""
        return seeded_random()

    @property
    def state_dir(self) -> Path:
        """This environment's state directory (journals, locks, checkpoints), created and known to be writable."""
        path = self.environment.env_state_dir
        if not self._state_dir_checked:
            ensure_writable_dir(path)
            self._state_dir_checked = True
        return path

    @cached_property
    def aws(self) -> AwsClients:
        from multicloud_ctl.providers.aws.session import AwsClients

        return AwsClients(self.environment, self.secrets, dry_run=self.dry_run)

    @cached_property
    def azure(self) -> Any:
        from multicloud_ctl.providers.azure.clients import AzureClients

        return AzureClients(self.environment, self.secrets, dry_run=self.dry_run)

    @cached_property
    def cloudflare(self) -> Any:
        from multicloud_ctl.providers.cloudflare.client import CloudflareClient

        return CloudflareClient(self.environment, self.secrets, dry_run=self.dry_run)

    def emit(self, event: Event) -> None:
        """Report an event (progress, a recorded fact, a measurement): the console and, in a run, the journal."""
        self.events.emit(event)

    def activity(self, key: str, description: str, total: float | None = None) -> Activity:
        """A `with` block of read-only work whose progress the console shows (`advance()` counts)."""
        return Activity(self.emit, key, description, total)

    def sql_url(self) -> str:
        """The Azure SQL URL (resolved when the environment gives a secret reference)."""
        from multicloud_ctl.config.secrets import is_reference

        url = self.environment.azure.sql.url
        return self.secrets.resolve(url) if is_reference(url) else url

    def _fetch_aws_secret(self, arn: str) -> str:
        from multicloud_ctl.providers.aws.secretsmanager import SecretsManager

        return SecretsManager(self.aws).current(arn)


def ensure_writable_dir(path: Path) -> None:
    """Create `path` and prove a file can be made in it, or raise one `ConfigError` naming the directory.

    Checked by writing, not with `os.access`: root passes every permission check yet cannot write to a
    read-only file system, and a path under a regular file fails for everyone.
    """
    import os
    import tempfile

    from multicloud_ctl.errors import ConfigError

    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-probe-", dir=path)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(
            f"state_dir {path} is not writable: {exc.strerror or exc}",
            hint="set state_dir in the environment file to a writable directory (it holds journals and locks)",
        ) from exc
