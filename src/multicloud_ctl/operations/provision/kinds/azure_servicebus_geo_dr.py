"""Service Bus Geo-DR alias: the primary location's namespace paired with the secondary's (opt-in: `alias`; Premium).

The alias (`disasterRecoveryConfigs`, api-version 2024-01-01) is created on the primary with `partnerNamespace`
the secondary's ARM id ("Azure Service Bus Geo-disaster recovery", Microsoft Learn: a Premium feature, both
namespaces Premium; the playbook is refused at validation otherwise). It is what the failover workflow's
`servicebus_geo_dr` step fails over. A failover breaks the pairing: the alias then lives on the secondary alone
(PrimaryNotReplicating) and the service refuses to pair a namespace that holds an alias, so provision reads that
state as the alias in place (no drift, nothing re-created) and names the namespace it points to; pairing again
the other way round is the operator's decision. Deleting a paired alias breaks the pairing first (the service
refuses to delete it otherwise).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_servicebus_namespace import (
    API,
    namespace_address,
    namespace_id,
    namespace_name,
)


class Settings(KindSettings):
    alias: str | None = Field(
        default=None,
        pattern=r"^[a-zA-Z][a-zA-Z0-9-]{0,48}[a-zA-Z0-9]$",
        description="opt-in: naming the alias pairs the namespaces (Premium only) [default: none, no pairing]",
    )


def sku_refusals(spec: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """(field path, message) where the playbook enables the alias on non-Premium namespaces."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    for env_name in (None, *spec.environments):
        settings = spec.kind_settings(AzureServiceBusGeoDr.name, env_name)
        if not settings.enabled or settings.alias is None:
            continue
        sku = spec.kind_settings("azure_servicebus_namespace", env_name).sku
        if sku != "Premium":
            where: tuple[str | int, ...] = ("environments", str(env_name)) if env_name else ()
            found.append(
                (
                    (*where, "kinds", AzureServiceBusGeoDr.name, "alias"),
                    f"Service Bus Geo-DR needs Premium namespaces (azure_servicebus_namespace.sku is {sku})",
                )
            )
            break
    return found


class AzureServiceBusGeoDr(ArmKind):
    name = "azure_servicebus_geo_dr"
    api_version = API
    settings = Settings
    description = "Service Bus Geo-DR alias pairing both locations' Premium namespaces (opt-in: alias)"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        s: Settings = ctx.settings(self.name)
        locs = ctx.azure_locations
        if not s.enabled or s.alias is None or len(locs) < 2:
            return []
        primary, secondary = locs[0], locs[1]
        alias = s.alias
        return [
            ArmSpec(
                f"{namespace_name(ctx, primary)}/{alias}",
                f"{namespace_id(ctx, primary)}/disasterRecoveryConfigs/{alias}",
                {"properties": {"partnerNamespace": namespace_id(ctx, secondary)}},
                depends_on=(namespace_address(ctx, primary), namespace_address(ctx, secondary)),
            )
        ]

    def read(self, runtime: Any, res: Any) -> dict[str, Any] | None:
        live = super().read(runtime, res)
        if live is not None:
            return live
        partner = str(res.attrs["properties"]["partnerNamespace"])
        alias = str(res.inputs["id"]).rsplit("/", 1)[1]
        failed_over = self._arm(runtime).get(f"{partner}/disasterRecoveryConfigs/{alias}", self.api_version)
        role = str(((failed_over or {}).get("properties") or {}).get("role") or "")
        if role in ("Primary", "PrimaryNotReplicating"):  # a failover moved it: the alias is in place, unpaired
            return {**res.attrs, "pointsTo": partner, "role": role}
        return None

    def delete(self, runtime: Any, res: Any) -> Any:
        from multicloud_ctl.providers.azure.servicebus_geo_dr import GeoDrAliases, NamespaceRef

        rid = str(res.inputs["id"])
        group = rid.split("/resourceGroups/", 1)[1].split("/", 1)[0]
        namespace = rid.split("/namespaces/", 1)[1].split("/", 1)[0]
        alias = rid.rsplit("/", 1)[1]
        aliases = GeoDrAliases(runtime.azure)
        state = aliases.state(NamespaceRef(group, namespace), alias)
        if state is not None and state.role == "Primary":
            aliases.break_pairing(NamespaceRef(group, namespace), alias)
        return super().delete(runtime, res)
