"""The provider-neutral half of the dry-run guard: decide whether a call mutates, refuse it, count it.

Under `--dry-run` no mutating call may leave the process. The Azure pipeline policy (`providers/azure/guard.py`) and the
Cloudflare httpx hook (`providers/cloudflare/client.py`) both delegate to one `MutationGuard`, which
refuses every method other than GET/HEAD/OPTIONS unless the (method, path) is on an explicit allow-list
of read-only POSTs (Cost Management `query`, `.../list` actions). It counts what it refused and what it
let through, so tests assert "zero mutating calls" on real numbers. This module imports no SDK.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from multicloud_ctl.errors import DryRunViolation

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RECENT = 1000  # calls kept in `MutationGuard.operations`

DryRunRefused = DryRunViolation
"""A mutating cloud call was attempted during a dry run (a bug in the planner: it must only read)."""


@dataclass
class MutationGuard:
    """Refuses mutating calls when `dry_run` is on; counts calls like the AWS `CallCounter` does.

    `total` every call seen, `mutating` mutating calls that were sent, `blocked` mutating calls refused
    under dry run, `operations` "METHOD /path" of the newest `RECENT` calls in order. Only the newest: one
    string per request (~150 bytes with a blob's path) was the last thing a backup's memory grew with
    (`bench/backup_memory.py`: ~15 MiB at 100,000 objects); the counts stay exact.
    """

    provider: str
    dry_run: bool = False
    read_only_posts: tuple[str, ...] = ()
    total: int = 0
    mutating: int = 0
    blocked: int = 0
    operations: deque[str] = field(default_factory=lambda: deque(maxlen=RECENT))
    # told (method, url) of each mutating call that is let through, before it is sent: a client's cached
    # listings drop what the call may change
    on_mutation: Callable[[str, str], None] | None = field(default=None, repr=False)
    _patterns: list[re.Pattern[str]] = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self._patterns = [re.compile(p, re.IGNORECASE) for p in self.read_only_posts]

    def allow(self, patterns: Iterable[str]) -> None:
        """Add read-only POST path patterns (searched against the URL path)."""
        self._patterns.extend(re.compile(p, re.IGNORECASE) for p in patterns)

    def is_mutating(self, method: str, url: str) -> bool:
        method = method.upper()
        if method in READ_METHODS:
            return False
        if method == "POST":
            path = urlsplit(url).path
            return not any(p.search(path) for p in self._patterns)
        return True

    def check(self, method: str, url: str) -> None:
        """Raise `DryRunViolation` for a mutating call under dry run; otherwise count it and let it pass."""
        call = f"{method.upper()} {urlsplit(url).path}"
        mutating = self.is_mutating(method, url)
        blocked = mutating and self.dry_run
        with self._lock:
            self.total += 1
            self.mutating += int(mutating and not blocked)
            self.blocked += int(blocked)
            self.operations.append(call)
        if mutating and not blocked and self.on_mutation is not None:
            self.on_mutation(method, url)
        if blocked:
            raise DryRunViolation(
                f"refused a mutating {self.provider} call under --dry-run: {call}",
                hint="this is a bug in the operation's plan: dry-run must make no mutating call",
            )
