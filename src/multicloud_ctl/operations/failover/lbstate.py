"""The load balancer's state as failover sees it: read it, describe the target, tell which pool serves.

A `LbSnapshot` is plain JSON-able data (pool names, not ids, wherever a human reads it): it is what the
journal records before a switch, what a rollback or a drill's fail-back restores, and what
`<state_dir>/failover/intended.json` holds so `provision drift` can tell an intended failover from drift.

`intended.json` (written by a successful `mcctl failover`, removed again when a rollback or a drill's
fail-back restores the earlier state; version 1):

    {"version": 1, "environment": "local", "serving": "azure", "since": "<UTC ISO-8601>",
     "journal": "<run id>", "automatic_failback": false,
     "load_balancer": {"id": "...", "name": "api.shop.local", "default_pools": ["azure", "aws"],
                       "fallback_pool": "aws", "zero_downtime_failover": "sticky"},
     "pools": {"azure": {"id": "...", "enabled": true,
                         "origins": [{"name": "azure-1", "address": "...", "enabled": true, "weight": 1.0}]},
               "aws": {...}},
     "previous": {<the LbSnapshot before the switch: lb_id, lb_name, default_pools, fallback_pool,
                  zero_downtime_failover, pools{name: {id, name, enabled, origins, healthy}}>}}

Drift detection should accept exactly the `load_balancer` and `pools` values above for those objects.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import ConfigError, NotFound

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.failover import FailoverSpec
    from multicloud_ctl.engine.runtime import Runtime

INTENDED_VERSION = 1


@dataclass
class PoolSnapshot:
    id: str
    name: str
    enabled: bool
    origins: list[dict[str, Any]]
    healthy: bool | None = None


@dataclass
class LbSnapshot:
    """One load balancer and the pools it uses."""

    lb_id: str
    lb_name: str
    default_pools: list[str]
    fallback_pool: str
    zero_downtime_failover: str | None
    pools: dict[str, PoolSnapshot] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LbSnapshot:
        pools = {k: PoolSnapshot(**v) for k, v in data.get("pools", {}).items()}
        return cls(
            data["lb_id"],
            data["lb_name"],
            list(data["default_pools"]),
            data["fallback_pool"],
            data.get("zero_downtime_failover"),
            pools,
        )

    def pool_id(self, name: str) -> str:
        try:
            return self.pools[name].id
        except KeyError:
            raise ConfigError(
                f"pool {name!r} does not exist on the load balancer's account",
                hint=f"known pools: {', '.join(sorted(self.pools)) or 'none'}",
            ) from None

    def serving_pool(self) -> str | None:
        """Which pool serves under steering `off`: first enabled healthy default pool, else the fallback."""
        for name in self.default_pools:
            pool = self.pools.get(name)
            if pool and pool.enabled and pool.healthy is not False:
                return name
        return self.fallback_pool or None


def read_state(runtime: Runtime, *, with_health: bool = True) -> LbSnapshot:
    """Read the environment's load balancer (`cloudflare.load_balancer`) and its pools (read-only calls)."""
    cf = runtime.cloudflare
    name = runtime.environment.cloudflare.load_balancer
    lb = cf.find_load_balancer(name)
    if lb is None:
        raise NotFound(
            f"load balancer {name!r} not found in zone {runtime.environment.cloudflare.zone_name}",
            hint="run `mcctl provision apply` (or `mcctl local up` on the sandbox)",
        )
    pools = {p.id: p for p in cf.list_pools()}
    by_name: dict[str, PoolSnapshot] = {}
    for pool in pools.values():
        healthy = None
        if with_health and pool.id in (*lb.default_pools, lb.fallback_pool):
            healthy = cf.pool_health(pool.id).healthy
        by_name[pool.name] = PoolSnapshot(
            pool.id,
            pool.name,
            pool.enabled,
            [{"name": o.name, "address": o.address, "enabled": o.enabled, "weight": o.weight} for o in pool.origins],
            healthy,
        )
    names = {p.id: p.name for p in pools.values()}
    return LbSnapshot(
        lb.id,
        lb.name,
        [names.get(i, i) for i in lb.default_pools],
        names.get(lb.fallback_pool, lb.fallback_pool),
        lb.zero_downtime_failover,
        by_name,
    )


def read_pool_health(runtime: Runtime) -> dict[str, dict[str, Any]]:
    """Pool name -> {enabled, healthy, origins: {address: healthy}} for the load balancer's pools."""
    snap = read_state(runtime, with_health=False)
    cf = runtime.cloudflare
    out = {}
    for name in dict.fromkeys([*snap.default_pools, snap.fallback_pool]):
        pool = snap.pools.get(name)
        if pool is None:
            continue
        health = cf.pool_health(pool.id)
        out[name] = {"enabled": pool.enabled, "healthy": health.healthy, "origins": health.origins}
    return out


def target_state(current: LbSnapshot, spec: FailoverSpec) -> LbSnapshot:
    """What the load balancer should look like after the switch the playbook describes."""
    target = spec.load_balancer
    for name in [*target.order, *((target.fallback and [target.fallback]) or []), *target.pools]:
        current.pool_id(name)  # every pool named must exist
    pools: dict[str, PoolSnapshot] = {}
    for name, pool in current.pools.items():
        want = target.pools.get(name)
        enabled = pool.enabled if want is None or want.enabled is None else want.enabled
        origins = [dict(o) for o in pool.origins]
        if want is not None:
            for origin in origins:
                for key in (origin["name"], origin["address"]):
                    if key in want.origin_weights:
                        origin["weight"] = want.origin_weights[key]
        pools[name] = PoolSnapshot(pool.id, name, enabled, origins, pool.healthy)
    failback = current.zero_downtime_failover
    if target.disable_failback:
        failback = "sticky"
    rest = [p for p in current.default_pools if p not in target.order]
    return LbSnapshot(
        current.lb_id,
        current.lb_name,
        [*target.order, *rest],
        target.fallback or target.order[-1],
        failback,
        pools,
    )


# ---- intended.json (read by `provision drift`) ---------------------------------------------------
def intended_path(state_dir: Path) -> Path:
    return state_dir / "failover" / "intended.json"


def write_intended(state_dir: Path, data: dict[str, Any] | None) -> None:
    """Write (or, with None, remove) the intended pool state file atomically."""
    path = intended_path(state_dir)
    if data is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def read_intended(state_dir: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads(intended_path(state_dir).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None
