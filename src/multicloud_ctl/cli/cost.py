"""`mcctl cost`: not implemented yet (issue #8)."""

from __future__ import annotations

from multicloud_ctl.cli.unfilled import unfilled_app

app = unfilled_app("cost", 8, "cost")
