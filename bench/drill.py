"""Benchmark a sandbox failover drill: detection time, RTO, RPO and error rate of an injected AWS fault.

    .venv/bin/python bench/drill.py [--runs 5] [--rate 40] [--inject outage|partition|loss:30%]
    .venv/bin/python bench/drill.py --sandbox [--runs 5] [--port-base 19200] [--faults outage,partition,brownout:30%]

`--sandbox` runs the drills on a real local sandbox (`mcctl local up` of everything, from a copied config whose
ports start at `--port-base`, stopped again at the end): the real functions hosts, moto, the edge and SQLite,
with an order stream through the edge (a Cognito shopper POSTing /orders with an Idempotency-Key) and the
orders-check after each fail-back. A `sync run --follow` runs alongside (the CDC Lambda's part in the clouds),
so the RPO is the sync's real lag and orders-check waits for it. Prints one row per drill, the medians per
fault (detection, RTO, RPO, error rate, orders sent/acknowledged/lost) and JSON lines; also how long the
sync-lag figure (the preflight's) takes to measure, against the full `sync status` reading.

`--inject` as `mcctl failover drill` takes it: `outage` stops the AWS stand-in origin; `partition` and
`loss:N%` drop its packets for real (tc netem, or nftables where the kernel has no netem; root needed). A
brownout needs the functions host's admin endpoint, which the stand-ins do not have: the sandbox drill test
covers it.

Starts on free 127.0.0.1 ports: moto (for the failover lease), the local edge (Cloudflare API + request
proxy + health monitors, 1 s monitor interval), and two stand-in origins answering `/health` for aws and
azure (the functions hosts' contract). Creates the load balancer through the real cloudflare SDK, then runs
`run_drill` (the code behind `mcctl failover drill --to azure --inject outage`) with traffic through the
edge. Prints one row per run and a JSON line. Goal: RTO under 5 s.

`run_drill` was replaced by `drill_operation` (the drill became an operation of the engine's run lifecycle,
lease and journal included); the bench now runs that operation the way the CLI does, without a prompt.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "tests" / "integration" / "failover"))
sys.path.insert(0, str(REPO / "bench"))

from standins import OriginController, StandInOrigin  # noqa: E402

from multicloud_ctl.config.loader import load_environment  # noqa: E402
from multicloud_ctl.config.playbook import load_playbook  # noqa: E402
from multicloud_ctl.config.specs.failover import DrillSpec, FailoverSpec, Injection, Traffic  # noqa: E402
from multicloud_ctl.engine.run import run as run_operation  # noqa: E402
from multicloud_ctl.engine.runtime import Runtime  # noqa: E402
from multicloud_ctl.local.edge.proxy import start_proxy  # noqa: E402
from multicloud_ctl.local.edge.server import run_edge_api  # noqa: E402
from multicloud_ctl.local.processes import free_port, start_moto  # noqa: E402
from multicloud_ctl.operations.failover.drill import drill_operation  # noqa: E402
from multicloud_ctl.operations.failover.inject import Outage, network_fault, parse_inject  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sandbox", action="store_true", help="drill a real local sandbox (see above)")
    parser.add_argument("--port-base", type=int, default=19200, help="--sandbox: first of 8 consecutive ports")
    parser.add_argument("--faults", default="outage,partition,brownout:30%", help="--sandbox: faults to drill")
    parser.add_argument(
        "--isolate-clouds", action="store_true", help="--sandbox: each cloud in its own network namespace (root)"
    )
    parser.add_argument("--order-rate", type=float, default=5, help="--sandbox: orders per second")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--inject", default="outage", help="outage, partition or loss:N%% (default: outage)")
    parser.add_argument("--rate", type=float, default=40, help="traffic requests per second")
    args = parser.parse_args()
    if args.sandbox:
        from drill_sandbox import sandbox_bench  # type: ignore[import-not-found]

        sandbox_bench(args)
        return
    tmp = Path(tempfile.mkdtemp(prefix="mcctl-drill-bench-"))
    moto = start_moto(free_port(), log=tmp / "moto.log")
    api = run_edge_api(0, token="sandbox-token")
    proxy = start_proxy(api.server.store, 0)
    origins = {"aws": StandInOrigin("aws"), "azure": StandInOrigin("azure")}
    ctl = OriginController(origins)
    try:
        base = load_environment("local", REPO / "config")
        ports = base.local.ports.model_copy(update={"moto": moto.port, "edge_api": api.port, "edge_proxy": proxy.port})
        env = base.model_copy(
            update={
                "state_dir": tmp / "state",
                "local": base.local.model_copy(update={"ports": ports}),
                "cloudflare": base.cloudflare.model_copy(
                    update={"pools": {c: [o.address] for c, o in origins.items()}}
                ),
            }
        )
        runtime = Runtime(env)
        from multicloud_ctl.providers.cloudflare.models import Origin

        cf = runtime.cloudflare
        mon = cf.create_monitor(type="http", path="/health", interval=1, timeout=1, retries=0, expected_codes="200")
        ids = {c: cf.create_pool(c, [Origin(f"{c}-1", o.address)], monitor=mon.id).id for c, o in origins.items()}
        cf.create_load_balancer("api.shop.local", [ids["aws"], ids["azure"]], ids["azure"])
        fo: FailoverSpec = load_playbook(REPO / "playbooks" / "failover-azure.yaml", "Failover").spec
        # no DynamoDB tables or backups here: the checks that would measure them are switched off, not left unknown
        checks = {"max_backup_age_seconds": None, "rpo_seconds": None}
        fo = fo.model_copy(update={"preflight": fo.preflight.model_copy(update=checks)})
        drill: DrillSpec = load_playbook(REPO / "playbooks" / "drill.yaml", "Drill").spec
        inject = Injection(method="http", stop_url=f"{ctl.url}/stop/aws", start_url=f"{ctl.url}/start/aws")
        drill = drill.model_copy(update={"inject": inject, "traffic": Traffic(rate_per_second=args.rate)})
        rows = []
        kind, value = parse_inject(args.inject, "aws")
        if kind == "outage":
            fault: Any = Outage("aws", inject, env.name)
        elif kind in ("partition", "loss"):
            fault = network_fault(int(origins["aws"].address.rsplit(":", 1)[1]), kind, value)
        else:
            raise SystemExit(f"--inject {args.inject}: the stand-in origins support outage, partition and loss")
        for _ in range(args.runs):
            op, report = drill_operation(drill, fo, outage=fault)
            outcome = run_operation(runtime, op)
            if report.rto_s is None:
                raise SystemExit(f"drill did not complete: {outcome.error or report.error}")
            t = report.traffic
            rows.append(
                (
                    report.detection_s,
                    report.rto_s,
                    report.rpo_s,
                    t["error_rate"],
                    t["errors"],
                    t["requests"],
                    t["longest_error_run_s"],
                    report.status,
                )
            )
    finally:
        ctl.close()
        for o in origins.values():
            o.stop()
        proxy.stop()
        api.stop()
        moto.stop()
    print(f"--inject {args.inject}: {fault.describe()}, traffic {args.rate:g} requests/s")
    print(
        f"{'run':>3} {'detect s':>8} {'RTO s':>6} {'RPO s':>6} {'errors':>12} {'rate':>6} "
        f"{'longest err run s':>18} status"
    )
    for i, (detect, rto, rpo, rate, errs, total, longest, status) in enumerate(rows, 1):
        shown = "-" if detect is None else f"{detect:.3f}"
        print(
            f"{i:>3} {shown:>8} {rto:>6.3f} {rpo!s:>6} {f'{errs}/{total}':>12} {rate:>6.1%} {longest:>18.3f} {status}"
        )
    rto_median = statistics.median(r[1] for r in rows)
    detected = [r[0] for r in rows if r[0] is not None]
    detect_median = statistics.median(detected) if detected else None
    print(
        f"median detection {detect_median if detect_median is None else round(detect_median, 3)} s, "
        f"median RTO {rto_median:.3f} s (goal < 5 s) -> {'PASS' if rto_median < 5 else 'MISS'}"
    )
    print(
        json.dumps(
            {
                "bench": "drill",
                "inject": args.inject,
                "runs": len(rows),
                "detection_s_median": detect_median,
                "rto_s_median": rto_median,
                "rto_s_max": max(r[1] for r in rows),
                "error_rate_median": statistics.median(r[3] for r in rows),
                "longest_error_run_s_median": statistics.median(r[6] for r in rows),
            }
        )
    )


if __name__ == "__main__":
    main()
