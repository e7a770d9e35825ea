"""The journal every run writes: an append-only JSON Lines file, one event per line.

`<state_dir>/journal/<utc-stamp>-<verb>.jsonl`. The run lifecycle subscribes a `Journal` to the run's event
bus; each structural event (run started, plan, step started/finished, recorded facts, measurements, checks,
run finished) becomes one line, passed through the `Redactor` first. Lines are flushed as written and the file
is fsynced at step boundaries (plan, each finished step, the end), so a killed run leaves every completed step
on disk. Appending keeps the cost per step constant: rewriting the whole file after every step, as the first
format did, grew quadratically (8 s of CPU at 104 steps, 180 s at 500).

Reading folds the events back into one record with the shape `journal show` always printed (`steps`,
`verification`, `rollback`, `measurements`, `result`, ...). Whole-file `.json` journals of older versions still
read. A run with no `run_finished` line is `running` while its process lives and `abandoned` after.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from multicloud_ctl.config.secrets import Redactor
from multicloud_ctl.engine import events as ev
from multicloud_ctl.engine.clock import default_clock, iso
from multicloud_ctl.errors import UsageError

SUFFIX = ".jsonl"
LEGACY_SUFFIX = ".json"
SECTIONS = ("steps", "verification", "rollback")
RESERVED = frozenset(
    {
        "id",
        "verb",
        "environment",
        "dry_run",
        "status",
        "started",
        "ended",
        "duration_s",
        "pid",
        "host",
        "inputs",
        "plan",
        *SECTIONS,
        "measurements",
        "checks",
        "notices",
        "result",
        "error",
    }
)


def journal_dir(state_dir: Path) -> Path:
    return state_dir / "journal"


@dataclass
class Journal:
    """One run's journal file; call it with events (it is an `EventBus` sink)."""

    path: Path
    redactor: Redactor = field(default_factory=Redactor)
    clock: Callable[[], datetime] = field(default_factory=default_clock)
    fsync: bool = True
    _file: IO[str] | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _written: int = field(default=0, init=False, repr=False)  # bytes of whole lines written
    finished: bool = field(default=False, init=False)

    @classmethod
    def create(
        cls,
        directory: Path,
        verb: str,
        *,
        clock: Callable[[], datetime] | None = None,
        redactor: Redactor | None = None,
    ) -> Journal:
        """A new, empty journal file with a unique id (`<utc stamp>-<verb>[-n]`)."""
        clock = clock or default_clock()
        started = clock().astimezone(UTC)
        stamp = started.strftime("%Y%m%dT%H%M%S") + f"{started.microsecond // 1000:03d}Z"
        base = f"{stamp}-{verb.replace(' ', '-')}"
        directory.mkdir(parents=True, exist_ok=True)
        n = 1
        while True:
            path = directory / f"{base if n == 1 else f'{base}-{n}'}{SUFFIX}"
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
            except FileExistsError:
                n += 1
                continue
            break
        journal = cls(path, redactor or Redactor(), clock)
        journal._file = os.fdopen(fd, "a", encoding="utf-8")
        return journal

    @property
    def run_id(self) -> str:
        return self.path.stem

    # ---- writing ------------------------------------------------------------------------------------
    def __call__(self, event: ev.Event) -> None:
        line = self._line(event)
        if line is not None:
            self.append(line, sync=isinstance(event, ev.RunStarted | ev.PlanReady | ev.StepFinished | ev.RunFinished))
        if isinstance(event, ev.RunFinished):
            self.close()

    def append(self, record: dict[str, Any], *, sync: bool = False) -> None:
        """Write one event line (redacted); fsync when `sync` (a step boundary)."""
        from multicloud_ctl.cli.console import to_jsonable

        data = self.redactor.data(to_jsonable({"event": record.pop("event"), "at": iso(self.clock()), **record}))
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
        with self._lock:
            try:
                if self._file is None:
                    self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - held for the run
                    self._written = self.path.stat().st_size
                self._file.write(text)
                self._file.flush()
                if sync and self.fsync:
                    os.fsync(self._file.fileno())
                self._written += len(text.encode("utf-8"))
            except OSError as exc:
                self._failed(exc)

    def _failed(self, exc: OSError) -> None:
        """A journal that cannot be written stops the run (nothing may change unrecorded): one error naming the
        file; a journal that holds nothing yet is removed rather than left as an empty file."""
        from multicloud_ctl.errors import OperationFailed

        file, self._file = self._file, None
        with contextlib.suppress(OSError, ValueError):
            if file is not None:
                file.close()  # may flush the rest of the failed line, cut below
        with contextlib.suppress(OSError):
            os.truncate(self.path, self._written)  # no half line: readers see whole events only
            if self._written == 0:
                self.path.unlink()
        raise OperationFailed(
            f"cannot write the journal {self.path}: {exc.strerror or exc}",
            hint="free space on that filesystem (or point state_dir elsewhere) and run it again; "
            "the run stopped before its next change",
        ) from exc

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                with contextlib.suppress(OSError):  # a failed write already said so
                    self._file.close()
                self._file = None
            self.finished = True

    def _line(self, event: ev.Event) -> dict[str, Any] | None:
        if isinstance(event, ev.RunStarted):
            return {
                "event": "run_started",
                "id": self.run_id,
                "verb": event.verb,
                "environment": event.environment,
                "dry_run": event.dry_run,
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "inputs": event.inputs,
            }
        if isinstance(event, ev.PlanReady):
            return {"event": "plan", "plan": event.plan.to_dict()}
        if isinstance(event, ev.StepStarted | ev.StepFinished) and event.section not in SECTIONS:
            return None  # read-only activity (reading live state, fetching cost): the screen's business
        if isinstance(event, ev.StepStarted):
            line: dict[str, Any] = {
                "event": "step_started",
                "section": event.section,
                "id": event.step_id,
                "description": event.description,
                "action": event.action,
                "provider": event.provider,
                "resource": event.resource,
                "mutating": event.mutating,
            }
            if event.total is not None:
                line["total"] = event.total
                line["unit"] = event.unit
            return line
        if isinstance(event, ev.StepFinished):
            return {
                "event": "step_finished",
                "section": event.section,
                "id": event.step_id,
                "status": event.status,
                "duration_s": round(event.duration_s, 3),
                "output": event.output,
                "error": event.error,
            }
        if isinstance(event, ev.Recorded):
            if event.key in RESERVED:
                raise ValueError(f"journal key {event.key!r} is reserved")
            return {"event": "recorded", "key": event.key, "value": event.value}
        if isinstance(event, ev.Measured):
            return {"event": "measured", "name": event.name, "value": event.value}
        if isinstance(event, ev.Verified):
            return {"event": "verified", "name": event.name, "ok": event.ok, "detail": event.detail}
        if isinstance(event, ev.Notice):
            return {"event": "notice", "level": event.level, "message": event.message}
        if isinstance(event, ev.Retry):
            return {
                "event": "retry",
                "operation": event.operation,
                "attempt": event.attempt,
                "delay_s": event.delay_s,
                "reason": event.reason,
            }
        if isinstance(event, ev.RunFinished):
            return {
                "event": "run_finished",
                "status": event.status,
                "duration_s": round(event.duration_s, 3),
                "result": event.result,
                "error": event.error,
            }
        return None  # Progress, PhaseStarted: for the screen only


