"""`mcctl sync`: not implemented yet (issue #5)."""

from __future__ import annotations

from multicloud_ctl.cli.unfilled import unfilled_app

app = unfilled_app("sync", 5, "sync")
