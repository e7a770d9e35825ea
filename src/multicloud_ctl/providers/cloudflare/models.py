"""Our own small, frozen views of Cloudflare objects (what the rest of mcctl sees, not the SDK's models)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def _d(obj: Any) -> dict[str, Any]:
    """A plain dict from an SDK model or a dict."""
    if obj is None:
        return {}
    if isinstance(obj, dict):
        return obj
    return dict(obj.to_dict()) if hasattr(obj, "to_dict") else dict(obj)


@dataclass(frozen=True)
class Origin:
    name: str
    address: str
    enabled: bool = True
    weight: float = 1.0

    @classmethod
    def from_api(cls, raw: Any) -> Origin:
        d = _d(raw)
        return cls(
            d.get("name") or d.get("address", ""),
            d.get("address", ""),
            bool(d.get("enabled", True)),
            float(d.get("weight", 1) if d.get("weight") is not None else 1),
        )

    def to_api(self) -> dict[str, Any]:
        return {"name": self.name, "address": self.address, "enabled": self.enabled, "weight": self.weight}


@dataclass(frozen=True)
class Pool:
    id: str
    name: str
    enabled: bool
    origins: tuple[Origin, ...]
    monitor: str | None = None
    minimum_origins: int = 1
    description: str = ""

    @classmethod
    def from_api(cls, raw: Any) -> Pool:
        d = _d(raw)
        return cls(
            d["id"],
            d.get("name", ""),
            bool(d.get("enabled", True)),
            tuple(Origin.from_api(o) for o in d.get("origins") or []),
            d.get("monitor"),
            int(d.get("minimum_origins") or 1),
            d.get("description") or "",
        )


@dataclass(frozen=True)
class Monitor:
    id: str
    type: str
    method: str
    path: str
    expected_codes: str
    interval: int
    timeout: int
    retries: int
    description: str = ""

    @classmethod
    def from_api(cls, raw: Any) -> Monitor:
        d = _d(raw)
        return cls(
            d["id"],
            d.get("type") or "http",
            d.get("method") or "GET",
            d.get("path") or "/",
            str(d.get("expected_codes") or "200"),
            int(d.get("interval") or 60),
            int(d.get("timeout") or 5),
            int(d.get("retries") or 0),
            d.get("description") or "",
        )


@dataclass(frozen=True)
class SessionAffinityAttributes:
    """The part of a load balancer's `session_affinity_attributes` mcctl reads.

    `zero_downtime_failover` (`none`, `temporary`, `sticky`) only says what happens to a *session pinned to an
    origin* (session affinity on) when that origin fails: whether it moves to another origin of the same pool
    for a while or for good. It does not decide which pool serves, so it has nothing to do with failing back
    from one cloud to the other; mcctl reads it for display and never writes it.
    """

    zero_downtime_failover: str | None = None

    @classmethod
    def from_api(cls, raw: Any) -> SessionAffinityAttributes:
        d = _d(raw)
        value = d.get("zero_downtime_failover")
        return cls(str(value) if value else None)

    def to_api(self) -> dict[str, Any]:
        """The request shape: only the fields that are set."""
        return {} if self.zero_downtime_failover is None else {"zero_downtime_failover": self.zero_downtime_failover}


# every field of a load balancer (or of a rule's `overrides`) that lists pools: who serves depends on all of them
GEO_POOL_FIELDS = ("region_pools", "country_pools", "pop_pools")


def _pool_map(raw: Any) -> dict[str, tuple[str, ...]]:
    return {str(k): tuple(v or ()) for k, v in _d(raw).items()}


@dataclass(frozen=True)
class LoadBalancer:
    id: str
    name: str
    default_pools: tuple[str, ...]
    fallback_pool: str
    steering_policy: str = "off"
    proxied: bool = False
    enabled: bool = True
    session_affinity_attributes: SessionAffinityAttributes = field(default_factory=SessionAffinityAttributes)
    region_pools: dict[str, tuple[str, ...]] = field(default_factory=dict)
    country_pools: dict[str, tuple[str, ...]] = field(default_factory=dict)
    pop_pools: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rules: tuple[dict[str, Any], ...] = ()
    random_steering: dict[str, Any] = field(default_factory=dict)

    @property
    def zero_downtime_failover(self) -> str | None:
        return self.session_affinity_attributes.zero_downtime_failover

    @property
    def effective_steering(self) -> str:
        """`""` means `geo` when region/country/PoP pools are set, else `off` (the API's documented rule)."""
        if self.steering_policy not in ("", '""'):  # the OpenAPI enum spells the empty policy `"\"\""`
            return self.steering_policy
        return "geo" if any(getattr(self, f) for f in GEO_POOL_FIELDS) else "off"

    @classmethod
    def from_api(cls, raw: Any) -> LoadBalancer:
        d = _d(raw)
        policy = d.get("steering_policy")
        return cls(
            d["id"],
            d.get("name", ""),
            tuple(d.get("default_pools") or ()),
            d.get("fallback_pool", ""),
            "off" if policy is None else str(policy),
            bool(d.get("proxied", False)),
            bool(d.get("enabled", True)),
            SessionAffinityAttributes.from_api(d.get("session_affinity_attributes")),
            _pool_map(d.get("region_pools")),
            _pool_map(d.get("country_pools")),
            _pool_map(d.get("pop_pools")),
            tuple(_d(r) for r in d.get("rules") or ()),
            _d(d.get("random_steering")),
        )


@dataclass(frozen=True)
class DnsRecord:
    id: str
    name: str
    type: str
    content: str
    proxied: bool = False
    ttl: int = 1

    @classmethod
    def from_api(cls, raw: Any) -> DnsRecord:
        d = _d(raw)
        return cls(
            d["id"],
            d.get("name", ""),
            d.get("type", ""),
            d.get("content") or "",
            bool(d.get("proxied", False)),
            int(d.get("ttl") or 1),
        )


def _quorum(votes: list[bool]) -> bool:
    """More than half of the votes are True (none -> False: no PoP has judged the pool)."""
    return sum(votes) * 2 > len(votes)


@dataclass(frozen=True)
class PoolHealth:
    """A pool's health as the edge sees it: overall, per PoP, and per origin address.

    The API (`GET /accounts/{account}/load_balancers/pools/{id}/health`) answers per PoP:
    `{"pool_id", "pop_health": {"Amsterdam, NL": {"healthy": true, "origins": [{"2001:DB8::5":
    {"healthy": true, "rtt": "12.1ms", "failure_reason": "No failures", "response_code": 401}}]}}}`.
    We read a pool (and each origin) as healthy when more than half of the PoPs that report on it say
    so: Cloudflare itself decides health by a quorum of data centres, one PoP's network trouble should
    not make a failover preflight or a health check flap, and a pool that most of the edge cannot reach
    is not one to send traffic to. No PoP reporting (no monitor yet, or not yet probed) reads unhealthy.
    """

    pool_id: str
    healthy: bool
    origins: dict[str, bool]
    pops: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def from_api(cls, raw: Any) -> PoolHealth:
        d = _d(raw)
        pop_health = d.get("pop_health") or {}
        pops: dict[str, bool] = {}
        votes: dict[str, list[bool]] = {}
        for pop, value in _d(pop_health).items():
            report = _d(value) if isinstance(value, dict) or hasattr(value, "to_dict") else {}
            if "healthy" not in report:
                continue  # not a PoP entry (e.g. the flat `{"healthy", "origins"}` the API does not send)
            pops[str(pop)] = bool(report.get("healthy"))
            for entry in report.get("origins") or []:
                for address, info in _d(entry).items():
                    votes.setdefault(address, []).append(bool(_d(info).get("healthy", False)))
        origins = {address: _quorum(v) for address, v in votes.items()}
        return cls(d.get("pool_id") or "", _quorum(list(pops.values())), origins, pops)
