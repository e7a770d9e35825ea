"""The one duration grammar (`multicloud_ctl/durations.py`) that every --since, --last and condition reads."""

from __future__ import annotations

from datetime import timedelta

import pytest

from multicloud_ctl.durations import parse_duration, seconds
from multicloud_ctl.errors import UsageError
from multicloud_ctl.operations.health.conditions import Observation, parse_condition


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", 90),
        ("15m", 900),  # minutes, everywhere
        ("1h30m", 5400),
        ("1.5h", 5400),
        ("2 days", 172800),
        ("4w", 2419200),
        ("10 min", 600),
        ("500ms", 0.5),
        ("3mo", 90 * 86400),  # a 30-day month, for cost windows
        ("1 month", 30 * 86400),
        (" 2D ", 172800),
    ],
)
def test_the_grammar(text: str, expected: float) -> None:
    assert seconds(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "5", "5.0", "-", "soon", "1 fortnight", "ms", "1x", "1:30", "10.0.0.1"])
def test_what_is_not_a_duration(text: str) -> None:
    assert seconds(text) is None


def test_parse_duration_names_the_option_and_refuses_nothing_or_less() -> None:
    assert parse_duration("2h", "--since") == timedelta(hours=2)
    with pytest.raises(UsageError, match=r"--window 'often' is not a duration") as err:
        parse_duration("often", "--window")
    assert "90s, 15m" in (err.value.hint or "")
    for text in ("0s", "-5m"):
        with pytest.raises(UsageError, match="too short"):
            parse_duration(text, "--since")


def test_conditions_read_durations_with_the_same_grammar_and_response_time_in_ms() -> None:
    fast, slow = Observation(status=200, response_time_ms=120.0), Observation(status=200, response_time_ms=900.0)
    for text in ("[RESPONSE_TIME] < 500ms", "[RESPONSE_TIME] < 0.5s", "[RESPONSE_TIME] < 500"):
        condition = parse_condition(text)
        assert condition.evaluate(fast)[0] and not condition.evaluate(slow)[0], text
    cert = parse_condition("[CERTIFICATE_EXPIRATION] > 2d")  # seconds, as the placeholder is
    assert cert.evaluate(Observation(certificate_expiration_s=3 * 86400))[0]
    assert not cert.evaluate(Observation(certificate_expiration_s=36 * 3600))[0]
    assert parse_condition("[CERTIFICATE_EXPIRATION] > 1w12h").evaluate(
        Observation(certificate_expiration_s=8 * 86400)
    )[0]
