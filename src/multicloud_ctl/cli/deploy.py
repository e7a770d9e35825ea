"""`mcctl deploy`: not implemented yet (issue #4)."""

from __future__ import annotations

from multicloud_ctl.cli.unfilled import unfilled_app

app = unfilled_app("deploy", 4, "deploy")
