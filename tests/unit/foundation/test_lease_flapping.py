"""The lease's quorum logic with stores that come and go (`engine/lock.py` CloudLease), on in-memory stores of
the same interface as `engine/lease_stores.py` (the SDK-backed stores are tested in
tests/integration/foundation/test_lease_quorum.py): what is asked, what is skipped as dark, when it refuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from multicloud_ctl.errors import EndpointUnreachable

TTL = timedelta(minutes=15)


class MemStore:
    """One lease store: conditional grant/renew/release on (owner, token), or EndpointUnreachable when down."""

    def __init__(self, kind: str) -> None:
        self.kind, self.up, self.asked, self.delay = kind, True, 0, 0.0
        self.rows: dict[str, tuple[str, int, datetime]] = {}  # lock -> (owner, token, expires)
        self.tokens = 0

    def _call(self) -> None:
        import time

        self.asked += 1
        time.sleep(self.delay)
        if not self.up:
            raise EndpointUnreachable(f"{self.kind} is down")

    def grant(self, lock: str, owner: str, since: datetime, expires: datetime, now: datetime) -> int | None:
        self._call()
        row = self.rows.get(lock)
        if row is not None and row[0] != owner and row[2] > now:
            return None
        if row is None or row[0] != owner:
            self.tokens += 1
        self.rows[lock] = (owner, self.tokens, expires)
        return self.tokens

    def renew(self, lock: str, owner: str, token: int, expires: datetime) -> bool:
        self._call()
        row = self.rows.get(lock)
        if row is None or row[:2] != (owner, token):
            return False
        self.rows[lock] = (owner, token, expires)
        return True

    def leases(self) -> list[Any]:
        from multicloud_ctl.engine.lease_stores import StoredLease

        self._call()
        return [StoredLease(k, o, "", int(e.timestamp()), t) for k, (o, t, e) in self.rows.items()]

    def release(self, lock: str, owner: str) -> None:
        self._call()
        row = self.rows.get(lock)
        if row is not None and row[0] == owner:
            self.rows[lock] = (owner, row[1], datetime.fromtimestamp(0, tz=UTC))


@pytest.fixture
def quorum() -> tuple[Any, dict[str, MemStore]]:
    from multicloud_ctl.config.loader import load_environment
    from multicloud_ctl.engine.lock import CloudLease
    from multicloud_ctl.engine.runtime import Runtime

    env = load_environment("local", Path(__file__).resolve().parents[3] / "config")
    env = env.model_copy(update={"lease": env.lease.model_copy(update={"stores": ["aws", "azure", "cloudflare"]})})
    stores = {kind: MemStore(kind) for kind in ("aws", "azure", "cloudflare")}
    cloud = CloudLease(Runtime(env))
    cloud.__dict__["_built"] = list(stores.values())
    return cloud, stores


def joined(fence: Any) -> None:
    """Wait for the third store's grant (the acquire returns on the first two)."""
    import time

    until = time.monotonic() + 5
    while len(fence.grants) < 3 and time.monotonic() < until:
        time.sleep(0.02)
    assert sorted(fence.grants) == ["aws", "azure", "cloudflare"]


def test_a_store_written_off_as_dark_is_asked_again_when_the_others_fall_short(quorum: Any) -> None:
    import time

    cloud, stores = quorum
    fence = cloud.acquire("failover", "alice", TTL)
    joined(fence)
    stores["cloudflare"].up = False
    cloud.renew(fence, TTL)  # aws + azure; cloudflare, when its error comes, remembered as dark
    until = time.monotonic() + 5
    while "cloudflare" not in cloud._dark and time.monotonic() < until:
        time.sleep(0.02)
    asked = stores["cloudflare"].asked
    cloud.renew(fence, TTL)
    assert stores["cloudflare"].asked == asked  # skipped while the others suffice
    stores["cloudflare"].up, stores["azure"].up = True, False
    cloud.renew(fence, TTL)  # azure fails: cloudflare, written off a moment ago, is asked after all
    assert stores["cloudflare"].asked == asked + 1


def test_two_stores_away_refuses_in_one_line_and_the_lease_is_kept_once_they_are_back(quorum: Any) -> None:
    cloud, stores = quorum
    fence = cloud.acquire("failover", "alice", TTL)
    joined(fence)
    stores["azure"].up = stores["cloudflare"].up = False
    with pytest.raises(EndpointUnreachable, match="could not be confirmed") as refused:
        cloud.renew(fence, TTL)
    assert "\n" not in str(refused.value)
    stores["azure"].up = stores["cloudflare"].up = True
    cloud.renew(fence, TTL)  # both written off as dark, asked again: no majority without them
    with pytest.raises(Exception, match="held by alice"):
        cloud.acquire("failover", "bob", TTL)


def test_a_grant_that_comes_after_the_majority_joins_the_fence(quorum: Any) -> None:
    """The acquire returns on the first two grants; the slow store's grant, when it comes, is this run's too:
    renewals count it, so losing one of the first two stores later still leaves a majority."""
    import time

    cloud, stores = quorum
    stores["cloudflare"].delay = 0.5
    started = time.monotonic()
    fence = cloud.acquire("failover", "alice", TTL)
    assert time.monotonic() - started < 0.4 and sorted(fence.grants) == ["aws", "azure"]  # did not wait
    until = time.monotonic() + 5
    while "cloudflare" not in fence.grants and time.monotonic() < until:
        time.sleep(0.05)
    assert sorted(fence.grants) == ["aws", "azure", "cloudflare"]
    stores["cloudflare"].delay, stores["aws"].up = 0.0, False
    cloud.renew(fence, TTL)  # azure + the late grant's store
