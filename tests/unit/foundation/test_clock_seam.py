"""Time is an input: nothing outside the clock seam reads the wall clock for a date it acts on."""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest

from multicloud_ctl.engine.clock import Clock, clock_from_environ, default_clock, seeded_random
from multicloud_ctl.errors import UsageError

SRC = Path(__file__).resolve().parents[3] / "src" / "multicloud_ctl"
# the seam itself; the packaged service code (it runs in the clouds, with its own `functions/domain/clock.py`);
# the Azure token credential (azure-core compares token expiry with the real `time.time()`)
ALLOWED = {"engine/clock.py", "providers/azure/credential.py"}
WALL_READS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time"), ("datetime", "today")}


def _wall_reads(path: Path, root: Path = SRC) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
            if (name, node.func.attr) in WALL_READS:
                found.append(f"{path.relative_to(root)}:{node.lineno}: {name}.{node.func.attr}()")
    return found


def test_only_the_clock_reads_the_wall_clock() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel in ALLOWED or rel.startswith("functions/"):
            continue
        offenders += _wall_reads(path)
    assert offenders == [], "read the clock through engine/clock.py (runtime.clock or default_clock()):\n" + "\n".join(
        offenders
    )


def test_the_scan_sees_a_wall_clock_read(tmp_path: Path) -> None:
    # in tmp_path, never in the source tree: the scan above may be running in another worker
    bad = tmp_path / "probe.py"
    bad.write_text("import time\nfrom datetime import UTC, datetime\n\nx = datetime.now(UTC)\ny = time.time()\n")
    assert _wall_reads(bad, tmp_path) == ["probe.py:4: datetime.now()", "probe.py:5: time.time()"]


def test_mcctl_now_pins_and_a_shared_anchor_gives_one_timeline() -> None:
    anchor = f"{time.time() - 2:.6f}"  # the pin was set two seconds ago (by a parent process)
    a = clock_from_environ({"MCCTL_NOW": "2026-02-28T23:59:59Z", "MCCTL_NOW_ANCHOR": anchor})
    b = clock_from_environ({"MCCTL_NOW": "2026-02-28T23:59:59Z", "MCCTL_NOW_ANCHOR": anchor})
    assert a.is_pinned and abs(a.timestamp() - b.timestamp()) < 1.0  # two processes, one timeline
    assert a.today().isoformat() == "2026-03-01"  # 2026 is no leap year: the clock ran past midnight
    frozen = Clock.frozen("2028-02-29")
    assert frozen.today().isoformat() == "2028-02-29"
    frozen.advance(86400)
    assert frozen.today().isoformat() == "2028-03-01"
    with pytest.raises(UsageError, match="no time zone"):
        clock_from_environ({"MCCTL_NOW": "2026-03-01T00:00:00"})
    with pytest.raises(UsageError, match="Unix time"):
        clock_from_environ({"MCCTL_NOW": "2026-03-01", "MCCTL_NOW_ANCHOR": "soon"})


def test_the_default_clock_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCCTL_NOW", "2026-12-31T23:30:00+00:00")
    monkeypatch.delenv("MCCTL_NOW_ANCHOR", raising=False)
    assert default_clock().today().isoformat() == "2026-12-31"
    monkeypatch.setenv("MCCTL_NOW", "2027-01-01")
    assert default_clock().today().isoformat() == "2027-01-01"
    child = default_clock().environ()
    assert child["MCCTL_NOW"].startswith("2027-01-01T") and float(child["MCCTL_NOW_ANCHOR"]) > 0


def test_mcctl_seed_makes_randomness_replayable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCCTL_SEED", "42")
    assert [seeded_random().random() for _ in range(2)] == [seeded_random().random() for _ in range(2)]
    monkeypatch.setenv("MCCTL_SEED", "x")
    with pytest.raises(UsageError, match="MCCTL_SEED"):
        seeded_random()
