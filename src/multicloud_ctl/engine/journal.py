"""The JSON journal every run writes: inputs, each step, verification, rollback, measurements, final status.

Written atomically after every change (temp file + rename), so a run killed half-way still leaves a
readable journal whose status says `running`. Everything written passes through the `Redactor`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from multicloud_ctl.config.secrets import Redactor
from multicloud_ctl.errors import UsageError


def utc_now() -> datetime:
    return datetime.now(UTC)


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Journal:
    """One run's journal file under `<state_dir>/journal/`."""

    directory: Path
    verb: str
    environment: str
    inputs: dict[str, Any] = field(default_factory=dict)
    dry_run: bool = False
    redactor: Redactor = field(default_factory=Redactor)
    clock: Callable[[], datetime] = utc_now
    record: dict[str, Any] = field(init=False)
    path: Path = field(init=False)

    def __post_init__(self) -> None:
        started = self.clock()
        stamp = started.astimezone(UTC).strftime("%Y%m%dT%H%M%S") + f"{started.microsecond // 1000:03d}Z"
        run_id = f"{stamp}-{self.verb.replace(' ', '-')}"
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / f"{run_id}.json"
        n = 1
        while self.path.exists():
            n += 1
            self.path = self.directory / f"{run_id}-{n}.json"
        self.record = {
            "id": self.path.stem,
            "verb": self.verb,
            "environment": self.environment,
            "dry_run": self.dry_run,
            "status": "running",
            "started": _iso(started),
            "ended": None,
            "duration_s": None,
            "pid": os.getpid(),
            "inputs": self.inputs,
            "plan": None,
            "steps": [],
            "verification": [],
            "rollback": [],
            "measurements": {},
            "result": None,
            "error": None,
        }
        self.write()

    @property
    def run_id(self) -> str:
        return str(self.record["id"])

    def set(self, key: str, value: Any) -> None:
        self.record[key] = value
        self.write()

    def measure(self, name: str, value: Any) -> None:
        """Record a measured figure (RTO, RPO, rows/s ...)."""
        self.record["measurements"][name] = value
        self.write()

    def begin(self, section: str, step_id: str, description: str, **extra: Any) -> dict[str, Any]:
        entry = {
            "id": step_id,
            "description": description,
            "status": "running",
            "start": _iso(self.clock()),
            "end": None,
            "duration_s": None,
            "output": None,
            "error": None,
            **extra,
        }
        self.record[section].append(entry)
        self.write()
        return entry

    def end(self, entry: dict[str, Any], status: str, *, output: Any = None, error: str | None = None) -> None:
        end = self.clock()
        entry["end"] = _iso(end)
        start = datetime.fromisoformat(entry["start"].replace("Z", "+00:00"))
        entry["duration_s"] = round((end - start).total_seconds(), 3)
        entry["status"] = status
        entry["output"] = output
        entry["error"] = error
        self.write()

    def finish(self, status: str, *, result: Any = None, error: str | None = None) -> None:
        end = self.clock()
        self.record["ended"] = _iso(end)
        start = datetime.fromisoformat(self.record["started"].replace("Z", "+00:00"))
        self.record["duration_s"] = round((end - start).total_seconds(), 3)
        self.record["status"] = status
        if result is not None:
            self.record["result"] = result
        self.record["error"] = error
        self.write()

    def write(self) -> None:
        from multicloud_ctl.cli.console import to_jsonable

        data = self.redactor.data(to_jsonable(self.record))
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)


def journal_dir(state_dir: Path) -> Path:
    return state_dir / "journal"


def list_journals(state_dir: Path, verb: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Summaries of past runs, newest first."""
    directory = journal_dir(state_dir)
    if not directory.is_dir():
        return []
    out = []
    for path in sorted(directory.glob("*.json"), reverse=True):
        try:
            rec = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if verb and not str(rec.get("verb", "")).startswith(verb):
            continue
        out.append({k: rec.get(k) for k in ("id", "verb", "status", "dry_run", "started", "duration_s", "error")})
        if limit and len(out) >= limit:
            break
    return out


def load_journal(state_dir: Path, run_id: str) -> dict[str, Any]:
    """One journal by id, id prefix, or `last`."""
    directory = journal_dir(state_dir)
    paths = sorted(directory.glob("*.json")) if directory.is_dir() else []
    if run_id == "last":
        matches = paths[-1:]
    else:
        matches = [p for p in paths if p.stem == run_id] or [p for p in paths if p.stem.startswith(run_id)]
    if not matches:
        raise UsageError(f"no journal {run_id!r} in {directory}", hint="`mcctl journal list` shows the ids")
    if len(matches) > 1:
        raise UsageError(f"journal id {run_id!r} is ambiguous ({len(matches)} match)", hint="give more of the id")
    return dict(json.loads(matches[0].read_text(encoding="utf-8")))
