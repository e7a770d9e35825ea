"""The local edge's request proxy: routes each request the way a Cloudflare load balancer would.

Pools are chosen by the load balancer's `steering_policy` (`steering.py`: off, geo, random, dynamic_latency,
proximity, least_outstanding_requests, least_connections; anything else answers 503 naming the policy). With
`off` the first pool of `default_pools` that is enabled and healthy serves; `geo` does the same with the
list for the request's PoP, country or region (the proxy's `pop`, the `x-mcctl-pop` and `cf-ipcountry`
request headers); when no pool is healthy, the `fallback_pool` serves whatever its health. The proxy counts
each pool's requests in flight (for least_outstanding_requests) and the monitors record each origin's RTT
(for dynamic_latency). Within the chosen pool, an origin is picked at
random among the enabled, healthy origins in proportion to `weight` (weight 0 drains an origin). When the
connection to the chosen origin fails, the request is retried once on another origin of the same pool
(Cloudflare's zero-downtime failover), and across pools only when the load balancer sets
`adaptive_routing.failover_across_pools`. If nothing answers: 521 ("web server is down").

Every proxied response names who served it: `cf-origin` (the origin's name), `x-mcctl-origin` (its
address) and `x-mcctl-pool` (the pool's name). The load balancer is chosen by the `Host` header (its name,
or its first label); with a single load balancer, that one. Health comes from `monitors.MonitorRunner`.
"""

from __future__ import annotations

import http.client
import json
import random
import sys
import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from multicloud_ctl.local.edge.monitors import MonitorRunner
from multicloud_ctl.local.edge.steering import Location, SteeringInputs, UnsupportedSteering, locate, pool_order

if TYPE_CHECKING:
    from multicloud_ctl.local.edge.store import EdgeStore

LOOPBACK = "127.0.0.1"
DEFAULT_POP = "LHR"
POP_ENV = "MCCTL_EDGE_POP"
HOP_BY_HOP = {
    "server",
    "date",
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "host",
}


@dataclass(frozen=True)
class Choice:
    """One candidate: a pool and one of its origins."""

    pool_id: str
    pool_name: str
    origin: dict[str, Any]


def pick_load_balancer(store: EdgeStore, host: str) -> dict[str, Any] | None:
    """The load balancer serving `host` (by name, then first label), or the only one there is."""
    lbs = [lb for lb in store.load_balancers() if lb.get("enabled", True)]
    name = host.split(":", 1)[0].lower()
    for lb in lbs:
        if lb["name"].lower() == name or lb["name"].lower().split(".", 1)[0] == name.split(".", 1)[0]:
            return lb
    return lbs[0] if len(lbs) == 1 else None


def _usable(store: EdgeStore, pool_id: str, pool: dict[str, Any], *, need_healthy: bool) -> list[dict[str, Any]]:
    return [
        o
        for o in pool.get("origins") or []
        if o.get("enabled", True)
        and float(o.get("weight", 1) or 0) > 0
        and (not need_healthy or store.origin_healthy(pool_id, o))
    ]


def candidates(
    store: EdgeStore,
    lb: dict[str, Any],
    rng: random.Random,
    where: Location | None = None,
    outstanding: dict[str, int] | None = None,
) -> list[Choice]:
    """Origins to try, in order: the serving pool's (weighted-shuffled), then, if allowed, later pools'.

    Raises `UnsupportedSteering` for a policy the edge does not implement.
    """
    inputs = SteeringInputs(
        healthy=store.pool_healthy,
        pool=store.pool,
        rtt_ms=store.pool_rtt,
        outstanding=lambda p: (outstanding or {}).get(p, 0),
        rng=rng,
    )
    pools: list[tuple[str, dict[str, Any], bool]] = []
    for pool_id in pool_order(lb, where or locate(DEFAULT_POP, {}), inputs):
        pool = store.pool(pool_id)
        if pool is not None:
            pools.append((pool_id, pool, True))
    fallback_id = lb.get("fallback_pool")
    fallback = store.pool(fallback_id) if fallback_id else None
    if fallback_id and fallback is not None and fallback.get("enabled", True):
        pools.append((str(fallback_id), fallback, False))
    across = bool((lb.get("adaptive_routing") or {}).get("failover_across_pools"))
    out: list[Choice] = []
    seen: set[str] = set()
    for pool_id, pool, healthy_only in pools:
        if pool_id in seen:
            continue
        seen.add(pool_id)
        origins = _usable(store, pool_id, pool, need_healthy=healthy_only)
        out.extend(Choice(pool_id, pool.get("name", pool_id), o) for o in _weighted_order(origins, rng))
        if out and not across:
            break
    return out


