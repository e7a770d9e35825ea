"""The state of the fake Cloudflare edge: monitors, pools, load balancers, DNS records and origin health.

One `EdgeStore` object is shared by the API (`api.py`, what the cloudflare SDK talks to) and the request
proxy (`proxy.py`, added by the failover work), which reads pools and load balancers through the typed
helpers at the bottom and reports health with `set_origin_health`. All access is under one lock; every
change is optionally persisted to a JSON file so a restarted edge keeps its configuration.

Kinds and their scope: `monitors` and `pools` belong to an account, `load_balancers` and `dns_records`
to a zone. Objects are stored as the JSON Cloudflare returns.
"""

from __future__ import annotations

import copy
import json
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from multicloud_ctl.engine.clock import default_clock

KINDS = ("monitors", "pools", "load_balancers", "dns_records")

DEFAULTS: dict[str, dict[str, Any]] = {
    "monitors": {
        "type": "http",
        "description": "",
        "method": "GET",
        "path": "/",
        "header": {},
        "port": 0,
        "timeout": 5,
        "retries": 2,
        "interval": 60,
        "expected_codes": "200",
        "expected_body": "",
        "follow_redirects": False,
        "allow_insecure": False,
        "consecutive_up": 0,
        "consecutive_down": 0,
    },
    "pools": {
        "description": "",
        "enabled": True,
        "minimum_origins": 1,
        "monitor": None,
        "check_regions": None,
        "notification_email": "",
        "origin_steering": {"policy": "random"},
    },
    "load_balancers": {
        "description": "",
        "ttl": 30,
        "proxied": False,
        "enabled": True,
        "region_pools": {},
        "pop_pools": {},
        "country_pools": {},
        "session_affinity": "none",
        "steering_policy": "off",
        "random_steering": None,
    },
    "dns_records": {
        "proxied": False,
        "ttl": 1,
        "comment": None,
        "tags": [],
        "proxiable": True,
        "meta": {},
        "settings": {},
    },
}
REQUIRED = {
    "monitors": (),
    "pools": ("name", "origins"),
    "load_balancers": ("name", "default_pools", "fallback_pool"),
    "dns_records": ("type", "name"),
}
ORIGIN_DEFAULTS = {"enabled": True, "weight": 1, "header": {}}


