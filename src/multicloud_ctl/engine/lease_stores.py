"""The three stores of the environment lease, one per failure domain: DynamoDB (AWS), a blob (Azure), D1
(Cloudflare). `engine/lock.py` holds the quorum policy; each store here only answers "granted, with this
fencing token", "held by someone else" or raises (unreachable, throttled, refused).

Every store keeps, per lock name: owner, since, expires (epoch seconds) and a token that grows by one each
time the lease changes hands (never reset: a release sets `expires` to 0 and keeps the row). Taking the lease
succeeds when it is free (absent, released or expired at `now`) or already ours; renewing it succeeds only
while it is still ours with the same token. Each store makes that one atomic step:

- DynamoDB: one UpdateItem with a ConditionExpression (`ADD token 1` when it changes hands), ALL_NEW returned.
- Azure Blob: compare-and-swap on `<container>/<env>/<lock>.json` (`providers/azure/blob_cas.py`: Put Blob with
  If-None-Match: * to create, If-Match: <etag> to replace).
- Cloudflare D1: one `INSERT ... ON CONFLICT DO UPDATE ... WHERE ... RETURNING` (SQLite upsert on D1's single
  primary), params as strings (D1's API takes string params only).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from multicloud_ctl.engine.runtime import Runtime


@dataclass(frozen=True)
class StoredLease:
    """One lease as a store holds it."""

    name: str
    owner: str
    since: str
    expires: int  # epoch seconds; 0: released
    token: int


class LeaseStore(Protocol):
    """One store of the quorum (see the module docstring)."""

    kind: str

    def grant(self, lock: str, owner: str, since: datetime, expires: datetime, now: datetime) -> int | None: ...

    def renew(self, lock: str, owner: str, token: int, expires: datetime) -> bool: ...

    def release(self, lock: str, owner: str) -> None: ...

    def expire(self, lock: str) -> None: ...

    def leases(self) -> list[StoredLease]: ...


def _epoch(at: datetime) -> int:
    return int(at.timestamp())


class DynamoStore:
    """The lease table in one region (`providers/aws/lease_table.py`), created on first use."""

    kind = "aws"

    def __init__(self, runtime: Runtime, region: str) -> None:
        from multicloud_ctl.providers.aws.lease_table import LeaseTable

        self.runtime = runtime
        self.region = region
        self.table = LeaseTable(runtime.aws, runtime.environment.aws.tables.locks, region)

    def grant(self, lock: str, owner: str, since: datetime, expires: datetime, now: datetime) -> int | None:
        from multicloud_ctl.errors import NotFound

        try:
            return self.table.grant(lock, owner, since.isoformat(), _epoch(expires), _epoch(now))
        except NotFound:  # the environment's first lease: make the table, then take it
            self.table.ensure(self.runtime.environment.resource_tags())
            return self.table.grant(lock, owner, since.isoformat(), _epoch(expires), _epoch(now))

    def renew(self, lock: str, owner: str, token: int, expires: datetime) -> bool:
        return self.table.renew(lock, owner, token, _epoch(expires))

    def release(self, lock: str, owner: str) -> None:
        self.table.expire(lock, owner)

    def expire(self, lock: str) -> None:
        self.table.expire(lock)

    def leases(self) -> list[StoredLease]:
        return [StoredLease(i.name, i.owner, i.since, i.expires, i.token) for i in self.table.items()]


class BlobStore:
    """`<container>/<env>/<lock>.json` in the environment's storage account, by compare-and-swap."""

    kind = "azure"

    def __init__(self, runtime: Runtime) -> None:
        from multicloud_ctl.providers.azure.blob import backup_container

        self.env = runtime.environment.name
        self.container = backup_container(runtime, runtime.environment.lease.azure_container)
        self._ensured = False

    def _name(self, lock: str) -> str:
        return f"{self.env}/{lock}.json"

    def _read(self, lock: str) -> tuple[dict[str, Any], str] | None:
        from multicloud_ctl.providers.azure import blob_cas

        got = blob_cas.read(self.container, self._name(lock))
        return (json.loads(got[0]), got[1]) if got else None

    def _write(self, lock: str, doc: dict[str, Any], etag: str | None) -> bool:
        from multicloud_ctl.providers.azure import blob_cas

        if not self._ensured:
            self.container.ensure()
            self._ensured = True
        return blob_cas.write(self.container, self._name(lock), json.dumps(doc).encode(), etag)

    def grant(self, lock: str, owner: str, since: datetime, expires: datetime, now: datetime) -> int | None:
        got = self._read(lock)
        doc: dict[str, Any] = got[0] if got else {"token": 0, "owner": "", "expires": 0}
        etag = got[1] if got else None
        ours = doc["owner"] == owner and int(doc["expires"]) >= _epoch(now)
        if not ours and int(doc["expires"]) >= _epoch(now):
            return None  # held by someone else
        token = int(doc["token"]) if ours else int(doc["token"]) + 1
        new = {"owner": owner, "since": since.isoformat(), "expires": _epoch(expires), "token": token}
        return token if self._write(lock, new, etag) else None

    def renew(self, lock: str, owner: str, token: int, expires: datetime) -> bool:
        got = self._read(lock)
        if got is None or got[0]["owner"] != owner or int(got[0]["token"]) != token:
            return False
        return self._write(lock, {**got[0], "expires": _epoch(expires)}, got[1])

    def release(self, lock: str, owner: str) -> None:
        got = self._read(lock)
        if got is not None and got[0]["owner"] == owner:
            self._write(lock, {**got[0], "expires": 0}, got[1])  # lost a race: someone else's now

    def expire(self, lock: str) -> None:
        got = self._read(lock)
        if got is not None:
            self._write(lock, {**got[0], "expires": 0}, got[1])

    def leases(self) -> list[StoredLease]:
        out = []
        for blob in self.container.list(f"{self.env}/", metadata=False):
            got = self._read(blob.name[len(self.env) + 1 : -len(".json")])
            if got:
                d = got[0]
                name = blob.name[len(self.env) + 1 : -len(".json")]
                out.append(StoredLease(name, d["owner"], d.get("since", ""), int(d["expires"]), int(d["token"])))
        return out


