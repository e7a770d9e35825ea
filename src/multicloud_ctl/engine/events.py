"""The typed events a run emits, and the bus that hands them to whoever listens.

The run lifecycle (`engine/run.py`), the executor and the operations emit events; they never print and never
call back into the CLI. Two listeners matter: the journal (`engine/journal.py`) writes the structural events
as JSON Lines, and the console (`cli/progress.py`) renders them (live progress on a TTY, timestamped lines
otherwise). Read-only commands use the same bus through `runtime.events`, so a long `provision plan` shows
progress the same way an apply does.

Progress counts (`Progress`) are for the screen only: the journal records a bulk step's counts once, in its
`StepFinished` output, never one line per object.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multicloud_ctl.engine.plan import Plan


class RunStatus(StrEnum):
    """The closed set of final statuses of a run (the journal's `status`, `journal list`)."""

    OK = "ok"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    ROLLED_BACK = "rolled_back"
    REFUSED = "refused"
    DEGRADED = "degraded"


@dataclass(frozen=True)
class Event:
    """Base of every event."""


@dataclass(frozen=True)
class RunStarted(Event):
    run_id: str
    verb: str
    environment: str
    dry_run: bool
    inputs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PhaseStarted(Event):
    """A part of the lifecycle before any step runs: planning, locking, waiting for confirmation."""

    phase: str  # plan | lock | confirm | execute
    description: str = ""


@dataclass(frozen=True)
class PlanReady(Event):
    """The plan is built (read-only calls only); what a dry run shows and what the operator confirms."""

    plan: Plan
    view: PlanView | None = None


@dataclass(frozen=True)
class PlanView:
    """A table an operation shows above its plan's steps (data only; the console renders it)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    title: str = ""


@dataclass(frozen=True)
class StepStarted(Event):
    section: str  # steps | verification | rollback
    step_id: str
    description: str
    action: str = ""
    provider: str = ""
    resource: str = ""
    mutating: bool = False
    total: float | None = None  # a bulk step's amount of work, when known
    unit: str = ""


@dataclass(frozen=True)
class StepFinished(Event):
    section: str
    step_id: str
    status: str  # ok | failed | interrupted | stopped
    duration_s: float
    output: Any = None
    error: str | None = None


@dataclass(frozen=True)
class Progress(Event):
    """Work done inside a step (objects copied, records applied, resources read): screen only."""

    step_id: str
    advance: float = 0.0
    total: float | None = None
    detail: str = ""


@dataclass(frozen=True)
class Retry(Event):
    """A call is being retried (throttling, a timeout, a 5xx)."""

    operation: str
    attempt: int
    delay_s: float
    reason: str


@dataclass(frozen=True)
class Recorded(Event):
    """A named fact for the journal (the load balancer before a failover, preflight results, a report)."""

    key: str
    value: Any


@dataclass(frozen=True)
class Measured(Event):
    """A measured figure (RTO, RPO, objects/s, rows/s)."""

    name: str
    value: Any


@dataclass(frozen=True)
class Verified(Event):
    """The outcome of one check (preflight, steady state, restore comparison)."""

    name: str
    ok: bool | None
    detail: str = ""


@dataclass(frozen=True)
class Notice(Event):
    """A message for the operator (warning or information) that is not an error."""

    message: str
    level: str = "info"  # info | warning


@dataclass(frozen=True)
class RunFinished(Event):
    run_id: str
    status: str
    duration_s: float
    result: Any = None
    error: str | None = None


Sink = Callable[[Event], None]


class EventBus:
    """Hands each event to every subscribed sink, in order; safe to emit from worker threads.

    A renderer that raises does not stop the run or the other sinks (events are reports, not control flow);
    a `critical` sink (the journal) that raises does: a run that cannot write its journal must not go on.
    """

    def __init__(self, *sinks: Sink) -> None:
        self._sinks: list[tuple[Sink, bool]] = [(s, False) for s in sinks]
        self._lock = threading.RLock()

    def subscribe(self, sink: Sink, *, critical: bool = False) -> Callable[[], None]:
        """Add a sink; returns the function that removes it again."""
        entry = (sink, critical)
        with self._lock:
            self._sinks.append(entry)

        def remove() -> None:
            with self._lock:
                if entry in self._sinks:
                    self._sinks.remove(entry)

        return remove

    def emit(self, event: Event) -> None:
        with self._lock:
            for sink, critical in list(self._sinks):
                try:
                    sink(event)
                except Exception:
                    if critical:
                        raise

    def __call__(self, event: Event) -> None:
        self.emit(event)


class Activity:
    """Progress of read-only work outside a plan's steps (reading live state, running checks, fetching cost).

    Emits a `StepStarted`/`StepFinished` pair in the `read` section (the console shows it like a step, live
    after 2 s on a TTY; the journal records only the plan's own sections) and `Progress` counts in between.
    """

    SECTION = "read"

    def __init__(self, emit: Callable[[Event], None], key: str, description: str, total: float | None) -> None:
        self._emit, self.key, self.description, self.total = emit, key, description, total

    def __enter__(self) -> Activity:
        import time

        self._started = time.monotonic()
        self._emit(StepStarted(self.SECTION, self.key, self.description, total=self.total))
        return self

    def advance(self, amount: float = 1, *, detail: str = "") -> None:
        self._emit(Progress(self.key, advance=amount, detail=detail))

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        import time

        status = "ok" if exc_type is None else "failed"
        error = None if exc is None else f"{type(exc).__name__}: {exc}"
        self._emit(StepFinished(self.SECTION, self.key, status, time.monotonic() - self._started, error=error))
