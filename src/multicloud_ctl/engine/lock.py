"""Two locks for every mutating run: a local file lock and an environment-wide lease.

The file lock stops cron from overlapping runs on one machine; the lease (conditional writes with an expiry)
stops two operators on two machines. The lease lives in DynamoDB alone (primary region, the secondary when the
primary does not answer) or, with `lease.stores: [aws, azure, cloudflare]`, in a majority of three stores, one
per cloud, so it can be taken with any one cloud dark: `CloudLease` explains the design and its failure cases.
The stores' calls are `engine/lease_stores.py`'s; this module holds the policy.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from multicloud_ctl.engine.clock import iso
from multicloud_ctl.errors import EndpointUnreachable, LockHeld, OutcomeUnknown, ProviderError

if TYPE_CHECKING:
    from multicloud_ctl.engine.run import Operation
    from multicloud_ctl.engine.runtime import Runtime

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

    def live_holder(self) -> dict[str, Any] | None:
        """The holder's note only while the lock is really held: a killed run leaves its note behind (its
        `finally` never ran) but the kernel dropped its lock, so the note alone says nothing."""
        from filelock import FileLock, Timeout

        note = self.holder()
        if note is None or not self.path.exists():
            return None
        probe = FileLock(str(self.path), timeout=0)
        try:
            probe.acquire()
        except Timeout:
            return note
        probe.release()
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
class Fence:
    """What a holder of the environment lease has: the grants of a majority of stores and the fencing token
    (the highest of their tokens: every store's token only grows, so a later holder's is higher)."""

    name: str
    owner: str
    grants: dict[str, int]  # store kind -> its token
    confirmed_at: float = 0.0  # time.monotonic() of the last confirmation

    @property
    def token(self) -> int:
        return max(self.grants.values())


@dataclass
class CloudLease:
    """The environment lease: a majority of independent stores (`engine/lease_stores.py`).

    Design. A lease is held when a majority of the configured stores (1 of 1, or 2 of 3: DynamoDB in the primary
    region, a blob in Azure, a D1 table in Cloudflare) grant it. Each store grants atomically (a conditional
    write: free, released, expired, or already ours), so two contenders can never both collect a majority: any
    two majorities share a store, and that store granted only one of them. The stores are asked in parallel,
    each within `lease.store_timeout_seconds`; a store that does not answer counts as a refusal. A contender
    that falls short releases what it got, so a tie (each with one store, the third unreachable) leaves the
    lease free for the next attempt instead of stuck until the TTL.

    Failure cases. Any one cloud dark: the other two stores still form a majority (the failover to Azure runs
    with AWS gone, and the other way round). Two clouds dark: no majority, the run is refused with the stores that
    did not answer (no action that needs the lease can run then; that is the price of never having two
    holders). A store that answers slowly (later than the timeout) may grant after the contender gave up on it:
    that grant is one store's vote, which the contender then releases; at worst it blocks that store until the
    TTL, and the other two stores still decide. Clock skew between the operators' machines shifts when an
    expired lease counts as free by the skew; keep TTLs long (minutes) against seconds of skew.

    Fencing. Every grant carries the store's token, which grows by one each time the lease changes hands. The
    executor confirms the lease (renews it on a majority, conditioned on owner and token) before each mutating
    step, at most every `CONFIRM_EVERY` seconds of monotonic time, so a run that lost its lease (expired while it
    was paused, or broken with `lock break`) stops before its next mutation; time spent paused counts, so a
    pause longer than that interval always triggers a confirmation. The window that remains is a mutation already
    sent when the lease was lost: a store-side fence (a token checked by Cloudflare or SQL) is what would close
    it, and none of the services we call accepts one.
    """

    runtime: Runtime
    # store kind -> (monotonic time until which it is not asked, the failure it gave); see `_each`
    _dark: dict[str, tuple[float, BaseException]] = field(default_factory=dict, repr=False)
    _dark_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _unsure: set[str] = field(default_factory=set, repr=False)  # stores whose grant timed out (may have landed)

    @property
    def table(self) -> str:
        return self.runtime.environment.aws.tables.locks

    def _stores(self) -> list[Any]:
        """The configured stores, built once per CloudLease (each caches what it looked up, e.g. D1's id)."""
        from multicloud_ctl.engine.lease_stores import stores

        cached = self.__dict__.get("_built")
        if cached is None:
            cached = self.__dict__["_built"] = stores(self.runtime)
        return list(cached)

    @property
    def majority(self) -> int:
        return len(self.runtime.environment.lease.stores) // 2 + 1

    def _each(
        self,
        fn: Callable[[Any], T],
        *,
        enough: Callable[[dict[str, T | BaseException]], bool] | None = None,
        on_late: Callable[[str, T | BaseException], None] | None = None,
        linger: float = 0.0,
    ) -> dict[str, T | BaseException]:
        """`fn(store)` on every store at once; each answer, or the exception it raised (or a timeout).

        `enough(answers so far)`: stop waiting as soon as it is true (a majority granted or renewed). A store
        that is partitioned away (packets dropped, not refused) answers nothing until its SDK gives up, and
        waiting for it is waiting for a vote that is no longer needed: with AWS cut off from the operator, the
        failover's lease waited the whole `store_timeout_seconds` (10 s) before its first step although Azure
        and Cloudflare had granted it within 50 ms. A store still unanswered then counts as not answering (the
        same vote as a timeout); its request goes on in a daemon thread, which never holds up the process's
        exit; its late answer updates the store's dark mark and goes to `on_late(kind, answer)` (the acquire
        adds a late grant to the fence, so renewals count that store too). `linger`: once `enough` is true, how
        long to go on waiting for the stores still answering (the release's, so that its last request is not cut
        off by the process's exit).

        A store that did not answer (raised, or timed out) is not asked again for `DARK_FOR` seconds while the
        others can still form a majority: its answer is that same failure, at once. Without this every later
        call of the run (the confirmations before mutating steps, each heartbeat, the release) waited for the
        dark store's SDK retries or the whole `store_timeout_seconds` again: a backup of 8,000 objects with the
        sandbox's Cloudflare store down took 31 s instead of 2.6 s. Not asking a store is the same vote as a
        store that does not answer, so the quorum's guarantees do not change. When the stores asked fall short
        of `enough`, those skipped are asked after all: a flapping store that is back must not cost a refusal
        with a majority within reach. A single store is always asked.
        """

        stores = self._stores()
        if len(stores) == 1:  # no thread and no memory for the single-store lease
            try:
                return {stores[0].kind: fn(stores[0])}
            except (ProviderError, OSError) as exc:
                return {stores[0].kind: exc}
        out: dict[str, T | BaseException] = dict(self._skipped(stores))
        self._ask([s for s in stores if s.kind not in out], fn, enough, on_late, out, linger)
        if enough is not None and not enough(out) and any(isinstance(out.get(s.kind), Skipped) for s in stores):
            # a store skipped as dark may be back (a flapping store): short of what is needed, ask it after all
            # rather than refuse with a majority within reach
            self._ask([s for s in stores if isinstance(out.get(s.kind), Skipped)], fn, enough, on_late, out, linger)
        return out

    def _ask(
        self,
        asked: list[Any],
        fn: Callable[[Any], T],
        enough: Callable[[dict[str, T | BaseException]], bool] | None,
        on_late: Callable[[str, T | BaseException], None] | None,
        out: dict[str, T | BaseException],
        linger: float = 0.0,
    ) -> None:
        """Ask `asked` at once and put their answers into `out` (see `_each`)."""
        import queue

        limit = self.runtime.environment.lease.store_timeout_seconds
        answers: queue.SimpleQueue[tuple[str, T | BaseException]] = queue.SimpleQueue()

        answered: dict[str, T | BaseException] = {}  # guarded by _dark_lock, with the marks and `stopped`
        stopped: list[bool] = []

        def ask(store: Any) -> None:
            answer: T | BaseException
            try:
                answer = fn(store)
            except Exception as exc:
                answer = exc
            with self._dark_lock:  # also when it comes after the caller stopped waiting
                answered[store.kind] = answer
                self._mark(store.kind, answer)
                late = bool(stopped)
            if late and on_late is not None:
                on_late(store.kind, answer)
            answers.put((store.kind, answer))

        for store in asked:
            threading.Thread(target=ask, args=(store,), daemon=True, name=f"mcctl-lease-{store.kind}").start()
        waiting = {s.kind for s in asked}
        deadline = time.monotonic() + limit
        stop, lingering = deadline, False
        while waiting:
            if not lingering and enough is not None and enough(out):
                stop, lingering = min(time.monotonic() + linger, deadline), True  # `linger` more for the rest
            try:
                kind, answer = answers.get(timeout=max(stop - time.monotonic(), 0.0))
            except queue.Empty:
                break
            waiting.discard(kind)
            out[kind] = answer
        early = time.monotonic() < deadline
        with self._dark_lock:
            stopped.append(True)
            for kind in waiting:
                if kind in answered:  # answered between the last look and now: not late after all
                    out[kind] = answered[kind]
                    continue
                if early:  # not dark: only slower than the majority (its thread marks it when it answers)
                    out[kind] = EndpointUnreachable(f"the {kind} lease store had not answered when a majority had")
                    continue
                out[kind] = EndpointUnreachable(f"the {kind} lease store did not answer within {limit:g}s")
                self._mark(kind, out[kind])  # dark until it answers (its thread clears the mark if it does)

    def _mark(self, kind: str, answer: object) -> None:
        """Remember a store that failed as dark for `DARK_FOR` seconds; one that answered is not dark.
        Called with `_dark_lock` held."""
        if isinstance(answer, BaseException):
            self._dark[kind] = (time.monotonic() + DARK_FOR, answer)
        else:
            self._dark.pop(kind, None)

    def _skipped(self, stores: list[Any]) -> dict[str, BaseException]:
        """The stores not to ask this time (dark within `DARK_FOR`), as long as the rest can make a majority."""
        now = time.monotonic()
        with self._dark_lock:
            dark = {k: v for k, (until, v) in self._dark.items() if until > now}
        if len(stores) - len(dark) < self.majority:
            return {}
        return {
            kind: Skipped(f"the {kind} lease store is not asked again for {DARK_FOR:g}s: {exc}")
            for kind, exc in dark.items()
        }

    def ensure_table(self) -> None:
        from multicloud_ctl.providers.aws.lease_table import LeaseTable

        aws = self.runtime.environment.aws
        LeaseTable(self.runtime.aws, self.table, aws.regions.primary).ensure(self.runtime.environment.resource_tags())

    def try_store(self, store: Any, name: str, owner: str, ttl: timedelta) -> int | BaseException | None:
        """One store's answer to a request for the lease (for tests that force an interleaving)."""
        now = self.runtime.clock()
        try:
            return store.grant(name, owner, now, now + ttl, now)  # type: ignore[no-any-return]
        except (ProviderError, OSError) as exc:
            return exc

    def _granted(self, answers: dict[str, Any]) -> bool:
        """A majority of the answers so far are grants (a store's token)."""
        return sum(1 for v in answers.values() if isinstance(v, int) and not isinstance(v, bool)) >= self.majority

    def settle(self, name: str, owner: str, answers: dict[str, int | BaseException | None]) -> Fence:
        """The lease from the stores' answers: held on a majority, else released where granted and refused."""
        grants = {k: v for k, v in answers.items() if isinstance(v, int) and not isinstance(v, bool)}
        if len(grants) >= self.majority:
            return Fence(name, owner, grants, time.monotonic())
        for store in self._stores():
            if store.kind in grants:
                with contextlib.suppress(ProviderError, OSError):  # else it expires with its TTL
                    store.release(name, owner)
        held = [k for k, v in answers.items() if v is None]
        down = {k: v for k, v in answers.items() if isinstance(v, BaseException)}
        total = len(answers)
        if held:
            who = self.status(name) or {}
            raise LockHeld(
                f"the {self.runtime.environment.name} environment lease {name!r} is held by "
                f"{who.get('owner') or 'another run'} since {who.get('since', '?')} "
                f"(expires {who.get('expires', '?')}); {len(grants)} of {total} store(s) granted it, "
                f"{self.majority} needed",
                hint="another operator is running; wait, or `mcctl lock break` if that run is dead",
            )
        reasons = "; ".join(f"{k}: {v}" for k, v in down.items())
        raise EndpointUnreachable(
            f"the environment lease needs {self.majority} of {total} store(s) and {len(grants)} granted it ({reasons})",
            hint="with one cloud down the other two stores decide: check `lease.stores` and the stores' endpoints",
        )

    def acquire(self, name: str, owner: str, ttl: timedelta) -> Fence:
        now = self.runtime.clock()
        held: list[Fence] = []  # the fence, once there is one; late grants before that wait in `late`
        late: dict[str, int] = {}

        def on_late(kind: str, answer: int | BaseException | None) -> None:
            if isinstance(answer, int) and not isinstance(answer, bool):
                with self._dark_lock:  # a new dict, not a change to one a renewal may be reading
                    if held:
                        held[0].grants = {**held[0].grants, kind: answer}
                    else:
                        late[kind] = answer

        answers = self._each(lambda s: s.grant(name, owner, now, now + ttl, now), enough=self._granted, on_late=on_late)
        unsure = [k for k, v in answers.items() if isinstance(v, OutcomeUnknown)]
        self._unsure.update(unsure)
        try:
            if len(answers) == 1:
                (only,) = answers.values()
                if isinstance(only, BaseException):
                    raise only
            fence = self.settle(name, owner, answers)
            with self._dark_lock:
                fence.grants = {**fence.grants, **late}
                held.append(fence)
            return fence
        except (ProviderError, OSError):
            self._resolve(name, owner, unsure)
            raise

    def _resolve(self, name: str, owner: str, kinds: list[str] | set[str]) -> None:
        """Release `name` on the stores whose grant timed out: the write was sent and may have landed after the
        client gave up, and a lease nobody knows it holds would block every run until its TTL (a frozen moto once
        left a dead process holding `failover` until `lock break`). The release is conditional on the owner, so
        it changes nothing when the grant did not land; best effort, asked directly (a dark store too)."""
        for store in self._stores():
            if store.kind in kinds:
                with contextlib.suppress(ProviderError, OSError):
                    store.release(name, owner)
                    self._unsure.discard(store.kind)

    def renew(self, fence: Fence, ttl: timedelta) -> None:
        """Renew the lease on a majority, or raise LeaseLost: the run must stop before it mutates anything else."""
        from multicloud_ctl.errors import LeaseLost

        expires = self.runtime.clock() + ttl
        answers = self._each(
            lambda s: s.renew(fence.name, fence.owner, fence.grants.get(s.kind, -1), expires),
            enough=lambda got: sum(1 for k, v in got.items() if v is True and k in fence.grants) >= self.majority,
        )
        kept = sum(1 for kind, v in answers.items() if v is True and kind in fence.grants)
        refused = sum(1 for kind, v in answers.items() if v is False or (v is True and kind not in fence.grants))
        if kept < self.majority and len(answers) - refused < self.majority:
            raise LeaseLost(
                f"the environment lease {fence.name!r} is no longer this run's ({kept} of {len(answers)} store(s) "
                "still grant it): it expired or was broken, and another run may hold it now",
                hint="nothing more was changed; check `mcctl lock status` and `mcctl journal show last`",
            )
        if kept < self.majority:  # not refused, only not answered: unknown, so not confirmed either
            down = "; ".join(f"{k}: {v}" for k, v in answers.items() if isinstance(v, BaseException))
            raise EndpointUnreachable(
                f"the environment lease {fence.name!r} could not be confirmed ({kept} of {len(answers)} store(s) "
                f"answered yes; {down})",
                hint="check the lease stores' endpoints; the run stopped before its next change",
            )
        fence.confirmed_at = time.monotonic()

    def release(self, name: str, owner: str) -> None:
        """Release on every store; returns once a majority has released and the rest answered, or `RELEASE_LINGER`
        after the majority (the lease is free then: a store still answering goes on in its thread, and if the
        process ends first its record expires with the TTL)."""
        answers = self._each(
            lambda s: s.release(name, owner),
            enough=lambda got: sum(1 for v in got.values() if not isinstance(v, BaseException)) >= self.majority,
            linger=RELEASE_LINGER,
        )
        self._unsure.difference_update(k for k, v in answers.items() if not isinstance(v, BaseException))
        if self._unsure:  # a grant that timed out on a store skipped as dark: it may hold the lease for us
            self._resolve(name, owner, set(self._unsure))
        failed = [v for v in answers.values() if isinstance(v, BaseException)]
        if len(failed) == len(answers):
            raise failed[0]

    def status(self, name: str | None = None) -> Any:
        """One lease (by name) or all of them, as the majority of stores sees it; expired leases are marked."""
        now = int(self.runtime.clock().timestamp())
        answers = self._each(lambda s: s.leases())
        views: dict[str, dict[str, Any]] = {}
        for kind, got in answers.items():
            if isinstance(got, BaseException):
                continue
            for item in got:
                views.setdefault(item.name, {})[kind] = item
        leases = []
        for lock, by_store in sorted(views.items()):
            live = [i for i in by_store.values() if i.expires >= now]
            owners = [i.owner for i in live]
            owner = max(set(owners), key=owners.count) if owners else None
            held = owner is not None and owners.count(owner) >= self.majority
            if not live and all(i.expires == 0 for i in by_store.values()):
                continue  # released everywhere
            # held until the majority-th latest expiry among the owner's grants (a renewal returns once a
            # majority renewed: a third store's may still be on its way)
            mine = sorted((i for i in live if i.owner == owner), key=lambda i: i.expires, reverse=True)
            shown = mine[min(self.majority, len(mine)) - 1] if mine else max(by_store.values(), key=lambda i: i.expires)
            leases.append(
                {
                    "name": lock,
                    "owner": shown.owner,
                    "since": shown.since,
                    "expires": iso(datetime.fromtimestamp(shown.expires, tz=UTC)),
                    "expired": not held,
                    "token": max(i.token for i in by_store.values()),
                    "stores": {k: (i.owner if i.expires >= now else None) for k, i in by_store.items()},
                }
            )
        unreachable = [k for k, v in answers.items() if isinstance(v, BaseException)]
        if len(unreachable) == len(answers):
            raise next(v for v in answers.values() if isinstance(v, BaseException))
        if name is None:
            return leases
        return next((lease for lease in leases if lease["name"] == name), None)

    def break_lease(self, name: str) -> bool:
        existed = self.status(name) is not None
        answers = self._each(lambda s: s.expire(name))
        failed = [v for v in answers.values() if isinstance(v, BaseException)]
        if len(failed) == len(answers):
            raise failed[0]
        return existed


class Skipped(EndpointUnreachable):
    """A lease store not asked this time: it did not answer within the last `DARK_FOR` seconds."""


DARK_FOR = 30.0  # seconds a lease store that did not answer is not asked again (see CloudLease._each)
# seconds the release waits, once a majority has released, for the stores still answering: the process exits
# without waiting for daemon threads (`cli/entry.py`), so a slower store's release was cut off mid-request (its
# record then held until the TTL, and the sandbox's Cloudflare fake saw half a request: an empty body)
RELEASE_LINGER = 1.0
CONFIRM_EVERY = 2.0  # seconds of monotonic time between lease confirmations before mutating steps


class Heartbeat:
    """Renews a held lease every third of its TTL while the run lasts, so a long step (a backup's copy, a
    sync's follow) never outlives it: without it a second machine could take the lease of a run still working
    once the TTL passed. A renewal that finds the lease gone marks it lost: the next mutating step stops
    (`check`). A store that does not answer one beat is asked again at the next."""

    def __init__(self, cloud: CloudLease, fence: Fence, ttl: timedelta) -> None:
        import threading

        self.cloud, self.fence, self.ttl = cloud, fence, ttl
        self.interval = max(ttl.total_seconds() / 3, 1.0)
        self._stop = threading.Event()
        self.lost: BaseException | None = None
        self.beats = 0
        self._thread = threading.Thread(target=self._run, daemon=True, name="mcctl-lease-heartbeat")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.cloud.runtime.environment.lease.store_timeout_seconds + 1)

    def _run(self) -> None:
        from multicloud_ctl.errors import LeaseLost

        while not self._stop.wait(self.interval):
            try:
                self.cloud.renew(self.fence, self.ttl)
                self.beats += 1
            except LeaseLost as exc:
                self.lost = exc
                return
            except (ProviderError, OSError):
                continue

    def check(self) -> None:
        if self.lost is not None:
            raise self.lost


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
        fence = cloud.acquire(name, owner, ttl)

        beat = Heartbeat(cloud, fence, ttl)

        confirming = threading.Lock()

        def confirm() -> None:
            beat.check()
            # one confirmation at a time: the steps of a parallel workflow that reach it together wait for the
            # one that renews, then find the lease fresh (one write per interval, not one per step)
            with confirming:
                if time.monotonic() - fence.confirmed_at >= CONFIRM_EVERY:
                    cloud.renew(fence, ttl)

        runtime.fence = confirm
        beat.start()
        try:
            yield owner
        finally:
            runtime.fence = None
            beat.stop()
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
