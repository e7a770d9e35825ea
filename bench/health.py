"""Benchmark `mcctl health`'s runner: N endpoints that each take D ms, checked concurrently.

    .venv/bin/python bench/health.py [--endpoints 50] [--delay-ms 50] [--rounds 5]

Starts one stdlib HTTP server (own process) on a free 127.0.0.1 port whose `/health` answers after D ms, builds N
endpoint checks (Gatus conditions `[STATUS] == 200`, `[BODY].status == ok`, `[RESPONSE_TIME] < 1000`), and
times whole rounds of `run_checks`. The goal: a round takes at most 1.5x the slowest single check.
Prints one table and a JSON line.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from multicloud_ctl.operations.health.conditions import parse_condition  # noqa: E402
from multicloud_ctl.operations.health.endpoints import Check, judge  # noqa: E402
from multicloud_ctl.operations.health.runner import run_checks  # noqa: E402


class Slow(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    delay = 0.05

    def log_message(self, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        time.sleep(self.delay)
        data = b'{"status": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 4096  # the listen backlog: 2,000 simultaneous connects must not hit SYN retries


def serve(port: int, delay: float) -> None:
    Slow.delay = delay
    Server(("127.0.0.1", port), Slow).serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoints", type=int, default=50)
    parser.add_argument("--delay-ms", type=float, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=None, help="pool size (default: the runner's, one per check)")
    args = parser.parse_args()
    import multiprocessing

    from multicloud_ctl.local.processes import free_port, wait_http

    port = free_port()
    # the endpoints live in their own process so they do not compete with the checks for the GIL
    proc = multiprocessing.Process(target=serve, args=(port, args.delay_ms / 1000), daemon=True)
    proc.start()
    base = f"http://127.0.0.1:{port}"
    wait_http(f"{base}/health")
    conds = [parse_condition(c) for c in ("[STATUS] == 200", "[BODY].status == ok")]
    warns = [parse_condition(f"[RESPONSE_TIME] < {max(1000, int(args.delay_ms * 3))}")]

    def check(i: int) -> Check:
        return Check(
            f"ep{i}", "endpoint", 5.0, lambda: judge(f"ep{i}", f"{base}/health?i={i}", conds, warns, timeout=5.0)
        )

    checks = [check(i) for i in range(args.endpoints)]
    run_checks(checks[:2])  # warm up imports and the server
    alone = statistics.median(run_checks(checks[:1]).elapsed_ms for _ in range(5))
    rows = []
    for _ in range(args.rounds):
        report = run_checks(checks, max_workers=args.workers)
        bad = [f"{r.name}: {r.status.value} {r.message}" for r in report.results if r.status.value != "ok"]
        assert not bad, bad[:5]
        slowest = max(r.duration_ms for r in report.results)
        rows.append((report.elapsed_ms, slowest, report.elapsed_ms / slowest))
    proc.terminate()
    print(f"{'round':>5} {'round ms':>9} {'slowest check ms':>17} {'ratio':>6}")
    for i, (total, slowest, ratio) in enumerate(rows, 1):
        print(f"{i:>5} {total:>9.1f} {slowest:>17.1f} {ratio:>6.2f}")
    median = statistics.median(r[2] for r in rows)
    worst = max(r[2] for r in rows)
    print(
        f"{args.endpoints} endpoints x {args.delay_ms:g} ms: median ratio {median:.2f}, worst {worst:.2f} "
        f"(goal <= 1.5) -> {'PASS' if median <= 1.5 else 'MISS'}"
    )
    round_median = statistics.median(r[0] for r in rows)
    print(
        f"one endpoint checked alone: {alone:.1f} ms; a round of {args.endpoints} is {round_median / alone:.2f}x that"
    )
    print(
        json.dumps(
            {
                "bench": "health",
                "endpoints": args.endpoints,
                "delay_ms": args.delay_ms,
                "alone_ms": round(alone, 1),
                "ratio_vs_alone": round(round_median / alone, 3),
                "round_ms_median": round(statistics.median(r[0] for r in rows), 1),
                "slowest_ms_median": round(statistics.median(r[1] for r in rows), 1),
                "ratio_median": round(median, 3),
                "ratio_worst": round(worst, 3),
                "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