# ---- reading ----------------------------------------------------------------------------------------
def fold(lines: Iterator[dict[str, Any]]) -> dict[str, Any]:
    """The record of one run from its event lines (the shape `journal show` prints)."""
    rec: dict[str, Any] = {
        "id": None,
        "verb": None,
        "environment": None,
        "dry_run": False,
        "status": "running",
        "started": None,
        "ended": None,
        "duration_s": None,
        "pid": None,
        "host": None,
        "inputs": {},
        "plan": None,
        "steps": [],
        "verification": [],
        "rollback": [],
        "measurements": {},
        "checks": [],
        "notices": [],
        "retries": 0,
        "result": None,
        "error": None,
    }
    open_steps: dict[tuple[str, str], dict[str, Any]] = {}
    for line in lines:
        kind = line.get("event")
        if kind == "run_started":
            for key in ("id", "verb", "environment", "dry_run", "pid", "host", "inputs"):
                rec[key] = line.get(key, rec[key])
            rec["started"] = line.get("at")
        elif kind == "plan":
            rec["plan"] = line.get("plan")
        elif kind == "step_started":
            section = line.get("section", "steps")
            entry: dict[str, Any] = {
                "id": line.get("id"),
                "description": line.get("description"),
                "status": "running",
                "start": line.get("at"),
                "end": None,
                "duration_s": None,
                "output": None,
                "error": None,
                **{k: line[k] for k in ("action", "provider", "resource", "mutating", "total", "unit") if k in line},
            }
            rec.setdefault(section, []).append(entry)
            open_steps[(section, str(line.get("id")))] = entry
        elif kind == "step_finished":
            section = line.get("section", "steps")
            finished = open_steps.pop((section, str(line.get("id"))), None)
            if finished is None:  # a finished step whose start line is missing: keep what we know
                finished = {"id": line.get("id"), "start": None}
                rec.setdefault(section, []).append(finished)
            finished.update(
                end=line.get("at"),
                status=line.get("status"),
                duration_s=line.get("duration_s"),
                output=line.get("output"),
                error=line.get("error"),
            )
        elif kind == "recorded":
            rec[str(line.get("key"))] = line.get("value")
        elif kind == "measured":
            rec["measurements"][str(line.get("name"))] = line.get("value")
        elif kind == "verified":
            rec["checks"].append({k: line.get(k) for k in ("name", "ok", "detail")})
        elif kind == "notice":
            rec["notices"].append({k: line.get(k) for k in ("level", "message")})
        elif kind == "retry":
            rec["retries"] += 1
        elif kind == "run_finished":
            rec.update(
                status=line.get("status"),
                ended=line.get("at"),
                duration_s=line.get("duration_s"),
                result=line.get("result"),
                error=line.get("error"),
            )
    for entry in open_steps.values():
        entry["status"] = "unfinished"
    if rec["status"] == "running" and not _process_alive(rec):
        rec["status"] = "abandoned"  # interrupted without a chance to say so: the process died (SIGKILL, OOM)
        rec["error"] = rec.get("error") or "process died before the run finished (no final journal line)"
    return rec


