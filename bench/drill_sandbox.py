"""`bench/drill.py --sandbox`: failover drills on a real local sandbox, with orders (see bench/drill.py)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PORTS = ("moto", "azurite_blob", "arm", "edge_api", "edge_proxy", "functions_aws", "functions_azure", "smtp")


def mcctl(config: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "multicloud_ctl", "--config-dir", str(config), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def make_config(tmp: Path, base: int) -> Path:
    import yaml

    data = yaml.safe_load((REPO / "config" / "local.yaml").read_text())
    data["local"]["ports"] = {name: base + i for i, name in enumerate(PORTS)}
    data["state_dir"] = str(tmp / "state")
    data["azure"]["sql"]["url"] = f"sqlite:///{tmp / 'azure-sql.db'}"
    config = tmp / "config"
    config.mkdir()
    (config / "local.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    (tmp / "playbooks").symlink_to(REPO / "playbooks")  # the home's playbooks, beside its config
    return config


def served_by(env: Any) -> str | None:
    from multicloud_ctl.operations.failover.verify import fetch

    _, pool, _ = fetch(
        f"http://127.0.0.1:{env.local.ports.edge_proxy}/health", host="api.shop.local", header="x-mcctl-pool",
        timeout_s=2,
    )  # fmt: skip
    return pool


def wait_served_by(env: Any, pool: str, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while served_by(env) != pool:
        if time.monotonic() > end:
            raise SystemExit(f"{pool} never served through the edge")
        time.sleep(0.2)


def lag_timings(runtime: Any, n: int = 5) -> dict[str, float]:
    """Median seconds to measure the sync lag (the preflight's figure: the oldest unapplied record per shard, the
    tables in parallel), to read the full `sync status` (records counted, tables in parallel), and the way the lag
    was measured before: the full reading, one table after the other."""
    from multicloud_ctl.operations.sync.context import open_context
    from multicloud_ctl.operations.sync.status import lag_of, sync_lag_seconds, sync_status

    lag, full, serial = [], [], []
    for _ in range(n):
        t0 = time.perf_counter()
        sync_lag_seconds(runtime)
        lag.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        sync_status(open_context(runtime))
        full.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        ctx = open_context(runtime)
        lag_of([s for m in ctx.mappings for s in sync_status(ctx, [m.source])])
        serial.append(time.perf_counter() - t0)
    return {
        "sync_lag_s": round(statistics.median(lag), 3),
        "sync_status_full_s": round(statistics.median(full), 3),
        "lag_as_before_s": round(statistics.median(serial), 3),
    }


def seed_unapplied(runtime: Any, n: int) -> None:
    """`n` orders written to DynamoDB that the sync has not applied yet (what the lag reading walks over)."""
    from multicloud_ctl.functions.adapters.dynamo_store import DynamoOrders
    from multicloud_ctl.functions.config import FunctionConfig
    from multicloud_ctl.functions.domain.orders import Order, OrderLine
    from multicloud_ctl.operations.deploy.fnenv import function_env

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")  # moto's; the functions' store reads the environment
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    store = DynamoOrders(FunctionConfig.from_env(function_env(runtime.environment, "aws", None)))
    at = "2026-12-04T00:00:00Z"
    for i in range(n):
        store.put(Order(f"bench-lag-{i}", "u", "pending", (OrderLine("p", 1, 1),), 1, "USD", "", "", at, at))


def sandbox_bench(args: Any) -> None:
    from multicloud_ctl.config.home import locate, set_current
    from multicloud_ctl.config.loader import load_environment
    from multicloud_ctl.config.playbook import load_playbook
    from multicloud_ctl.config.specs.failover import DrillSpec, FailoverSpec, OrdersTraffic
    from multicloud_ctl.engine.run import run
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.drill import drill_operation
    from multicloud_ctl.operations.failover.inject import fault_for
    from multicloud_ctl.operations.failover.sandbox import ensure_sandbox_lb
    from multicloud_ctl.operations.sync.context import open_context
    from multicloud_ctl.operations.sync.run import run_sync
    from multicloud_ctl.operations.sync.runs import backfill_operation

    faults = [f.strip() for f in args.faults.split(",") if f.strip()]
    tmp = Path(tempfile.mkdtemp(prefix="mcctl-drill-sandbox-"))
    config = make_config(tmp, args.port_base)
    set_current(locate(config_dir=config))
    env = load_environment("local", config)
    print(f"sandbox in {tmp}, ports {args.port_base}-{args.port_base + len(PORTS) - 1}; load {load()}", flush=True)
    t0 = time.monotonic()
    up = mcctl(config, "local", "up", *(["--isolate-clouds"] if getattr(args, "isolate_clouds", False) else []))
    if up.returncode != 0:
        mcctl(config, "local", "down")
        raise SystemExit(f"local up failed: {up.stderr.strip()[-800:]}")
    print(f"local up in {time.monotonic() - t0:.1f}s", flush=True)
    follower_stop = threading.Event()
    follower: threading.Thread | None = None
    rows: dict[str, list[dict[str, Any]]] = {f: [] for f in faults}
    timings: dict[str, Any] = {}
    try:
        runtime = Runtime(env)
        ensure_sandbox_lb(runtime, interval=1)
        wait_served_by(env, "aws")
        run(runtime, backfill_operation(None, None, None)).raise_for_status()
        seed_unapplied(runtime, 2000)
        timings = {"unapplied_records": 2000, **lag_timings(runtime)}
        print(
            f"sync lag measured in {timings['sync_lag_s']}s (as before: {timings['lag_as_before_s']}s), full "
            f"sync status in {timings['sync_status_full_s']}s (2000 records unapplied); load {load()}",
            flush=True,
        )
        follow_ctx = open_context(runtime)

        def follow() -> None:  # restarted after an error, as a supervisor would (a partition of AWS stops it)
            from multicloud_ctl.errors import McctlError

            while not follower_stop.is_set():
                try:
                    run_sync(follow_ctx, follow=True, stop_event=follower_stop)
                except McctlError:
                    follower_stop.wait(1.0)

        follower = threading.Thread(target=follow, name="bench-sync", daemon=True)
        follower.start()
        fo: FailoverSpec = load_playbook(REPO / "playbooks" / "failover-azure.yaml", "Failover").spec
        # a fresh sandbox has no backup: that check is switched off (not left failing); the sync lag is measured
        fo = fo.model_copy(update={"preflight": fo.preflight.model_copy(update={"max_backup_age_seconds": None})})
        base: DrillSpec = load_playbook(REPO / "playbooks" / "drill.yaml", "Drill").spec
        orders = OrdersTraffic(rate_per_second=args.order_rate, sync="wait", sync_timeout_seconds=60)
        drill = base.model_copy(update={"traffic": base.traffic.model_copy(update={"orders": orders})})
        for fault_text in faults:
            for i in range(args.runs):
                wait_served_by(env, "aws")
                fault = fault_for(runtime, "aws", fault_text, drill.inject, config)
                op, report = drill_operation(drill, fo, outage=fault, inputs={"to": "azure", "inject": fault_text})
                outcome = run(runtime, op)
                o = report.orders
                row = {
                    "fault": fault_text,
                    "run": i + 1,
                    "status": report.status if outcome.result is not None else f"error: {outcome.error}",
                    "detect_s": report.detection_s,
                    "rto_s": report.rto_s,
                    "rpo_s": report.rpo_s,
                    "error_rate": report.error_rate,
                    "sent": o.get("sent"),
                    "acked": o.get("acknowledged"),
                    "lost": o.get("lost"),
                    "duplicated": o.get("duplicated"),
                    "placed_on": o.get("placed_on"),
                    "check_s": (o.get("sync") or {}).get("seconds"),
                    "load": load(),
                }
                rows[fault_text].append(row)
                print(json.dumps(row), flush=True)
    finally:
        follower_stop.set()
        if follower is not None:
            follower.join(timeout=30)
        down = mcctl(config, "local", "down")
        print(f"local down: exit {down.returncode}; load {load()}", flush=True)
    summarize(rows, timings)


def _median(values: list[Any]) -> float | None:
    got = [v for v in values if v is not None]
    return round(statistics.median(got), 3) if got else None


def summarize(rows: dict[str, list[dict[str, Any]]], timings: dict[str, Any]) -> None:
    print()
    print(f"{'fault':<14} {'runs':>4} {'detect s':>8} {'RTO s':>6} {'RPO s':>6} {'err rate':>8} "
          f"{'orders sent':>11} {'acked':>6} {'lost':>5}  RTO<5s")  # fmt: skip
    for fault, rs in rows.items():
        done = [r for r in rs if r["rto_s"] is not None]
        detect = _median([r["detect_s"] for r in done])
        rto = _median([r["rto_s"] for r in done])
        rpo = _median([r["rpo_s"] for r in done])
        err = _median([r["error_rate"] for r in done])
        sent = sum(r["sent"] or 0 for r in rs)
        acked = sum(r["acked"] or 0 for r in rs)
        lost = sum(r["lost"] or 0 for r in rs)
        dup = sum(r.get("duplicated") or 0 for r in rs)
        print(
            f"{fault:<14} {len(done):>4} {detect!s:>8} {rto!s:>6} {rpo!s:>6} "
            f"{'-' if err is None else f'{err:.1%}':>8} {sent:>11} {acked:>6} {lost:>5}  "
            f"{'-' if rto is None else ('PASS' if rto < 5 else 'MISS')}"
        )
        print(json.dumps({"bench": "drill-sandbox", "fault": fault, "runs": len(done), "detection_s_median": detect,
                          "rto_s_median": rto, "rpo_s_median": rpo, "error_rate_median": err,
                          "orders_sent": sent, "orders_acknowledged": acked, "orders_lost": lost,
                          "keys_placed_twice": dup}))  # fmt: skip
    if timings:
        print(json.dumps({"bench": "sync-lag-measure", **timings}))
