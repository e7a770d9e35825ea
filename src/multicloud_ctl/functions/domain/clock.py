"""Injectable time and identifiers, so tests are deterministic."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def new_id() -> str:
    """A random 32-hex-digit identifier."""
    return uuid.uuid4().hex


def iso(ts: datetime) -> str:
    """ISO-8601 UTC with a `Z` suffix, second precision."""
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Env:
    """The clock and id source every service takes."""

    now: Callable[[], datetime] = field(default=utc_now)
    ids: Callable[[], str] = field(default=new_id)
