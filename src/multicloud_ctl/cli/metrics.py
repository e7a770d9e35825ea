"""`mcctl metrics`: not implemented yet (issue #9)."""

from __future__ import annotations

from multicloud_ctl.cli.unfilled import unfilled_app

app = unfilled_app("metrics", 9, "metrics")
