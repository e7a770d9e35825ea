"""`mcctl runbook`: not implemented yet (issue #7)."""

from __future__ import annotations

from multicloud_ctl.cli.unfilled import unfilled_app

app = unfilled_app("runbook", 7, "runbook")
