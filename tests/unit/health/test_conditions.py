"""Gatus-style conditions: parsed without eval, evaluated against what a probe saw."""

from __future__ import annotations

import pytest

from multicloud_ctl.operations.health.conditions import (
    ConditionError,
    Observation,
    parse_body,
    parse_condition,
)


def obs(
    status: int = 200,
    ms: float = 12.0,
    body: bytes = b'{"status": "ok", "items": [1, 2, 3]}',
    cert: float | None = None,
) -> Observation:
    text, data = parse_body(body)
    return Observation(
        status=status,
        response_time_ms=ms,
        body=text,
        json_body=data,
        connected=True,
        certificate_expiration_s=cert,
    )


@pytest.mark.parametrize(
    ("cond", "seen", "passed"),
    [
        ("[STATUS] == 200", obs(), True),
        ("[STATUS] == 200", obs(status=503), False),
        ("[STATUS] < 300", obs(status=204), True),
        ("[STATUS] == any(200, 201)", obs(status=201), True),
        ("[STATUS] != any(200, 201)", obs(status=201), False),
        ("[RESPONSE_TIME] < 300", obs(ms=299.9), True),
        ("[RESPONSE_TIME] < 300", obs(ms=300), False),
        ("[BODY].status == ok", obs(), True),
        ("[BODY].status == ok", obs(body=b'{"status": "down"}'), False),
        ("[BODY].status == ok", obs(body=b"not json"), False),
        ("[BODY].items[1] == 2", obs(), True),
        ("len([BODY].items) >= 3", obs(), True),
        ("has([BODY].missing) == false", obs(), True),
        ("[BODY] == pat(*ok*)", obs(), True),
        ("[CONNECTED] == true", obs(), True),
        ("[CERTIFICATE_EXPIRATION] > 48h", obs(cert=3 * 86400), True),
        ("[CERTIFICATE_EXPIRATION] > 48h", obs(cert=86400), False),
        ("[CERTIFICATE_EXPIRATION] > 48h", obs(cert=None), False),
    ],
)
def test_evaluate(cond: str, seen: Observation, passed: bool) -> None:
    assert parse_condition(cond).evaluate(seen)[0] is passed


def test_what_was_seen_is_reported() -> None:
    ok, seen = parse_condition("[BODY].status == ok").evaluate(obs(body=b'{"status": "down"}'))
    assert not ok and seen == "[BODY].status='down'"


@pytest.mark.parametrize(
    "bad",
    [
        "[STATUS] 200",
        "[STATUS] === 200",
        "200 == [STATUS]",
        "[NOPE] == 1",
        "[STATUS].x == 1",
        "[BODY].a..b == 1",
        "len(3) > 1",
        "[STATUS] < pat(2*)",
        "__import__('os') == 1",
    ],
)
def test_refused_at_parse_time(bad: str) -> None:
    with pytest.raises(ConditionError):
        parse_condition(bad)


def test_playbook_rejects_a_bad_condition(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from multicloud_ctl.config.playbook import load_playbook
    from multicloud_ctl.errors import ConfigError

    path = tmp_path / "h.yaml"
    path.write_text(
        "apiVersion: mcctl/v1\nkind: Health\nmetadata: {name: h}\nspec:\n  endpoints:\n"
        "    - name: x\n      url: http://127.0.0.1:1\n      conditions: ['[STATUS] = 200']\n"
    )
    with pytest.raises(ConfigError) as err:
        load_playbook(path, "Health")
    assert "h.yaml:8" in str(err.value) and "conditions" in str(err.value)
