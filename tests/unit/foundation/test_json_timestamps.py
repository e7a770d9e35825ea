"""Every timestamp in `--output json` has one shape: ISO 8601 in UTC, milliseconds, `Z` (issue 19, item 9)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from multicloud_ctl.cli.console import dumps, to_jsonable
from multicloud_ctl.engine.clock import iso

SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


@dataclass
class Row:
    at: datetime
    day: date


def test_datetimes_in_any_zone_print_as_utc_with_z() -> None:
    berlin = timezone(timedelta(hours=1))
    value = {
        "utc": datetime(2026, 12, 3, 20, 7, 55, 123456, tzinfo=UTC),
        "offset": datetime(2026, 12, 3, 21, 7, 55, tzinfo=berlin),
        "naive": datetime(2026, 12, 3, 20, 7, 55),  # a library dropped the zone: taken as UTC
        "rows": [Row(datetime(2026, 1, 1, tzinfo=UTC), date(2026, 1, 1))],
    }
    out = json.loads(dumps(value))
    assert out["utc"] == "2026-12-03T20:07:55.123Z"
    assert out["offset"] == "2026-12-03T20:07:55.000Z"
    assert out["naive"] == "2026-12-03T20:07:55.000Z"
    assert out["rows"] == [{"at": "2026-01-01T00:00:00.000Z", "day": "2026-01-01"}]
    assert all(SHAPE.match(out[k]) for k in ("utc", "offset", "naive"))


def test_the_shape_round_trips_through_fromisoformat() -> None:
    when = datetime(2026, 12, 3, 23, 59, 59, 999000, tzinfo=UTC)
    assert datetime.fromisoformat(iso(when)) == when
    assert to_jsonable(when) == iso(when)
