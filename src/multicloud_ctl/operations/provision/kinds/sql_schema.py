"""The Azure SQL schema as a resource: its Alembic revision. Apply upgrades to head; destroy never drops it."""

from __future__ import annotations

from typing import Any

from multicloud_ctl.operations.provision.kind import DesiredContext, ResourceKind
from multicloud_ctl.operations.provision.model import Resource


class SqlSchema(ResourceKind):
    name = "sql_schema"
    provider = "sql"
    destroyable = False
    description = "SQL schema at the head migration (Transactions, Analytics, sync and standby tables)"
    after_kinds = ("azure_sql_database",)  # the migrations run in the database

    def desired(self, ctx: DesiredContext) -> list[Resource]:
        if not ctx.features.sql_schema:
            return []
        from multicloud_ctl.migrations.runner import head_revision

        return [self.make(ctx, ctx.env.azure.sql.database, {"revision": head_revision()})]

    def _url(self, runtime: Any) -> str:
        from multicloud_ctl.migrations.runner import environment_url

        return environment_url(runtime)

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        from multicloud_ctl.migrations.runner import current_revision

        current = current_revision(self._url(runtime))
        return None if current is None else {"revision": current}

    def live_tags(self, runtime: Any, res: Resource) -> dict[str, str] | None:
        return None if self.read(runtime, res) is None else {}

    def create(self, runtime: Any, res: Resource) -> Any:
        from multicloud_ctl.migrations.runner import upgrade

        return {"applied": upgrade(self._url(runtime), res.attrs["revision"])}

    def update(self, runtime: Any, res: Resource, changed: list[str]) -> Any:
        return self.create(runtime, res)

    def delete(self, runtime: Any, res: Resource) -> Any:
        return {"kept": "the schema is never dropped by mcctl"}
