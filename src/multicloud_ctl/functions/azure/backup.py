"""The backup-service's timer body as a plain callable: runs the injected backup core once."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from multicloud_ctl.functions.domain.backup import BackupCore, BackupService
from multicloud_ctl.functions.wiring import services


def run_backup(core: BackupCore | None) -> dict[str, Any]:
    """Run the backup core (None: skipped) and return the run record; a failing core raises."""
    return asdict(BackupService(core, services().env).run())
