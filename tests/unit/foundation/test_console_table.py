"""Tables on an 80-column terminal never cut a value with "…": ids and amounts stay whole on one line while the
text columns wrap, and a value too long for any layout is folded onto the next line, not lost (issue 19 item 5)."""

from __future__ import annotations

import pytest

from multicloud_ctl.cli.console import Console

ROWS = [
    ["daily-20261202T153012345Z", "daily", "12,345", "ok", "copy new and changed objects of 3 buckets, then commit"],
    ["weekly-20261129T023000000Z", "weekly", "9,000.00", "ok", "short"],
]


def _render(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, rows: list[list[str]]) -> str:
    monkeypatch.setenv("COLUMNS", "80")
    Console(stdout_is_tty=True, no_color=True).table(["id", "kind", "objects", "status", "description"], rows)
    return capsys.readouterr().out


def test_ids_and_amounts_stay_whole_at_80_columns(capsys, monkeypatch) -> None:
    out = _render(capsys, monkeypatch, ROWS)
    assert "…" not in out and max(len(line.rstrip()) for line in out.splitlines()) <= 80
    for value in ("daily-20261202T153012345Z", "weekly-20261129T023000000Z", "12,345", "9,000.00"):
        assert value in out  # on one line
    assert "commit" in out  # the text column wrapped instead


def test_a_value_too_long_for_any_layout_is_folded_not_cut(capsys, monkeypatch) -> None:
    long = "x" * 150
    out = _render(capsys, monkeypatch, [[long, "daily", "1", "ok", "d"]])
    assert "…" not in out
    assert "".join(line.split()[0] for line in out.splitlines()[1:] if line.strip()).count("x") == 150
