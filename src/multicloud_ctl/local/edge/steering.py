"""Traffic steering of the local edge: which pools a request tries, in which order (the LB's `steering_policy`).

Cloudflare's rules (OpenAPI `load-balancing_steering_policy`, developers.cloudflare.com/load-balancing/
understand-basics/traffic-steering/steering-policies/), each implemented here simply but truly:

- `off`: `default_pools` in order; the first enabled, healthy pool serves ("standard failover").
- `geo`: the request's location picks the list: `pop_pools[PoP]`, else `country_pools[country]`, else
  `region_pools[region]`, else `default_pools` (the fall-through order the OpenAPI descriptions of
  `pop_pools`/`country_pools`/`region_pools` give); then as `off`.
- `""`: `geo` when any of those maps is set, else `off`.
- `random`: a healthy pool of `default_pools` drawn with probability proportional to
  `random_steering.pool_weights[pool]` (else `default_weight`, default 1; weight 0 never drawn).
- `dynamic_latency`: the healthy pools of `default_pools` by the RTT their monitors measured (an exponentially
  weighted moving average, as Cloudflare's "RTT profiles"); pools without RTT data follow in failover order.
- `proximity`: the healthy pools by great-circle distance between the pool's `latitude`/`longitude` and the
  PoP's; pools without coordinates follow in failover order.
- `least_outstanding_requests` / `least_connections`: a healthy pool drawn with probability proportional to
  its `random_steering` weight divided by (1 + its requests in flight). The proxy opens one origin connection
  per request, so open connections and outstanding requests are the same count here.

When no pool of the list is healthy the `fallback_pool` serves. An unknown policy raises `UnsupportedSteering`
(the proxy answers 503 naming it) instead of being treated as `off`.

Where a request comes from (the sandbox has one PoP, every client is on loopback): the proxy is configured
with a PoP code (`--pop`, default `LHR`); a request may name another with `x-mcctl-pop: IAD` (sandbox only:
as if it had reached that data centre) and its country with `cf-ipcountry: US` (the header Cloudflare itself
adds for the visitor's country). The country defaults to the PoP's; the region is the country's Cloudflare
region (developers.cloudflare.com/load-balancing/reference/region-mapping-api/), else the PoP's.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

GEO_FIELDS = ("pop_pools", "country_pools", "region_pools")
POLICIES = (
    "off",
    "geo",
    "random",
    "dynamic_latency",
    "proximity",
    "least_outstanding_requests",
    "least_connections",
)


@dataclass(frozen=True)
class Location:
    """Where a request entered the edge: PoP (IATA code), country (ISO 3166-1 alpha-2), region, coordinates."""

    pop: str
    country: str
    region: str
    latitude: float
    longitude: float


# a few Cloudflare data centres (IATA code -> country, region, latitude, longitude of the airport)
POPS: dict[str, tuple[str, str, float, float]] = {
    "LHR": ("GB", "WEU", 51.47, -0.45),
    "AMS": ("NL", "WEU", 52.31, 4.76),
    "FRA": ("DE", "WEU", 50.03, 8.57),
    "CDG": ("FR", "WEU", 49.01, 2.55),
    "WAW": ("PL", "EEU", 52.17, 20.97),
    "IAD": ("US", "ENAM", 38.95, -77.46),
    "EWR": ("US", "ENAM", 40.69, -74.17),
    "SJC": ("US", "WNAM", 37.36, -121.93),
    "SEA": ("US", "WNAM", 47.45, -122.31),
    "GRU": ("BR", "SSAM", -23.43, -46.47),
    "BOG": ("CO", "NSAM", 4.70, -74.15),
    "SIN": ("SG", "SEAS", 1.36, 103.99),
    "NRT": ("JP", "NEAS", 35.77, 140.39),
    "BOM": ("IN", "SAS", 19.09, 72.87),
    "SYD": ("AU", "OC", -33.95, 151.18),
    "DXB": ("AE", "ME", 25.25, 55.36),
    "JNB": ("ZA", "SAF", -26.14, 28.25),
    "CAI": ("EG", "NAF", 30.12, 31.41),
}
# country -> Cloudflare region, for the countries above and a few more (the U.S. and Canada are split into
# WNAM/ENAM by state in Cloudflare's table; without a state we take the PoP's region, else ENAM)
COUNTRY_REGIONS: dict[str, str] = {
    **{c: "WEU" for c in ("GB", "IE", "NL", "BE", "LU", "FR", "DE", "CH", "ES", "PT", "IT", "IS")},
    **{c: "EEU" for c in ("PL", "CZ", "AT", "HU", "RO", "BG", "GR", "DK", "SE", "NO", "FI", "UA", "RU")},
    **{c: "NSAM" for c in ("CO", "VE", "EC", "PE")},
    **{c: "SSAM" for c in ("BR", "AR", "CL", "UY", "PY")},
    **{c: "SEAS" for c in ("SG", "MY", "TH", "VN", "ID", "PH")},
    **{c: "NEAS" for c in ("JP", "KR", "CN", "TW", "HK")},
    **{c: "SAS" for c in ("IN", "PK", "BD", "LK")},
    **{c: "OC" for c in ("AU", "NZ")},
    **{c: "ME" for c in ("AE", "SA", "IL", "QA", "TR")},
    **{c: "SAF" for c in ("ZA", "NA", "BW")},
    **{c: "NAF" for c in ("EG", "MA", "DZ", "TN")},
    "MX": "ENAM",
}
POP_HEADER = "x-mcctl-pop"
COUNTRY_HEADER = "cf-ipcountry"


class UnsupportedSteering(Exception):
    """The load balancer's steering policy is one this edge does not implement."""


