"""Reclaim an environment lease left by a run that died on this machine (SIGKILL, OOM, reboot).

`run_lock` takes a local file lock and an environment lease with an expiry. A killed process releases
the file lock at once (the kernel drops it) but its lease would block every rerun until it expires. A
lease whose owner (`user@host:pid:nonce`) names this host and a pid that no longer exists cannot be held
by anyone alive, so the next run breaks it and says so in its journal (the engine does this for every verb
that takes a lease: `engine/run.py`). Leases from other hosts are never touched: that is what `mcctl lock
break` is for.
"""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from multicloud_ctl.engine.runtime import Runtime


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def dead_local_owner(owner: str, hostname: str | None = None) -> bool:
    """True when `owner` is a process on this host that no longer exists."""
    try:
        who, pid, _nonce = owner.rsplit(":", 2)
        host = who.split("@", 1)[1]
        number = int(pid)
    except (ValueError, IndexError):
        return False
    return host == (hostname or socket.gethostname()) and not pid_alive(number)


def reclaim_dead_lease(runtime: Runtime, name: str) -> str | None:
    """Break `name`'s lease when its owner died on this host; returns the dead owner, else None."""
    from multicloud_ctl.engine.lock import CloudLease

    lease = CloudLease(runtime)
    held = lease.status(name)
    if not held or held.get("expired") or not dead_local_owner(str(held.get("owner", ""))):
        return None
    lease.break_lease(name)
    return str(held["owner"])
