"""`mcctl schedule`: not implemented yet (issue #6)."""

from __future__ import annotations

from multicloud_ctl.cli.unfilled import unfilled_app

app = unfilled_app("schedule", 6, "schedule")
