"""Health monitors of the local edge: probe every origin of every monitored pool, as Cloudflare does.

For each pool with a `monitor`, each origin is probed every `interval` seconds with the monitor's `method`,
`path`, `header`, `timeout` and `expected_codes` (`200`, `2xx`, or a comma list) and, when set,
`expected_body` (a substring). A failed probe is retried `retries` times at once; an origin turns unhealthy
after `consecutive_down` failed probes and healthy again after `consecutive_up` good ones (0 counts as 1).
Results go into the shared `EdgeStore` with `set_origin_health` (only on change, the store persists each
write), which the API's pool-health endpoint and the request proxy both read; each passed probe's round-trip
time goes into the store's moving average (`record_rtt`), which dynamic latency steering reads.

Any change to monitors, pools or load balancers wakes the runner, which re-probes at once: a freshly
re-enabled pool is judged in milliseconds, not after a whole interval (the sandbox's stand-in for
Cloudflare probing from many data centres at once).
"""

from __future__ import annotations

import copy
import http.client
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multicloud_ctl.local.edge.store import EdgeStore


@dataclass
class OriginState:
    """What the runner knows about one origin of one pool."""

    healthy: bool | None = None
    ups: int = 0
    downs: int = 0
    next_due: float = 0.0
    running: bool = False
    last: dict[str, Any] = field(default_factory=dict)


def expected(code: int, spec: str) -> bool:
    """`200`, `2xx`, `200,204` or `2xx,301`."""
    for part in str(spec or "200").replace(" ", "").split(","):
        if part.lower().endswith("xx") and len(part) == 3 and part[0].isdigit():
            if code // 100 == int(part[0]):
                return True
        elif part.isdigit() and int(part) == code:
            return True
    return False


def origin_target(address: str, monitor: dict[str, Any]) -> tuple[str, int, bool]:
    """(host, port, tls) for probing `address` with `monitor`."""
    tls = monitor.get("type") == "https"
    host, _, port = address.rpartition(":") if ":" in address else (address, "", "")
    if not host:
        host, port = address, ""
    if monitor.get("port"):
        port = str(monitor["port"])
    return host, int(port) if port else (443 if tls else 80), tls


def probe_origin(address: str, monitor: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    """One probe (with the monitor's immediate retries): (passed, details)."""
    host, port, tls = origin_target(address, monitor)
    timeout = float(monitor.get("timeout") or 5)
    attempts = 1 + max(int(monitor.get("retries") or 0), 0)
    detail: dict[str, Any] = {}
    for _ in range(attempts):
        started = time.monotonic()
        conn: http.client.HTTPConnection
        if tls:
            import ssl

            ctx = ssl.create_default_context()
            if monitor.get("allow_insecure"):
                ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
            conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=ctx)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            headers = {k: (v[0] if isinstance(v, list) else v) for k, v in (monitor.get("header") or {}).items()}
            conn.request(monitor.get("method") or "GET", monitor.get("path") or "/", headers=headers)
            resp = conn.getresponse()
            body = resp.read(1 << 16)
            rtt = (time.monotonic() - started) * 1000
            detail = {"response_code": resp.status, "rtt": f"{rtt:.1f}ms", "failure_reason": "No failures"}
            if not expected(resp.status, monitor.get("expected_codes") or "200"):
                detail["failure_reason"] = f"HTTP {resp.status} not in {monitor.get('expected_codes')}"
                continue
            want = monitor.get("expected_body") or ""
            if want and want not in body.decode("utf-8", "replace"):
                detail["failure_reason"] = "Response body does not match expected_body"
                continue
            return True, detail
        except (OSError, http.client.HTTPException) as exc:
            detail = {"response_code": 0, "rtt": "", "failure_reason": f"{type(exc).__name__}: {exc}"}
        finally:
            conn.close()
    return False, detail


class MonitorRunner:
    """A background thread that keeps the store's origin health up to date."""

    def __init__(self, store: EdgeStore, *, workers: int = 8, tick: float = 0.05) -> None:
        self.store = store
        self.tick = tick
        self.states: dict[tuple[str, str], OriginState] = {}
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="edge-monitor")
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="edge-monitors", daemon=True)
        store.listeners.append(self._on_change)

    def start(self) -> MonitorRunner:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._on_change in self.store.listeners:
            self.store.listeners.remove(self._on_change)
        self._thread.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def details(self, pool_id: str) -> dict[str, dict[str, Any]]:
        """The last probe details per origin address of a pool (rtt, response code, failure reason)."""
        with self._lock:
            return {addr: dict(st.last) for (pid, addr), st in self.states.items() if pid == pool_id}

    def _on_change(self, kind: str, _item: str) -> None:
        if kind in ("monitors", "pools", "load_balancers", "all"):
            with self._lock:
                for st in self.states.values():
                    st.next_due = 0.0
            self._wake.set()

    def _targets(self) -> list[tuple[str, str, dict[str, Any]]]:
        with self.store.lock:
            monitors = copy.deepcopy(self.store.items["monitors"])
            pools = copy.deepcopy(self.store.items["pools"])
        out = []
        for pool_id, pool in pools.items():
            monitor = monitors.get(pool.get("monitor") or "")
            if monitor is None:
                continue
            for origin in pool.get("origins") or []:
                if origin.get("address"):
                    out.append((pool_id, origin["address"], monitor))
        return out

    def _loop(self) -> None:
        while not self._stop.is_set():
            now = time.monotonic()
            for pool_id, address, monitor in self._targets():
                with self._lock:
                    st = self.states.setdefault((pool_id, address), OriginState())
                    if st.running or st.next_due > now:
                        continue
                    st.running = True
                    st.next_due = now + max(float(monitor.get("interval") or 60), 0.05)
                self._pool.submit(self._check, pool_id, address, monitor)
            self._wake.wait(self.tick)
            self._wake.clear()

    def _check(self, pool_id: str, address: str, monitor: dict[str, Any]) -> None:
        try:
            passed, detail = probe_origin(address, monitor)
        except Exception as exc:  # a monitor bug must not kill the runner
            passed, detail = False, {"failure_reason": f"{type(exc).__name__}: {exc}"}
        with self._lock:
            st = self.states.setdefault((pool_id, address), OriginState())
            st.running = False
            st.last = detail
            if passed:
                st.ups, st.downs = st.ups + 1, 0
            else:
                st.ups, st.downs = 0, st.downs + 1
            need_up = max(int(monitor.get("consecutive_up") or 0), 1)
            need_down = max(int(monitor.get("consecutive_down") or 0), 1)
            changed = None
            if passed and st.healthy is not True and (st.healthy is None or st.ups >= need_up):
                st.healthy = changed = True
            elif not passed and st.healthy is not False and (st.healthy is None or st.downs >= need_down):
                st.healthy, changed = False, False
        if passed and str(detail.get("rtt", "")).endswith("ms"):
            self.store.record_rtt(pool_id, address, float(detail["rtt"][:-2]))
        if changed is not None:
            self.store.set_origin_health(pool_id, address, bool(changed))
