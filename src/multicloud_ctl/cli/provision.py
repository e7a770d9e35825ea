"""`mcctl provision`: not implemented yet (issue #3)."""

from __future__ import annotations

from multicloud_ctl.cli.unfilled import unfilled_app

app = unfilled_app("provision", 3, "provision")
