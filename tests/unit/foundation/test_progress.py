"""The console's rendering of run events: live progress on a TTY (also without colour), timestamped lines off it."""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
from rich.console import Console as RichConsole

from multicloud_ctl.cli.console import Console
from multicloud_ctl.cli.progress import EventRenderer
from multicloud_ctl.engine import events as ev
from multicloud_ctl.engine.clock import Clock
from multicloud_ctl.engine.plan import Plan, Step


def console(*, tty: bool, verbosity: int = 0, no_color: bool = False, output: str = "table") -> tuple[Console, Any]:
    buf = io.StringIO()
    c = Console(output=output, no_color=no_color, verbosity=verbosity, stdout_is_tty=tty, stdin_is_tty=tty)
    c._err = RichConsole(file=buf, force_terminal=tty, force_interactive=tty, no_color=no_color, width=100)
    return c, buf


def run_steps(renderer: EventRenderer, pause: float = 0.0) -> None:
    renderer(ev.StepStarted("steps", "copy", "copy 3 objects", total=3))
    for _ in range(3):
        renderer(ev.Progress("copy", advance=1))
        time.sleep(pause)
    renderer(ev.StepFinished("steps", "copy", "ok", 1.5))
    renderer(ev.RunFinished("r1", "ok", 1.6))


def test_off_a_tty_verbose_prints_timestamped_lines_and_nothing_moves() -> None:
    c, buf = console(tty=False, verbosity=1)
    run_steps(EventRenderer(c, clock=Clock.frozen("2026-12-02T03:00:00Z")))
    lines = buf.getvalue().splitlines()
    assert lines[0] == "2026-12-02T03:00:00.000Z  start  steps/copy: copy 3 objects"
    assert lines[1] == "2026-12-02T03:00:00.000Z  ok     steps/copy (1.50s)"
    assert "\x1b[" not in buf.getvalue()  # no cursor movement, no colour


def test_off_a_tty_quiet_by_default() -> None:
    c, buf = console(tty=False)
    run_steps(EventRenderer(c))
    assert buf.getvalue() == ""


def test_heartbeats_off_a_tty_are_throttled() -> None:
    c, buf = console(tty=False, verbosity=1)
    r = EventRenderer(c, clock=Clock.frozen("2026-12-02T03:00:00Z"))
    for n in range(50):
        r(ev.Progress("apply", advance=1, detail=f"pass {n}"))
    assert buf.getvalue().count("pass ") == 1


@pytest.mark.parametrize("no_color", [False, True])
def test_a_tty_shows_live_progress_for_a_long_step_even_without_colour(no_color: bool) -> None:
    c, buf = console(tty=True, no_color=no_color)
    run_steps(EventRenderer(c, live_after=0.0), pause=0.2)
    out = buf.getvalue()
    assert "copy 3 objects" in out and "3/3" in out
    if no_color:
        assert "\x1b[3" not in out  # no foreground colour codes


def test_a_short_step_never_appears_on_a_tty() -> None:
    c, buf = console(tty=True)
    run_steps(EventRenderer(c, live_after=5.0))
    assert "copy 3 objects" not in buf.getvalue()


def test_json_mode_draws_no_progress() -> None:
    c, buf = console(tty=True, output="json")
    run_steps(EventRenderer(c, live_after=0.0), pause=0.05)
    assert "copy 3 objects" not in buf.getvalue()


def test_the_plan_is_shown_with_the_operations_view_above_it(capsys: pytest.CaptureFixture[str]) -> None:
    c, _ = console(tty=False)
    plan = Plan("failover", steps=(Step("switch", "noop", "switch pools"),))
    view = ev.PlanView(("preflight", "result"), (("sync-lag", "ok"),))
    EventRenderer(c)(ev.PlanReady(plan, view))
    out = capsys.readouterr().out
    assert out.index("sync-lag") < out.index("switch pools")


def test_warnings_print_even_off_a_tty() -> None:
    c, buf = console(tty=False)
    EventRenderer(c)(ev.Notice("3 dead letters", "warning"))
    assert "warning: 3 dead letters" in buf.getvalue()
