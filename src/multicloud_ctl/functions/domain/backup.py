"""The backup-service's scheduled run: call the injected backup core and describe the outcome.

The core itself (the same one as `mcctl backup daily`) is injected as a plain callable when the app is built,
so this package does not import the CLI side.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from multicloud_ctl.functions.domain.clock import Env, iso

BackupCore = Callable[[], Mapping[str, Any] | None]


@dataclass(frozen=True)
class BackupRun:
    started_at: str
    finished_at: str
    status: str  # ok | failed | skipped
    detail: Mapping[str, Any]


class BackupService:
    def __init__(self, core: BackupCore | None, env: Env) -> None:
        self.core, self.env = core, env

    def run(self) -> BackupRun:
        """Run the core once; an exception propagates (the platform records the failed invocation)."""
        started = iso(self.env.now())
        if self.core is None:
            return BackupRun(started, started, "skipped", {"reason": "no backup core configured"})
        detail = self.core() or {}
        return BackupRun(started, iso(self.env.now()), "ok", dict(detail))
