"""Renders the engine's events on the terminal: live progress on a TTY, plain timestamped lines otherwise.

On a TTY (and not `--quiet` or `--output json`) every step or phase that has run for 2 seconds appears as a live
line: a spinner, its description, a bar and counts when the step reported a total, the elapsed time. Shorter
steps never flicker onto the screen. `--no-color` and `NO_COLOR` remove colour, not progress.

Off a TTY nothing moves: with `-v` each step start and end, retry and notice is one line prefixed with its UTC
timestamp (what cron mails and CI logs want), and a long step's progress detail (`sync run --follow`'s
passes, the resource being read) at most every 5 seconds; without `-v` only notices print. The plan is shown
as a table when it is ready (before the confirmation prompt, and as the whole output of a dry run).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine import events as ev
from multicloud_ctl.engine.clock import Clock, default_clock, iso

if TYPE_CHECKING:
    from multicloud_ctl.cli.console import Console

LIVE_AFTER_S = 2.0
HEARTBEAT_S = 5.0


class EventRenderer:
    """An event sink that draws on the console."""

    def __init__(self, console: Console, *, clock: Clock | None = None, live_after: float = LIVE_AFTER_S) -> None:
        self.console = console
        self.clock = clock or default_clock()
        self.live_after = live_after
        self._lock = threading.RLock()
        self._live: Any = None
        self._tasks: dict[str, Any] = {}
        self._said: dict[str, float] = {}

    @property
    def live_enabled(self) -> bool:
        c = self.console
        return c.stdout_is_tty and not c.quiet and not c.json_mode

    # ---- the sink -----------------------------------------------------------------------------------
    def __call__(self, event: ev.Event) -> None:
        with self._lock:
            self._render(event)

    def _render(self, event: ev.Event) -> None:
        if isinstance(event, ev.PlanReady):
            self._stop_live()
            self._show_plan(event)
        elif isinstance(event, ev.PhaseStarted):
            self._end_task("phase")
            if event.phase in ("plan", "lock"):
                self._start_task("phase", event.description or event.phase)
            self._line(f"{event.phase}: {event.description}" if event.description else event.phase)
        elif isinstance(event, ev.StepStarted):
            self._end_task("phase")
            self._start_task(event.step_id, event.description, total=event.total)
            self._line(f"start  {event.section}/{event.step_id}: {event.description}")
        elif isinstance(event, ev.Progress):
            self._progress(event)
        elif isinstance(event, ev.StepFinished):
            self._end_task(event.step_id)
            tail = f"  {event.error}" if event.error else ""
            self._line(f"{event.status:<6} {event.section}/{event.step_id} ({event.duration_s:.2f}s){tail}")
        elif isinstance(event, ev.Retry):
            self._line(f"retry  {event.operation} attempt {event.attempt} in {event.delay_s:.1f}s: {event.reason}")
        elif isinstance(event, ev.Notice):
            self._stop_live_if_idle()
            if event.level == "warning":
                self.console.warn(event.message)
            else:
                self.console.info(event.message)
        elif isinstance(event, ev.Verified):
            verdict = {True: "ok", False: "FAILED", None: "unknown"}[event.ok]
            self._line(f"check  {event.name}: {verdict} {event.detail}".rstrip())
        elif isinstance(event, ev.Measured):
            self._line(f"measure {event.name} = {event.value}", level=2)
        elif isinstance(event, ev.RunFinished):
            self._stop_live()
            self._line(f"run {event.run_id}: {event.status} ({event.duration_s:.2f}s)")

    # ---- plain lines (off a TTY, or -v) -------------------------------------------------------------
    def _line(self, text: str, *, level: int = 1) -> None:
        if self.console.verbosity < level:
            return
        message = f"{iso(self.clock.now())}  {text}"
        if self._live is not None:
            self._live.console.print(message, markup=False, highlight=False, style="dim")
        else:
            self.console.detail(message)

    # ---- the plan -----------------------------------------------------------------------------------
    def _show_plan(self, event: ev.PlanReady) -> None:
        console = self.console
        if console.json_mode or console.quiet:
            return
        if event.view is not None and event.view.rows:
            console.table(event.view.columns, event.view.rows, title=event.view.title or None)
        plan = event.plan
        rows = [("+" if s.mutating else " ", s.id, s.description) for s in plan.steps]
        if not rows:
            console.info("nothing to do: live state already matches")
            return
        console.table(["", "step", "description"], rows, title=f"plan: {plan.verb}")

    # ---- live progress ------------------------------------------------------------------------------
    def _ensure_live(self) -> Any:
        if self._live is None:
            self._live = _DelayedProgress.create(self.console, self.live_after)
            self._live.start()
        return self._live

    def _start_task(self, key: str, description: str, *, total: float | None = None) -> None:
        if not self.live_enabled:
            return
        live = self._ensure_live()
        old = self._tasks.pop(key, None)
        if old is not None:
            live.remove_task(old)
        self._tasks[key] = live.add_task(description, total=total)

    def _progress(self, event: ev.Progress) -> None:
        if event.detail and not self.live_enabled:  # heartbeats off a TTY: at most one line per step per 5 s
            now = self.clock.monotonic()
            if now - self._said.get(event.step_id, -HEARTBEAT_S) >= HEARTBEAT_S:
                self._said[event.step_id] = now
                self._line(f"...    {event.step_id}: {event.detail}")
        task = self._tasks.get(event.step_id)
        if task is None or self._live is None:
            return
        fields: dict[str, Any] = {}
        if event.total is not None:
            fields["total"] = event.total
        if event.advance:
            fields["advance"] = event.advance
        if event.detail:
            fields["description"] = event.detail
        self._live.update(task, **fields)

    def _end_task(self, key: str) -> None:
        task = self._tasks.pop(key, None)
        if task is not None and self._live is not None:
            self._live.remove_task(task)
        self._stop_live_if_idle()

    def _stop_live_if_idle(self) -> None:
        if self._live is not None and not self._tasks:
            self._stop_live()

    def _stop_live(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
        self._tasks.clear()


class _DelayedProgress:
    """A Rich Progress that shows a task only once it has run for `delay` seconds."""

    @staticmethod
    def create(console: Console, delay: float) -> Any:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        class Delayed(Progress):
            def get_renderables(self) -> Any:
                shown = [t for t in self.tasks if t.visible and (t.elapsed or 0.0) >= delay]
                yield self.make_tasks_table(shown)

        return Delayed(
            SpinnerColumn(),
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console.rich_err(),
            transient=True,
            refresh_per_second=8,
        )
