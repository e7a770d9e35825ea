"""A thin client over one Cloudflare D1 database, found (or created) by name: the environment lease's store in
Cloudflare (`engine/lease_stores.py`).

D1 is SQLite with a single primary: statements sent to the REST query endpoint
(`POST /accounts/{account}/d1/database/{id}/query`, "Query D1 Database") run on the primary, one request at a
time per database, so a conditional `INSERT ... ON CONFLICT DO UPDATE ... WHERE ... RETURNING` is atomic. Its
`params` are strings (the OpenAPI document's `d1_params`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from multicloud_ctl.providers.cloudflare.errors import cloudflare_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.cloudflare.client import CloudflareClient


@dataclass
class D1Database:
    client: CloudflareClient
    name: str
    _id: str | None = field(default=None, repr=False)

    def database_id(self, *, create: bool) -> str | None:
        """The database's id; created first when missing and `create` (None when missing otherwise)."""
        if self._id is not None:
            return self._id
        sdk, account = self.client.sdk, self.client.account_id
        with cloudflare_errors(f"list D1 databases named {self.name}"):
            found = [d for d in sdk.d1.database.list(account_id=account, name=self.name) if d.name == self.name]
        if found:
            self._id = str(found[0].uuid)
        elif create:
            with cloudflare_errors(f"create D1 database {self.name}"):
                self._id = str(sdk.d1.database.create(account_id=account, name=self.name).uuid)
        return self._id

    def query(self, sql: str, params: list[str] | None = None, *, create: bool = False) -> list[dict[str, Any]]:
        """The rows of the (last) statement; [] when the database does not exist and `create` is false."""
        database = self.database_id(create=create)
        if database is None:
            return []
        kwargs: dict[str, Any] = {"account_id": self.client.account_id, "sql": sql}
        if params is not None:
            kwargs["params"] = params
        with cloudflare_errors(f"query D1 database {self.name}"):
            pages = list(self.client.sdk.d1.database.query(database, **kwargs))
        rows: list[Any] = list(pages[-1].results or []) if pages else []
        return [dict(r) for r in rows]