D1_TABLE = """CREATE TABLE IF NOT EXISTS mcctl_leases (
  env TEXT NOT NULL, lock TEXT NOT NULL, owner TEXT NOT NULL, since TEXT NOT NULL,
  expires INTEGER NOT NULL, token INTEGER NOT NULL, PRIMARY KEY (env, lock))"""
D1_GRANT = """INSERT INTO mcctl_leases (env, lock, owner, since, expires, token) VALUES (?1, ?2, ?3, ?4, ?5, 1)
ON CONFLICT (env, lock) DO UPDATE SET owner = excluded.owner, since = excluded.since, expires = excluded.expires,
  token = CASE WHEN mcctl_leases.owner = excluded.owner AND mcctl_leases.expires >= ?6
               THEN mcctl_leases.token ELSE mcctl_leases.token + 1 END
WHERE mcctl_leases.expires < ?6 OR mcctl_leases.owner = excluded.owner
RETURNING token"""


class D1Store:
    """Table `mcctl_leases` in the account's D1 database `lease.cloudflare_database`, made on first use."""

    kind = "cloudflare"

    def __init__(self, runtime: Runtime) -> None:
        from multicloud_ctl.providers.cloudflare.d1 import D1Database

        self.env = runtime.environment.name
        self.db = D1Database(runtime.cloudflare, runtime.environment.lease.cloudflare_database)
        self._ready = False

    def _ready_db(self) -> None:
        if not self._ready:
            self.db.query(D1_TABLE, create=True)
            self._ready = True

    def grant(self, lock: str, owner: str, since: datetime, expires: datetime, now: datetime) -> int | None:
        self._ready_db()
        params = [self.env, lock, owner, since.isoformat(), str(_epoch(expires)), str(_epoch(now))]
        rows = self.db.query(D1_GRANT, params)
        return int(rows[0]["token"]) if rows else None

    def renew(self, lock: str, owner: str, token: int, expires: datetime) -> bool:
        self._ready_db()
        rows = self.db.query(
            "UPDATE mcctl_leases SET expires = ?5 WHERE env = ?1 AND lock = ?2 AND owner = ?3 AND token = ?4 "
            "RETURNING token",
            [self.env, lock, owner, str(token), str(_epoch(expires))],
        )
        return bool(rows)

    def release(self, lock: str, owner: str) -> None:
        self._ready_db()
        self.db.query(
            "UPDATE mcctl_leases SET expires = 0 WHERE env = ?1 AND lock = ?2 AND owner = ?3", [self.env, lock, owner]
        )

    def expire(self, lock: str) -> None:
        self._ready_db()
        self.db.query("UPDATE mcctl_leases SET expires = 0 WHERE env = ?1 AND lock = ?2", [self.env, lock])

    def leases(self) -> list[StoredLease]:
        """Read only (no database or table is created): none when either does not exist yet."""
        from multicloud_ctl.errors import ProviderError

        try:
            rows = self.db.query(
                "SELECT lock, owner, since, expires, token FROM mcctl_leases WHERE env = ?1", [self.env]
            )
        except ProviderError as exc:
            if "no such table" not in str(exc):
                raise
            return []
        return [StoredLease(r["lock"], r["owner"], r["since"], int(r["expires"]), int(r["token"])) for r in rows]


