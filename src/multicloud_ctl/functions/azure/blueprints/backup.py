"""backup-service: a daily timer (02:00 UTC) running the injected backup core."""

from __future__ import annotations

import logging

import azure.functions as func

from multicloud_ctl.functions.azure.backup import run_backup
from multicloud_ctl.functions.domain.backup import BackupCore

log = logging.getLogger(__name__)
SCHEDULE = "0 0 2 * * *"


def make_blueprint(core: BackupCore | None) -> func.Blueprint:
    """The backup blueprint bound to `core` (a plain callable; None makes the timer a logged no-op)."""
    bp = func.Blueprint()

    @bp.timer_trigger(arg_name="timer", schedule=SCHEDULE, run_on_startup=False, use_monitor=True)
    def backup_service(timer: func.TimerRequest) -> None:
        result = run_backup(core)
        log.info("backup %s (past due: %s): %s", result["status"], timer.past_due, result["detail"])

    return bp
