"""The plan actions of a failover (registered in the engine's closed action registry).

cloudflare.set_pool            enabled flag and origins (weights) of one pool
cloudflare.set_load_balancer   default_pools, fallback pool, region/country/PoP pools, rules' pool lists
lambda.set_concurrency         reserved and/or provisioned concurrency of one function
azure.sql_failover             make one server the primary of the SQL auto-failover group, then check it is
azure.servicebus_geo_dr_failover  point the Service Bus Geo-DR alias to its secondary namespace (busdr.py)
failover.cache_warmup          the hottest products into the target's Redis, before traffic moves (warmup.py)
failover.record_intended       write (or remove) <state_dir>/failover/intended.json
failover.verify_edge           poll the edge until the target pool serves (the plan's verification)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine.actions import ACTIONS

if TYPE_CHECKING:
    from multicloud_ctl.engine.runtime import Runtime


def _register(name: str) -> Any:
    """Register once even if this module is imported under two names (tests, reloads)."""

    def decorate(fn: Any) -> Any:
        if name not in ACTIONS:
            ACTIONS.register(name)(fn)
        return fn

    return decorate


@_register("cloudflare.set_pool")
def set_pool(runtime: Runtime, params: Mapping[str, Any]) -> Any:
    fields: dict[str, Any] = {"enabled": bool(params["enabled"])}
    if params.get("origins") is not None:
        fields["origins"] = [dict(o) for o in params["origins"]]
    pool = runtime.cloudflare.edit_pool(params["pool_id"], **fields)
    return {"pool": pool.name, "enabled": pool.enabled, "weights": {o.name: o.weight for o in pool.origins}}


@_register("cloudflare.set_load_balancer")
def set_load_balancer(runtime: Runtime, params: Mapping[str, Any]) -> Any:
    """PATCH the pool lists in `params` (by id); every other field of the load balancer stays as it is."""
    fields: dict[str, Any] = {
        "default_pools": list(params["default_pools"]),
        "fallback_pool": params["fallback_pool"],
    }
    for name in ("region_pools", "country_pools", "pop_pools", "rules"):
        if name in params:
            fields[name] = params[name]
    lb = runtime.cloudflare.edit_load_balancer(params["lb_id"], **fields)
    out: dict[str, Any] = {
        "load_balancer": lb.name,
        "default_pools": list(lb.default_pools),
        "fallback_pool": lb.fallback_pool,
    }
    for name in ("region_pools", "country_pools", "pop_pools"):
        if name in params:
            out[name] = {k: list(v) for k, v in getattr(lb, name).items()}
    return out


@_register("lambda.set_concurrency")
def set_concurrency(runtime: Runtime, params: Mapping[str, Any]) -> Any:
    from multicloud_ctl.providers.aws.lambda_concurrency import LambdaConcurrency

    client = LambdaConcurrency(runtime.aws)
    name = params["function"]
    reserved = params.get("reserved_concurrency")
    if reserved is not None:
        if reserved < 0:
            client.delete_reserved(name)
        else:
            client.put_reserved(name, int(reserved))
    provisioned = params.get("provisioned_concurrency")
    if provisioned is not None:
        qualifier = params.get("qualifier") or "live"
        if provisioned <= 0:
            client.delete_provisioned(name, qualifier)
        else:
            client.put_provisioned(name, qualifier, int(provisioned))
    return {"function": name, "reserved": reserved, "provisioned": provisioned}


def current_concurrency(runtime: Runtime, name: str) -> int:
    """Reserved concurrency of a function now (-1: none set)."""
    from multicloud_ctl.providers.aws.lambda_concurrency import LambdaConcurrency

    value = LambdaConcurrency(runtime.aws).reserved(name)
    return -1 if value is None else value


@_register("azure.sql_failover")
def sql_failover(runtime: Runtime, params: Mapping[str, Any]) -> Any:
    from multicloud_ctl.errors import OperationFailed
    from multicloud_ctl.providers.azure.sql_failover import ServerRef, SqlFailoverGroups

    groups = SqlFailoverGroups(runtime.azure)
    ref = ServerRef(str(params["group"]), str(params["server"]))
    name = str(params["name"])
    groups.failover(ref, name, allow_data_loss=bool(params.get("allow_data_loss")))
    role = groups.role(ref, name)
    if role != "Primary":
        raise OperationFailed(f"SQL failover group {name}: {ref.server} is {role or 'not in it'} after the failover")
    return {"failover_group": name, "primary": ref.server, "forced": bool(params.get("allow_data_loss"))}


@_register("failover.record_intended")
def record_intended(runtime: Runtime, params: Mapping[str, Any]) -> Any:
    from multicloud_ctl.operations.failover.lbstate import intended_path, write_intended

    data = params.get("intended")
    write_intended(runtime.state_dir, dict(data) if data is not None else None)
    return {"path": str(intended_path(runtime.state_dir)), "removed": data is None}


@_register("failover.verify_edge")
def verify_edge(runtime: Runtime, params: Mapping[str, Any]) -> Any:
    from multicloud_ctl.operations.failover.verify import verify_serving

    return verify_serving(
        url=params["url"],
        host=params.get("host"),
        header=params["header"],
        expect=set(params["expect"]),
        deadline_s=float(params["deadline_seconds"]),
        interval_s=float(params["interval_seconds"]),
        consecutive=int(params["consecutive"]),
        timeout_s=float(params["request_timeout_seconds"]),
        now=runtime.clock.timestamp,  # the RTO's end, on the clock its start was read from
    )


# registered by importing them (they use `_register` above)
from multicloud_ctl.operations.failover import busdr as _busdr  # noqa: E402, F401
from multicloud_ctl.operations.failover import warmup as _warmup  # noqa: E402, F401
