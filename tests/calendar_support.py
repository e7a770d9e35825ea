"""The date calendar tests mean: `MCCTL_TEST_NOW` (set by `make test-calendar`), else a fixed instant.

A test that depends on the calendar is marked `calendar` and derives every date from `TEST_NOW`/`TEST_TODAY`
(never from today), so it passes on any day and `make test-calendar` can rerun it at the month, leap-day,
year-end and daylight-saving edges.
"""

from __future__ import annotations

import os

from multicloud_ctl.engine.clock import parse_instant

TEST_NOW = os.environ.get("MCCTL_TEST_NOW", "2026-11-17T10:00:00Z")
TEST_INSTANT = parse_instant(TEST_NOW)
TEST_TODAY = TEST_INSTANT.date()