def locate(pop: str, headers: Mapping[str, str]) -> Location:
    """The request's location: the configured PoP unless `x-mcctl-pop` names another, `cf-ipcountry` for the country."""
    code = (headers.get(POP_HEADER) or pop).strip().upper()
    country0, region0, lat, lon = POPS.get(code, ("", "", 0.0, 0.0))
    country = (headers.get(COUNTRY_HEADER) or country0).strip().upper()
    if country in ("US", "CA"):
        region = region0 if region0 in ("WNAM", "ENAM") else "ENAM"
    else:
        region = COUNTRY_REGIONS.get(country, region0)
    return Location(code, country, region, lat, lon)


def effective_policy(lb: Mapping[str, Any]) -> str:
    policy = str(lb.get("steering_policy") or "")
    if policy in ("", '""'):
        return "geo" if any(lb.get(f) for f in GEO_FIELDS) else "off"
    return policy


def geo_list(lb: Mapping[str, Any], where: Location) -> list[str]:
    """pop_pools, then country_pools, then region_pools, then default_pools."""
    for name, key in (("pop_pools", where.pop), ("country_pools", where.country), ("region_pools", where.region)):
        pools = (lb.get(name) or {}).get(key)
        if pools:
            return list(pools)
    return list(lb.get("default_pools") or [])


def _weight(lb: Mapping[str, Any], pool_id: str) -> float:
    steering = lb.get("random_steering") or {}
    weights = steering.get("pool_weights") or {}
    default = steering.get("default_weight")
    return float(weights.get(pool_id, 1.0 if default is None else default))


def _draw(pools: list[str], weights: list[float], rng: random.Random) -> list[str]:
    """`pools` in a random order where each next one is drawn in proportion to its weight (0: never)."""
    left = [(p, w) for p, w in zip(pools, weights, strict=True) if w > 0]
    order = []
    while left:
        pick = rng.choices(range(len(left)), weights=[w for _, w in left])[0]
        order.append(left.pop(pick)[0])
    return order


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


@dataclass
class SteeringInputs:
    """What the policies read besides the load balancer: health, measured RTT, in-flight counts, pools."""

    healthy: Callable[[str], bool]
    pool: Callable[[str], dict[str, Any] | None]
    rtt_ms: Callable[[str], float | None]
    outstanding: Callable[[str], int]
    rng: random.Random


def pool_order(lb: Mapping[str, Any], where: Location, inputs: SteeringInputs) -> list[str]:
    """The healthy pools to try, best first, by the LB's steering policy; the fallback pool when none is."""
    policy = effective_policy(lb)
    if policy not in POLICIES:
        raise UnsupportedSteering(policy)
    listed = geo_list(lb, where) if policy == "geo" else list(lb.get("default_pools") or [])
    healthy = [p for p in dict.fromkeys(listed) if inputs.healthy(p)]
    if policy == "random":
        healthy = _draw(healthy, [_weight(lb, p) for p in healthy], inputs.rng)
    elif policy in ("least_outstanding_requests", "least_connections"):
        weights = [_weight(lb, p) / (1 + inputs.outstanding(p)) for p in healthy]
        healthy = _draw(healthy, weights, inputs.rng)
    elif policy == "dynamic_latency":
        rtts = {p: inputs.rtt_ms(p) for p in healthy}
        measured = sorted((p for p in healthy if rtts[p] is not None), key=lambda p: rtts[p] or 0.0)
        healthy = measured + [p for p in healthy if rtts[p] is None]
    elif policy == "proximity":
        far: dict[str, float] = {}
        for p in healthy:
            pool = inputs.pool(p) or {}
            if pool.get("latitude") is not None and pool.get("longitude") is not None:
                far[p] = distance_km(where.latitude, where.longitude, pool["latitude"], pool["longitude"])
        healthy = sorted(far, key=lambda p: far[p]) + [p for p in healthy if p not in far]
    return healthy