def _lines(text: str) -> Iterator[dict[str, Any]]:
    for raw in text.splitlines():
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            continue  # a line torn by a crash mid-write: the rest still reads
        if isinstance(value, dict):
            yield value


def read_record(path: Path) -> dict[str, Any]:
    """One journal file (JSON Lines, or an older whole-file JSON) as a record."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == LEGACY_SUFFIX:
        return dict(json.loads(text))
    rec = fold(_lines(text))
    rec["id"] = rec["id"] or path.stem
    return rec


def _process_alive(rec: dict[str, Any]) -> bool:
    """Whether the run's process may still be running (always assumed when it ran on another host)."""
    pid, host = rec.get("pid"), rec.get("host")
    if not isinstance(pid, int):
        return False
    if host and host != socket.gethostname():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _paths(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    found = [p for p in directory.iterdir() if p.suffix in (SUFFIX, LEGACY_SUFFIX) and p.is_file()]
    return sorted(found, key=lambda p: p.stem)


def _summary(path: Path) -> dict[str, Any] | None:
    """The list fields of one run, reading only the first and last lines of a JSON Lines journal."""
    try:
        if path.suffix == LEGACY_SUFFIX:
            rec = json.loads(path.read_text(encoding="utf-8"))
        else:
            first, last = _first_and_last_line(path)
            rec = fold(_lines("\n".join(x for x in (first, last) if x)))
            rec["id"] = rec["id"] or path.stem
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    return {k: rec.get(k) for k in ("id", "verb", "status", "dry_run", "started", "duration_s", "error")}


def _first_and_last_line(path: Path, chunk: int = 65536) -> tuple[str, str]:
    """The first line and the last non-empty line, reading backwards from the end in chunks."""
    with open(path, "rb") as fh:
        first = fh.readline()
        end = fh.seek(0, os.SEEK_END)
        buf = b""
        pos = end
        while pos > 0:
            step = min(chunk, pos)
            pos -= step
            fh.seek(pos)
            buf = fh.read(step) + buf
            body = buf.rstrip(b"\n")
            if b"\n" in body or pos == 0:
                break
        last = buf.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    return first.decode("utf-8", "replace"), last.decode("utf-8", "replace") if last != first.rstrip(b"\n") else ""


def list_journals(state_dir: Path, verb: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Summaries of past runs, newest first."""
    out = []
    for path in reversed(_paths(journal_dir(state_dir))):
        summary = _summary(path)
        if summary is None:
            continue
        if verb and not str(summary.get("verb", "")).startswith(verb):
            continue
        out.append(summary)
        if limit and len(out) >= limit:
            break
    return out


def load_journal(state_dir: Path, run_id: str) -> dict[str, Any]:
    """One journal by id, id prefix, or `last`."""
    directory = journal_dir(state_dir)
    paths = _paths(directory)
    if run_id == "last":
        matches = paths[-1:]
    else:
        matches = [p for p in paths if p.stem == run_id] or [p for p in paths if p.stem.startswith(run_id)]
    if not matches:
        raise UsageError(f"no journal {run_id!r} in {directory}", hint="`mcctl journal list` shows the ids")
    if len(matches) > 1:
        raise UsageError(f"journal id {run_id!r} is ambiguous ({len(matches)} match)", hint="give more of the id")
    return read_record(matches[0])