def stores(runtime: Runtime) -> list[LeaseStore]:
    """The environment's lease stores, in configuration order.

    With DynamoDB alone (the default), the table of the primary region answers, and the secondary region's when
    the primary does not (as before the quorum existed); in a quorum DynamoDB is one vote, in the primary region
    only: a second copy in another region would let two operators who see different regions both win it.
    """
    cfg = runtime.environment.lease
    out: list[LeaseStore] = []
    for kind in cfg.stores:
        if kind == "aws":
            regions = runtime.environment.aws.regions
            out.append(
                FallbackStore([DynamoStore(runtime, regions.primary), DynamoStore(runtime, regions.secondary)])
                if cfg.stores == ["aws"]
                else DynamoStore(runtime, regions.primary)
            )
        elif kind == "azure":
            out.append(BlobStore(runtime))
        else:
            out.append(D1Store(runtime))
    return out


class FallbackStore:
    """The single-store lease of old: the first region whose table answers."""

    kind = "aws"

    def __init__(self, regions: list[DynamoStore]) -> None:
        self.regions = regions

    def _call(self, fn: Any) -> Any:
        from multicloud_ctl.errors import EndpointUnreachable

        last: Exception | None = None
        for store in self.regions:
            try:
                return fn(store)
            except EndpointUnreachable as exc:
                last = exc
                if store.runtime.environment.endpoints().aws:  # one endpoint for every region (the sandbox's
                    break  # moto): the next region is behind the same unreachable address, not worth a deadline
        assert last is not None
        raise last

    def grant(self, lock: str, owner: str, since: datetime, expires: datetime, now: datetime) -> int | None:
        return self._call(lambda s: s.grant(lock, owner, since, expires, now))  # type: ignore[no-any-return]

    def renew(self, lock: str, owner: str, token: int, expires: datetime) -> bool:
        return bool(self._call(lambda s: s.renew(lock, owner, token, expires)))

    def release(self, lock: str, owner: str) -> None:
        self._call(lambda s: s.release(lock, owner))

    def expire(self, lock: str) -> None:
        self._call(lambda s: s.expire(lock))

    def leases(self) -> list[StoredLease]:
        return list(self._call(lambda s: s.leases()))
