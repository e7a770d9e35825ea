"""`mcctl trace`: not implemented yet (issue #9)."""

from __future__ import annotations

from multicloud_ctl.cli.unfilled import unfilled_app

app = unfilled_app("trace", 9, "trace")