class EdgeError(Exception):
    """A Cloudflare API error: HTTP status, Cloudflare error code, message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _now() -> str:
    return default_clock().now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class EdgeStore:
    """Thread-safe edge state; `path` (optional) is the JSON file it persists to."""

    path: Path | None = None
    items: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {k: {} for k in KINDS})
    origin_health: dict[str, dict[str, bool]] = field(default_factory=dict)
    origin_rtt: dict[str, dict[str, float]] = field(default_factory=dict)  # measured, not persisted
    listeners: list[Callable[[str, str], None]] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def __post_init__(self) -> None:
        if self.path is not None and self.path.exists():
            data = json.loads(self.path.read_text() or "{}")
            for kind in KINDS:
                self.items[kind] = data.get(kind, {})
            self.origin_health = data.get("origin_health", {})

    # ---- persistence and notification -------------------------------------------------------------
    def _changed(self, kind: str, item_id: str) -> None:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps({**self.items, "origin_health": self.origin_health}, indent=1))
            os.replace(tmp, self.path)
        for listener in list(self.listeners):
            listener(kind, item_id)

    def reset(self) -> None:
        with self.lock:
            self.items = {k: {} for k in KINDS}
            self.origin_health = {}
            self.origin_rtt = {}
            self._changed("all", "")

    # ---- generic CRUD (the API) -------------------------------------------------------------------
    def find(self, kind: str, scope: str, filters: dict[str, str] | None = None) -> list[dict[str, Any]]:
        with self.lock:
            out = [copy.deepcopy(v) for v in self.items[kind].values() if v.get("_scope") == scope]
        for key, value in (filters or {}).items():
            out = [v for v in out if str(v.get(key, "")).lower() == value.lower()]
        return [_public(v) for v in sorted(out, key=lambda v: v["created_on"])]

    def get(self, kind: str, scope: str, item_id: str) -> dict[str, Any]:
        with self.lock:
            item = self.items[kind].get(item_id)
            if item is None or item.get("_scope") != scope:
                raise EdgeError(404, NOT_FOUND_CODE[kind], f"{NOUN[kind]} not found")
            return _public(copy.deepcopy(item))

    def create(self, kind: str, scope: str, body: dict[str, Any]) -> dict[str, Any]:
        missing = [k for k in REQUIRED[kind] if body.get(k) in (None, "")]
        if missing:
            raise EdgeError(400, 1002, f"{NOUN[kind]}: missing required field(s): {', '.join(missing)}")
        with self.lock:
            self._validate(kind, scope, body)
            now = _now()
            item = {
                **copy.deepcopy(DEFAULTS[kind]),
                **body,
                "id": uuid.uuid4().hex,
                "created_on": now,
                "modified_on": now,
                "_scope": scope,
            }
            self._normalize(kind, scope, item)
            self.items[kind][item["id"]] = item
            self._changed(kind, item["id"])
            return _public(copy.deepcopy(item))

    def update(self, kind: str, scope: str, item_id: str, body: dict[str, Any], *, partial: bool) -> dict[str, Any]:
        """PATCH (`partial`) merges top-level keys; PUT replaces the object (defaults for the rest)."""
        with self.lock:
            old = self.items[kind].get(item_id)
            if old is None or old.get("_scope") != scope:
                raise EdgeError(404, NOT_FOUND_CODE[kind], f"{NOUN[kind]} not found")
            if not partial:
                missing = [k for k in REQUIRED[kind] if body.get(k) in (None, "")]
                if missing:
                    raise EdgeError(400, 1002, f"{NOUN[kind]}: missing required field(s): {', '.join(missing)}")
            base = old if partial else {**copy.deepcopy(DEFAULTS[kind]), "created_on": old["created_on"]}
            item = {**copy.deepcopy(base), **body, "id": item_id, "modified_on": _now(), "_scope": scope}
            self._validate(kind, scope, item)
            self._normalize(kind, scope, item)
            self.items[kind][item_id] = item
            self._changed(kind, item_id)
            return _public(copy.deepcopy(item))

    def delete(self, kind: str, scope: str, item_id: str) -> dict[str, Any]:
        with self.lock:
            item = self.items[kind].get(item_id)
            if item is None or item.get("_scope") != scope:
                raise EdgeError(404, NOT_FOUND_CODE[kind], f"{NOUN[kind]} not found")
            users = self._referenced_by(kind, item_id)
            if users:
                raise EdgeError(400, 1002, f"{NOUN[kind]} {item_id} is referenced by {', '.join(users)}")
            del self.items[kind][item_id]
            self.origin_health.pop(item_id, None)
            self._changed(kind, item_id)
            return {"id": item_id}

    def _validate(self, kind: str, scope: str, body: dict[str, Any]) -> None:
        if kind == "load_balancers":
            pools = [*(body.get("default_pools") or []), body.get("fallback_pool")]
            unknown = [p for p in pools if p and p not in self.items["pools"]]
            if unknown:
                raise EdgeError(400, 1002, f"load balancer references unknown pool(s): {', '.join(unknown)}")
        if kind == "pools" and body.get("monitor") and body["monitor"] not in self.items["monitors"]:
            raise EdgeError(400, 1002, f"pool references unknown monitor {body['monitor']}")
        if kind == "pools" and not isinstance(body.get("origins", []), list):
            raise EdgeError(400, 1002, "origins must be a list")

    def _normalize(self, kind: str, scope: str, item: dict[str, Any]) -> None:
        if kind == "pools":
            item["origins"] = [{**ORIGIN_DEFAULTS, **o} for o in item.get("origins") or []]
        if kind == "dns_records":
            item["zone_id"] = scope

    def _referenced_by(self, kind: str, item_id: str) -> list[str]:
        if kind == "pools":
            return [
                lb["name"]
                for lb in self.items["load_balancers"].values()
                if item_id in (lb.get("default_pools") or []) or lb.get("fallback_pool") == item_id
            ]
        if kind == "monitors":
            return [p["name"] for p in self.items["pools"].values() if p.get("monitor") == item_id]
        return []

    # ---- typed helpers for the API's pool health and for the request proxy ------------------------
    def pool(self, pool_id: str) -> dict[str, Any] | None:
        with self.lock:
            item = self.items["pools"].get(pool_id)
            return _public(copy.deepcopy(item)) if item else None

    def load_balancers(self) -> list[dict[str, Any]]:
        """Every load balancer in every zone (the proxy routes by hostname)."""
        with self.lock:
            return [_public(copy.deepcopy(v)) for v in self.items["load_balancers"].values()]

    def load_balancer_by_name(self, name: str) -> dict[str, Any] | None:
        return next((lb for lb in self.load_balancers() if lb["name"].lower() == name.lower()), None)

    def set_origin_health(self, pool_id: str, address: str, healthy: bool) -> None:
        """Record a health-check result for one origin (by address or name) of a pool."""
        with self.lock:
            self.origin_health.setdefault(pool_id, {})[address] = healthy
            self._changed("health", pool_id)

    def record_rtt(self, pool_id: str, address: str, rtt_ms: float, *, alpha: float = 0.5) -> None:
        """Fold one monitor probe's round-trip time into the origin's moving average (dynamic steering's profile)."""
        with self.lock:
            seen = self.origin_rtt.setdefault(pool_id, {})
            old = seen.get(address)
            seen[address] = rtt_ms if old is None else alpha * rtt_ms + (1 - alpha) * old

    def pool_rtt(self, pool_id: str) -> float | None:
        """The mean RTT (ms) of the pool's enabled, healthy origins that have been measured; None if none has."""
        pool = self.pool(pool_id)
        if pool is None:
            return None
        with self.lock:
            seen = dict(self.origin_rtt.get(pool_id, {}))
        rtts = [
            seen[o["address"]]
            for o in pool["origins"]
            if o.get("enabled", True) and o.get("address") in seen and self.origin_healthy(pool_id, o)
        ]
        return sum(rtts) / len(rtts) if rtts else None

    def origin_healthy(self, pool_id: str, origin: dict[str, Any]) -> bool:
        """Unknown health counts as healthy (as Cloudflare treats a pool without a monitor)."""
        with self.lock:
            seen = self.origin_health.get(pool_id, {})
            for key in (origin.get("address"), origin.get("name")):
                if key in seen:
                    return seen[key]
            return True

    def pool_healthy(self, pool_id: str) -> bool:
        """Enabled, and at least `minimum_origins` enabled origins are healthy."""
        pool = self.pool(pool_id)
        if pool is None or not pool.get("enabled", True):
            return False
        good = [o for o in pool["origins"] if o.get("enabled", True) and self.origin_healthy(pool_id, o)]
        return len(good) >= int(pool.get("minimum_origins") or 1)


NOUN = {
    "monitors": "monitor",
    "pools": "pool",
    "load_balancers": "load balancer",
    "dns_records": "DNS record",
}
NOT_FOUND_CODE = {"monitors": 1001, "pools": 1003, "load_balancers": 1004, "dns_records": 81044}


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if not k.startswith("_")}
