"""`mcctl sql`: not implemented yet (issue #3)."""

from __future__ import annotations

from multicloud_ctl.cli.unfilled import unfilled_app

app = unfilled_app("sql", 3, "sql")
