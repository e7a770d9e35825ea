"""Benchmark `mcctl health`'s runner: N endpoints that each take D ms, checked concurrently.

    .venv/bin/python bench/health.py [--endpoints 50] [--delay-ms 50] [--rounds 5]

Starts one asyncio HTTP server (own process) on a free 127.0.0.1 port whose `/health` answers after D ms (a
stdlib ThreadingHTTPServer, one thread per connection, could not answer 2,000 at once: its own accept loop and
threads made the round, not the checks), builds N
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
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from multicloud_ctl.operations.health.conditions import parse_condition  # noqa: E402
from multicloud_ctl.operations.health.endpoints import Check, ajudge, judge  # noqa: E402
from multicloud_ctl.operations.health.runner import run_checks  # noqa: E402

ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 16\r\nConnection: close\r\n\r\n"
    b'{"status": "ok"}'
)


def serve(port: int, delay: float) -> None:
    """Answer every request after `delay` seconds, as many at once as connect (one connection, one answer)."""
    import asyncio

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            await asyncio.sleep(delay)
            writer.write(ANSWER)
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        # the listen backlog: 2,000 simultaneous connects must not hit SYN retries
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=4096)
        await server.serve_forever()

    asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoints", type=int, default=50)
    parser.add_argument("--delay-ms", type=float, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=None, help="checks at once (default: the runner's, every check)")
    parser.add_argument(
        "--threads", action="store_true", help="probe on a thread per check (how the runner probed before)"
    )
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
        probe = (f"ep{i}", f"{base}/health?i={i}", conds, warns)
        arun = None if args.threads else partial(ajudge, *probe, timeout=5.0)
        return Check(f"ep{i}", "endpoint", 5.0, partial(judge, *probe, timeout=5.0), arun)

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
                "probes": "threads" if args.threads else "event loop",
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
