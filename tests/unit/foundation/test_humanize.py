"""The one formatter for durations, sizes and ages in tables (`multicloud_ctl/humanize.py`)."""

from __future__ import annotations

import pytest

from multicloud_ctl.humanize import ago, duration, millis, size


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "-"),
        (0.0004, "0.4 ms"),
        (0.00710977, "7.11 ms"),
        (0.774822, "775 ms"),
        (1.23456, "1.23 s"),
        (12.0, "12 s"),
        (42.55, "42.5 s"),
        (146.545, "2 min 27 s"),
        (3600, "1 h"),
        (3 * 3600 + 12 * 60 + 5, "3 h 12 min"),
        (2 * 86400 + 5 * 3600, "2 d 5 h"),
        (-90, "-1 min 30 s"),
    ],
)
def test_durations_read_as_people_write_them(seconds: float | None, text: str) -> None:
    assert duration(seconds) == text


def test_millis_ago_and_sizes() -> None:
    assert millis(774.822) == "775 ms" and millis(None) == "-"
    assert ago(0.2) == "just now" and ago(11520) == "3 h 12 min ago" and ago(None) == "never"
    assert [size(n) for n in (0, 512, 1536, 120324096, 5 * 1024**4, None)] == [
        "0 B",
        "512 B",
        "1.5 KiB",
        "114.8 MiB",
        "5.0 TiB",
        "-",
    ]
