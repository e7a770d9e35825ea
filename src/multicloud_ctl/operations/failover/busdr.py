"""The failover workflow's `servicebus_geo_dr` step: re-point the Service Bus Geo-DR alias.

    plan   read the alias on the namespace that is to become primary (read-only): Secondary -> one step;
           already primary -> no step (the alias points there); no alias -> refused with a hint
    step   azure.servicebus_geo_dr_failover: POST failover to that namespace, then poll the alias until it
           reads primary (provisioningState Succeeded); journal the role before and after, safe or not

The namespaces are named as provision names them (`azure_servicebus_namespace`): `<namespace>` in the primary
location's resource group, `<namespace>-<location>` in `<rg>-<location>`. A Geo-DR failover breaks the pairing:
it has no rollback (pairing again, the other way round, is a provision change), so the step says so and a
failed later step leaves the bus where it is. `--ungraceful` sends `IsSafeFailover: false`: the failover runs
on the secondary alone and does not wait for the old primary's pending replication (it is gone).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine.plan import Step
from multicloud_ctl.errors import OperationFailed
from multicloud_ctl.operations.failover.actions import _register

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.failover import FailoverSpec
    from multicloud_ctl.engine.runtime import Runtime

ACTION = "azure.servicebus_geo_dr_failover"


def namespace_ref(runtime: Runtime, which: str) -> dict[str, str]:
    """Resource group and namespace name of the environment's primary or secondary location's namespace."""
    env = runtime.environment
    regions = env.azure.regions
    location = regions.primary if which == "primary" else regions.secondary
    if location == regions.primary:
        return {"group": env.azure.resource_group, "namespace": env.azure.service_bus.namespace, "location": location}
    return {
        "group": f"{env.azure.resource_group}-{location}",
        "namespace": f"{env.azure.service_bus.namespace}-{location}",
        "location": location,
    }


def geo_dr_steps(runtime: Runtime, spec: FailoverSpec, *, ungraceful: bool = False) -> list[Step]:
    """The alias failover to the playbook's location: one step, or none when it already points there."""
    from multicloud_ctl.providers.azure.servicebus_geo_dr import GeoDrAliases, NamespaceRef

    target = spec.servicebus_geo_dr
    if target is None:
        return []
    ref = namespace_ref(runtime, target.primary)
    state = GeoDrAliases(runtime.azure).state(NamespaceRef(ref["group"], ref["namespace"]), target.alias)
    if state is None:
        raise OperationFailed(
            f"Service Bus Geo-DR alias {target.alias} does not exist on namespace {ref['namespace']}",
            hint="pair the namespaces first (a Premium namespace in each location, then the alias on the primary "
            "with partnerNamespace the secondary), or remove servicebus_geo_dr from the playbook",
        )
    if state.is_primary:
        return []
    safe = target.safe and not ungraceful
    how = "safe: after pending replication" if safe else "not waiting for the old primary"
    return [
        Step(
            "servicebus-geo-dr",
            ACTION,
            f"point Service Bus alias {target.alias} to {ref['namespace']} ({ref['location']}; {how}; "
            "breaks the pairing, no rollback)",
            provider="azure",
            resource=f"servicebus/{target.alias}",
            params={
                "group": ref["group"],
                "namespace": ref["namespace"],
                "alias": target.alias,
                "safe": safe,
                "role_before": state.role,
                "pending_replication": state.pending_replication,
                "wait_seconds": target.wait_seconds,
                "poll_seconds": target.poll_seconds,
            },
        )
    ]


@_register(ACTION)
def servicebus_geo_dr_failover(runtime: Runtime, params: Mapping[str, Any]) -> Any:
    """Fail the alias over to `params.namespace` and wait until it reads primary."""
    from multicloud_ctl.providers.azure.servicebus_geo_dr import GeoDrAliases, NamespaceRef

    aliases = GeoDrAliases(runtime.azure)
    ref = NamespaceRef(str(params["group"]), str(params["namespace"]))
    alias = str(params["alias"])
    aliases.failover(ref, alias, safe=bool(params["safe"]))
    after = aliases.wait_primary(
        ref, alias, deadline_s=float(params["wait_seconds"]), interval_s=float(params["poll_seconds"])
    )
    return {
        "alias": alias,
        "namespace": ref.namespace,
        "role_before": params.get("role_before"),
        "role_after": after.role,
        "safe": bool(params["safe"]),
        "pairing": "broken (pair again to fail back)",
    }