def _weighted_order(origins: list[dict[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    """A random order where each next origin is drawn in proportion to its weight."""
    left = list(origins)
    order = []
    while left:
        weights = [float(o.get("weight", 1) or 0) for o in left]
        pick = rng.choices(range(len(left)), weights=weights)[0]
        order.append(left.pop(pick))
    return order


class ProxyServer(ThreadingHTTPServer):
    """The proxy over one `EdgeStore`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        store: EdgeStore,
        port: int,
        *,
        verbose: bool = False,
        timeout: float = 10.0,
        rng: random.Random | None = None,
        pop: str = DEFAULT_POP,
    ) -> None:
        from multicloud_ctl.engine.clock import seeded_random

        super().__init__((LOOPBACK, port), ProxyHandler)
        self.store = store
        self.verbose = verbose
        self.timeout = timeout
        self.rng = rng or seeded_random()  # MCCTL_SEED makes the sandbox's random steering replayable
        self.rng_lock = threading.Lock()
        self.pop = pop.upper()
        self.outstanding: dict[str, int] = {}  # pool id -> requests in flight

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.server_address[1]}"


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ProxyServer

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            sys.stderr.write(f"edge-proxy {format % args}\n")

    def do_GET(self) -> None:
        self._proxy()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def _proxy(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        ray = f"{uuid.uuid4().hex[:16]}-LCL"
        if self.path == "/_edge/health":
            return self._reply(200, {"status": "ok", "service": "mcctl-edge-proxy"}, ray)
        lb = pick_load_balancer(self.server.store, self.headers.get("Host", ""))
        if lb is None:
            return self._reply(404, {"error": "no load balancer for this host"}, ray)
        where = locate(self.server.pop, {k.lower(): v for k, v in self.headers.items()})
        try:
            with self.server.rng_lock:
                choices = candidates(self.server.store, lb, self.server.rng, where, dict(self.server.outstanding))
        except UnsupportedSteering as exc:
            return self._reply(503, {"error": f"steering_policy {exc} is not implemented by the local edge"}, ray)
        if not choices:
            return self._reply(530, {"error": "no pool has a usable origin"}, ray)
        attempts: dict[str, int] = {}
        for choice in choices:
            if attempts.get(choice.pool_id, 0) >= 2:
                continue  # zero-downtime failover: one retry on another origin of the same pool
            attempts[choice.pool_id] = attempts.get(choice.pool_id, 0) + 1
            self._in_flight(choice.pool_id, +1)
            try:
                if self._forward(choice, body, ray):
                    return None
            finally:
                self._in_flight(choice.pool_id, -1)
        return self._reply(521, {"error": "web server is down", "tried": sum(attempts.values())}, ray)

    def _in_flight(self, pool_id: str, delta: int) -> None:
        with self.server.rng_lock:
            self.server.outstanding[pool_id] = self.server.outstanding.get(pool_id, 0) + delta

    def _forward(self, choice: Choice, body: bytes, ray: str) -> bool:
        address = str(choice.origin["address"])
        host, _, port = address.rpartition(":")
        conn = http.client.HTTPConnection(host or address, int(port) if port else 80, timeout=self.server.timeout)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        headers.update(
            {
                "Host": self.headers.get("Host", address),
                "cf-ray": ray,
                "cf-connecting-ip": self.client_address[0],
                "x-forwarded-for": self.client_address[0],
            }
        )
        for key, value in (choice.origin.get("header") or {}).items():
            headers[key] = value[0] if isinstance(value, list) else value
        try:
            conn.request(self.command, self.path, body=body or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException):
            return False
        finally:
            conn.close()
        self.send_response(resp.status)
        for key, value in resp.getheaders():
            if key.lower() not in HOP_BY_HOP:
                self.send_header(key, value)
        self.send_header("cf-ray", ray)
        self.send_header("cf-origin", str(choice.origin.get("name") or address))
        self.send_header("x-mcctl-origin", address)
        self.send_header("x-mcctl-pool", choice.pool_name)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        return True

    def _reply(self, status: int, payload: dict[str, Any], ray: str) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("cf-ray", ray)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


@dataclass
class ProxyHandle:
    """A running proxy (and its monitors) in background threads."""

    server: ProxyServer
    monitors: MonitorRunner
    thread: threading.Thread

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def stop(self) -> None:
        self.monitors.stop()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start_proxy(
    store: EdgeStore,
    port: int,
    *,
    verbose: bool = False,
    monitor_tick: float = 0.05,
    pop: str | None = None,
    rng: random.Random | None = None,
) -> ProxyHandle:
    """Start the proxy on 127.0.0.1:port (0 = any free port) and the health monitors, both over `store`.

    `pop`: the data centre this edge plays (else `$MCCTL_EDGE_POP`, else LHR), for geo and proximity steering.
    """
    import os

    monitors = MonitorRunner(store, tick=monitor_tick).start()
    server = ProxyServer(store, port, verbose=verbose, rng=rng, pop=pop or os.environ.get(POP_ENV) or DEFAULT_POP)
    thread = threading.Thread(target=server.serve_forever, name="edge-proxy", daemon=True)
    thread.start()
    return ProxyHandle(server, monitors, thread)
