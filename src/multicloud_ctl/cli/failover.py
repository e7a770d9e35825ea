"""`mcctl failover`: not implemented yet (issue #7)."""

from __future__ import annotations

from multicloud_ctl.cli.unfilled import unfilled_app

app = unfilled_app("failover", 7, "failover")
