"""The load balancer's state as failover sees it: read it, describe the target, tell which pool serves.

A `LbSnapshot` is plain JSON-able data (pool names, not ids, wherever a human reads it): it is what the
journal records before a switch, what a rollback or a drill's fail-back restores, and what
`<state_dir>/failover/intended.json` holds so `provision drift` can tell an intended failover from drift.
It holds every pool list that decides who serves: `default_pools`, `fallback_pool`, the geo steering maps
(`region_pools`, `country_pools`, `pop_pools`) and the pool lists inside `rules[].overrides`.

Failback. Cloudflare has no "failback" switch: with steering `off` (and `geo`, per location) the first
*enabled, healthy* pool of the list serves. So a failover either

- **pins** (`failback: pinned`, the default): the target goes first in every list; traffic stays on it even
  after the old primary recovers, until the next `mcctl failover --to <other>` reorders again; or
- **fails back automatically** (`failback: auto`): every list keeps its first pool (the home) first and gets
  the target right behind it; Cloudflare serves the target only while the home is unhealthy and returns by
  itself when the home's monitors pass again. That can only move traffic while the home is already
  unhealthy (and enabled); otherwise it is refused: nothing Cloudflare offers moves traffic away from a
  healthy, enabled first pool *and* brings it back by itself.

`session_affinity_attributes.zero_downtime_failover` only moves affinity sessions between origins of one
pool: failover never writes it.

`intended.json` (written by a successful `mcctl failover`, removed again when a rollback or a drill's
fail-back restores the earlier state; version 1):

    {"version": 1, "environment": "local", "serving": "azure", "since": "<UTC ISO-8601>",
     "journal": "<run id>", "failback": "pinned", "failback_to": null, "automatic_failback": false,
     "load_balancer": {"id": "...", "name": "api.shop.local", "steering_policy": "off",
                       "default_pools": ["azure", "aws"], "fallback_pool": "aws",
                       "region_pools": {"WNAM": ["azure", "aws"]}, "country_pools": {}, "pop_pools": {},
                       "rules": []},
     "pools": {"azure": {"id": "...", "enabled": true,
                         "origins": [{"name": "azure-1", "address": "...", "enabled": true, "weight": 1.0}]},
               "aws": {...}},
     "previous": {<the LbSnapshot before the switch: lb_id, lb_name, default_pools, fallback_pool, pools{name:
                  {id, name, enabled, origins, healthy}}, steering_policy, region_pools, country_pools,
                  pop_pools, rules>}}

Drift detection should accept exactly the `load_balancer` and `pools` values above for those objects.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from multicloud_ctl.errors import ConfigError, NotFound, UsageError

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.failover import FailoverSpec
    from multicloud_ctl.engine.runtime import Runtime

INTENDED_VERSION = 1
GEO_FIELDS = ("region_pools", "country_pools", "pop_pools")
# steering policies where the order of the pool lists decides who serves (first healthy pool of the list)
ORDERED_STEERING = ("off", "geo")
Failback = Literal["pinned", "auto"]


@dataclass
class PoolSnapshot:
    id: str
    name: str
    enabled: bool
    origins: list[dict[str, Any]]
    healthy: bool | None = None


def map_pool_lists(obj: dict[str, Any], each: Callable[[list[str]], list[str]]) -> dict[str, Any]:
    """A copy of `obj` (a load balancer or a rule's `overrides`) with `each` applied to every pool list."""
    out = copy.deepcopy(obj)
    if out.get("default_pools") is not None:
        out["default_pools"] = each(list(out["default_pools"]))
    for name in GEO_FIELDS:
        if out.get(name):
            out[name] = {k: each(list(v)) for k, v in out[name].items()}
    return out


def map_pool_refs(obj: dict[str, Any], ref: Callable[[str], str]) -> dict[str, Any]:
    """A copy of `obj` with every pool reference (lists and `fallback_pool`) renamed by `ref` (id <-> name)."""
    out = map_pool_lists(obj, lambda pools: [ref(p) for p in pools])
    if out.get("fallback_pool"):
        out["fallback_pool"] = ref(out["fallback_pool"])
    return out


@dataclass
class LbSnapshot:
    """One load balancer, every pool list it steers by, and the pools it uses."""

    lb_id: str
    lb_name: str
    default_pools: list[str]
    fallback_pool: str
    pools: dict[str, PoolSnapshot] = field(default_factory=dict)
    steering_policy: str = "off"
    region_pools: dict[str, list[str]] = field(default_factory=dict)
    country_pools: dict[str, list[str]] = field(default_factory=dict)
    pop_pools: dict[str, list[str]] = field(default_factory=dict)
    rules: list[dict[str, Any]] = field(default_factory=list)  # as the API has them, pool names for ids

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LbSnapshot:
        pools = {k: PoolSnapshot(**v) for k, v in data.get("pools", {}).items()}
        geo = {f: {k: list(v) for k, v in (data.get(f) or {}).items()} for f in GEO_FIELDS}
        return cls(
            data["lb_id"],
            data["lb_name"],
            list(data["default_pools"]),
            data["fallback_pool"],
            pools,
            data.get("steering_policy") or "off",
            geo["region_pools"],
            geo["country_pools"],
            geo["pop_pools"],
            [dict(r) for r in data.get("rules") or []],
        )

    def pool_id(self, name: str) -> str:
        try:
            return self.pools[name].id
        except KeyError:
            raise ConfigError(
                f"pool {name!r} does not exist on the load balancer's account",
                hint=f"known pools: {', '.join(sorted(self.pools)) or 'none'}",
            ) from None

    @property
    def effective_steering(self) -> str:
        """`""` is `geo` when any geo map is set, else `off` (the API's rule)."""
        if self.steering_policy not in ("", '""'):
            return self.steering_policy
        return "geo" if any(getattr(self, f) for f in GEO_FIELDS) else "off"

    def pool_lists(self) -> Iterator[tuple[str, list[str]]]:
        """(where, pools) for every ordered pool list: `default_pools`, `region_pools.WNAM`, `rules[0]...`."""
        yield "default_pools", self.default_pools
        for name in GEO_FIELDS:
            for key, pools in getattr(self, name).items():
                yield f"{name}.{key}", pools
        for i, rule in enumerate(self.rules):
            over = rule.get("overrides") or {}
            if over.get("default_pools") is not None:
                yield f"rules[{i}].overrides.default_pools", list(over["default_pools"])
            for name in GEO_FIELDS:
                for key, pools in (over.get(name) or {}).items():
                    yield f"rules[{i}].overrides.{name}.{key}", list(pools)

    def lists_dict(self) -> dict[str, Any]:
        """The pool-list fields as the API names them (pool names, not ids)."""
        return {
            "steering_policy": self.steering_policy,
            "default_pools": list(self.default_pools),
            "fallback_pool": self.fallback_pool,
            **{f: {k: list(v) for k, v in getattr(self, f).items()} for f in GEO_FIELDS},
            "rules": copy.deepcopy(self.rules),
        }

    def first_serving(self, pools: list[str]) -> str | None:
        """The first enabled, not-unhealthy pool of `pools`, else the fallback (how `off`/`geo` choose)."""
        for name in pools:
            pool = self.pools.get(name)
            if pool and pool.enabled and pool.healthy is not False:
                return name
        return self.fallback_pool or None

    def serving_pool(self) -> str | None:
        """Which pool serves requests that no geo map matches: first enabled healthy default pool, else the fallback."""
        return self.first_serving(self.default_pools)

    def failback(self) -> dict[str, Any]:
        """What the live configuration does when pools recover (derived, Cloudflare has no setting for it).

        `automatic` is True when a pool ahead of the serving one in `default_pools` is enabled but unhealthy:
        Cloudflare moves traffic back to it by itself once its monitors pass (`to`). Otherwise traffic is
        pinned where it is: the serving pool is first, or the pools ahead of it are disabled.
        """
        serving = self.serving_pool()
        ahead = self.default_pools[: self.default_pools.index(serving)] if serving in self.default_pools else []
        back = next((p for p in ahead if p in self.pools and self.pools[p].enabled), None)
        return {"automatic": back is not None, "to": back}


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
    names = {p.id: p.name for p in pools.values()}
    raw = {
        "default_pools": list(lb.default_pools),
        "fallback_pool": lb.fallback_pool,
        **{f: {k: list(v) for k, v in getattr(lb, f).items()} for f in GEO_FIELDS},
    }
    named = map_pool_refs(raw, lambda i: names.get(i, i))
    rules = [
        {**r, "overrides": map_pool_refs(dict(r["overrides"]), lambda i: names.get(i, i))} if r.get("overrides") else r
        for r in (copy.deepcopy(dict(r)) for r in lb.rules)
    ]
    snap = LbSnapshot(
        lb.id,
        lb.name,
        named["default_pools"],
        named["fallback_pool"],
        {},
        lb.steering_policy,
        named["region_pools"],
        named["country_pools"],
        named["pop_pools"],
        rules,
    )
    used = {p for _, ps in snap.pool_lists() for p in ps} | {snap.fallback_pool}
    for pool in pools.values():
        healthy = None
        if with_health and pool.name in used:
            healthy = cf.pool_health(pool.id).healthy
        snap.pools[pool.name] = PoolSnapshot(
            pool.id,
            pool.name,
            pool.enabled,
            [{"name": o.name, "address": o.address, "enabled": o.enabled, "weight": o.weight} for o in pool.origins],
            healthy,
        )
    return snap


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


def _pinned(order: list[str], to: str) -> Callable[[list[str]], list[str]]:
    """The playbook's order first (each pool only where the list already has it; the target always)."""

    def each(pools: list[str]) -> list[str]:
        return [p for p in order if p in pools or p == to] + [p for p in pools if p not in order]

    return each


def _behind_home(to: str) -> Callable[[list[str]], list[str]]:
    """The list's first pool (its home) stays first, the target right behind it."""

    def each(pools: list[str]) -> list[str]:
        if not pools or pools[0] == to:
            return list(pools)
        return [pools[0], to, *[p for p in pools[1:] if p != to]]

    return each


def target_state(current: LbSnapshot, spec: FailoverSpec, failback: Failback | None = None) -> LbSnapshot:
    """What the load balancer should look like after the switch the playbook describes.

    Every pool list is rewritten the same way (`default_pools`, each `region_pools`/`country_pools`/
    `pop_pools` entry, and those inside `rules[].overrides`): with geo steering a failover that only reorders
    `default_pools` moves nobody whose location has a list of its own. `failback` (else the playbook's) is
    `pinned` or `auto` (module docstring). Refused (UsageError, nothing changed) when the steering policy
    ignores the order, or when `auto` cannot move traffic.
    """
    target = spec.load_balancer
    mode: Failback = failback or target.failback
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
    each = _pinned(target.order, spec.to) if mode == "pinned" else _behind_home(spec.to)
    # pinned: the playbook's fallback (default: the last of its order); auto: the target, which is to serve
    # whenever the home is down
    fallback = (target.fallback or target.order[-1]) if mode == "pinned" else spec.to
    rules = [
        {**r, "overrides": map_pool_lists(dict(r["overrides"]), each)} if r.get("overrides") else copy.deepcopy(r)
        for r in current.rules
    ]
    default = (
        [*target.order, *[p for p in current.default_pools if p not in target.order]]
        if mode == "pinned"
        else each(current.default_pools)
    )
    geo = {f: {k: each(v) for k, v in getattr(current, f).items()} for f in GEO_FIELDS}
    out = LbSnapshot(
        current.lb_id,
        current.lb_name,
        default,
        fallback,
        pools,
        current.steering_policy,
        geo["region_pools"],
        geo["country_pools"],
        geo["pop_pools"],
        rules,
    )
    _check_steering(out, spec.to)
    if mode == "auto":
        _check_auto(current, out, spec.to)
    return out


def _check_steering(target: LbSnapshot, to: str) -> None:
    policy = target.effective_steering
    if policy in ORDERED_STEERING:
        return
    others = {p for _, ps in target.pool_lists() for p in ps} - {to}
    if all(not target.pools[p].enabled for p in others if p in target.pools):
        return  # the target is the only enabled pool: every policy sends traffic to it
    raise UsageError(
        f"steering_policy {policy!r} spreads traffic across pools whatever their order: reordering "
        f"pools cannot move traffic to {to}",
        hint="use steering off or geo on this load balancer, or disable the other pools in the playbook "
        f"(load_balancer.pools.<name>.enabled: false): {', '.join(sorted(others))}",
    )


def _check_auto(current: LbSnapshot, target: LbSnapshot, to: str) -> None:
    homes = dict.fromkeys(ps[0] for _, ps in target.pool_lists() if ps and ps[0] != to)
    for home in homes:
        pool = target.pools.get(home)
        if pool is not None and not pool.enabled:
            raise UsageError(
                f"--failback auto cannot bring traffic back to {home}: the playbook disables it, and Cloudflare "
                "never returns traffic to a disabled pool by itself",
                hint="use --failback pinned (fail back later with `mcctl failover --to " + home + "`)",
            )
        if current.pools[home].healthy is not False:
            raise UsageError(
                f"--failback auto cannot move traffic to {to} while {home} is healthy: Cloudflare serves the first "
                f"healthy pool, and {home} stays first so that traffic returns to it by itself when it recovers",
                hint=f"use --failback pinned (the default) to move traffic now; `mcctl failover --to {home}` "
                "moves it back",
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
