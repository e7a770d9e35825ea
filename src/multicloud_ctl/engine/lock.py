"""Two locks for every mutating run: a local file lock and an environment-wide lease in DynamoDB.

The file lock stops cron from overlapping runs on one machine; the lease (a conditional write with an
expiry) stops two operators on two machines. The lease table lives in the primary AWS region and falls back
to the secondary when the primary does not answer (a failover is exactly when the primary may be down).
The DynamoDB calls themselves are `providers/aws/lease_table.py`'s; this module holds the policy.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from multicloud_ctl.errors import EndpointUnreachable, LockHeld, NotFound, ProviderError

if TYPE_CHECKING:
    from multicloud_ctl.engine.run import Operation
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.providers.aws.lease_table import LeaseTable

T = TypeVar("T")


def owner_id() -> str:
    return f"{os.environ.get('USER', 'unknown')}@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class LocalLock:
    """An exclusive, non-blocking file lock with a JSON note saying who holds it."""

    path: Path

    @property
    def info_path(self) -> Path:
        return self.path.with_suffix(".json")

    def holder(self) -> dict[str, Any] | None:
        try:
            return dict(json.loads(self.info_path.read_text()))
        except (OSError, json.JSONDecodeError):
            return None

    @contextmanager
    def hold(self, name: str, owner: str, now: datetime) -> Iterator[None]:
        from filelock import FileLock, Timeout

        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.path), timeout=0)
        try:
            lock.acquire()
        except Timeout:
            who = self.holder() or {}
            raise LockHeld(
                f"another `{who.get('name', name)}` run holds the local lock "
                f"(owner {who.get('owner', '?')}, since {who.get('since', '?')})",
                hint="wait for it to finish; `mcctl lock status` shows it",
            ) from None
        try:
            self.info_path.write_text(json.dumps({"name": name, "owner": owner, "since": now.isoformat()}))
            yield
        finally:
            self.info_path.unlink(missing_ok=True)
            lock.release()


@dataclass
class CloudLease:
    """An environment-wide lease: one DynamoDB item per lock name, taken with a conditional write."""

    runtime: Runtime

    @property
    def table(self) -> str:
        return self.runtime.environment.aws.tables.locks

    def _regions(self) -> list[str]:
        aws = self.runtime.environment.aws
        return [aws.regions.primary, aws.regions.secondary]

    def _call(self, fn: Callable[[LeaseTable], T]) -> T:
        """Run `fn(table)` on the lease table of the first region that answers."""
        from multicloud_ctl.providers.aws.lease_table import LeaseTable

        last: Exception | None = None
        for region in self._regions():
            try:
                return fn(LeaseTable(self.runtime.aws, self.table, region))
            except EndpointUnreachable as exc:
                last = exc
        assert last is not None
        raise last

    def ensure_table(self) -> None:
        tags = self.runtime.environment.resource_tags()
        self._call(lambda table: table.ensure(tags))

    def acquire(self, name: str, owner: str, ttl: timedelta) -> None:
        now = self.runtime.clock()

        def put(table: LeaseTable) -> None:
            if table.put(name, owner, since=now, expires=now + ttl, now=now):
                return
            held = self.status(name) or {}
            raise LockHeld(
                f"the {self.runtime.environment.name} environment lease {name!r} is held by "
                f"{held.get('owner', '?')} since {held.get('since', '?')} (expires {held.get('expires', '?')})",
                hint="another operator is running; wait, or `mcctl lock break` if that run is dead",
            )

        try:
            self._call(put)
        except NotFound:  # the first lease in this environment: make the table, then take it
            self.ensure_table()
            self._call(put)

    def release(self, name: str, owner: str) -> None:
        self._call(lambda table: table.delete(name, owner))  # not the owner (any more): nothing to release

    def status(self, name: str | None = None) -> Any:
        """One lease (by name) or all of them; expired leases are marked."""
        now = int(self.runtime.clock().timestamp())
        try:
            items = self._call(lambda table: table.items())
        except NotFound:
            items = []
        leases = [
            {
                "name": i.name,
                "owner": i.owner,
                "since": i.since,
                "expires": datetime.fromtimestamp(i.expires, tz=self.runtime.clock().tzinfo).isoformat(),
                "expired": i.expires < now,
            }
            for i in items
        ]
        if name is None:
            return leases
        return next((lease for lease in leases if lease["name"] == name), None)

    def break_lease(self, name: str) -> bool:
        existed = self.status(name) is not None
        self._call(lambda table: table.delete(name))
        return existed


@contextmanager
def run_lock(runtime: Runtime, name: str, *, lease: bool = True) -> Iterator[str]:
    """Hold the local lock and (unless `lease=False`) the environment lease for `name`.

    Yields the owner id. Under dry run nothing is taken: a dry run makes no mutating call.
    """
    owner = owner_id()
    if runtime.dry_run:
        yield owner
        return
    local = LocalLock(runtime.state_dir / "locks" / f"{name}.lock")
    with local.hold(name, owner, runtime.clock()):
        if not lease:
            yield owner
            return
        cloud = CloudLease(runtime)
        ttl = timedelta(seconds=runtime.environment.lease.ttl_seconds)
        cloud.acquire(name, owner, ttl)
        try:
            yield owner
        finally:
            for _ in range(3):
                try:
                    cloud.release(name, owner)
                    break
                except ProviderError:
                    time.sleep(0.5)


def break_operation(name: str) -> Operation:
    """`lock break NAME` for the run lifecycle: read the lease, confirm (naming its owner), delete it.

    It takes no lock itself: the lease it breaks is the lock.
    """
    from multicloud_ctl.engine.plan import Plan, Step
    from multicloud_ctl.engine.run import Operation

    def plan(runtime: Runtime) -> Plan:
        held = CloudLease(runtime).status(name)
        if held is None:
            return Plan("lock break", summary={"name": name, "held": None})
        step = Step.bulk(
            "break-lease",
            f"delete lease {name!r} held by {held['owner']}",
            lambda ctx: CloudLease(ctx.runtime).break_lease(name),
            provider="aws",
        )
        return Plan("lock break", (step,), summary={"name": name, "held": held})

    return Operation(
        "lock break",
        plan,
        inputs={"name": name},
        question=lambda p: f"Break lease {name!r} held by {p.summary['held']['owner']}?",
    )
