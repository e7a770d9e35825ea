"""Overhead of logging and tracing on place-order latency: bench/functions.py with observability off and on.

Runs the functions benchmark's own driver (a fresh moto + AWS functions host per run) alternately with
MCCTL_FN_OBSERVABILITY=0 (plain logging, no spans) and =1 (JSON logs to stderr + file, OpenTelemetry spans
exported to a JSON-lines file, traceparent on every SQS message), and prints both p50s and the overhead.
The issue's budget is +10 % on p50. Prints figures; asserts nothing.

    .venv/bin/python bench/observability.py [--orders 150] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LINE = re.compile(r"sequential : p50 ([\d.]+) ms\s+p99 ([\d.]+) ms\s+([\d.]+) req/s")
PAR = re.compile(r"threads\s+: p50 ([\d.]+) ms\s+p99 ([\d.]+) ms\s+([\d.]+) req/s")


def run(observability: str, orders: int) -> tuple[float, float, float, float]:
    env = {**os.environ, "MCCTL_FN_OBSERVABILITY": observability}
    out = subprocess.run(
        [sys.executable, str(REPO / "bench" / "functions.py"), "--orders", str(orders)],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=True,
    ).stdout
    seq, par = LINE.search(out), PAR.search(out)
    if not seq or not par:
        raise RuntimeError(f"unexpected output of bench/functions.py:\n{out}")
    return float(seq.group(1)), float(seq.group(2)), float(par.group(1)), float(par.group(3))


MICRO = """
import logging, os, sys, tempfile, time
d = tempfile.mkdtemp()
os.environ.update(MCCTL_FN_LOG_FILE=d + "/l.jsonl", MCCTL_FN_TRACE_FILE=d + "/s.jsonl")
logging.basicConfig(level=logging.INFO, filename=d + "/host.log")
from multicloud_ctl.functions.observability import producer_span, server_span, setup, sqs_attributes
setup("aws", "us-east-1")
parent = {"traceparent": "00-" + "a" * 32 + "-" + "b" * 16 + "-01"}
def one():
    with server_span("aws", "POST", "/orders", parent) as span:
        for queue in ("orders", "notifications", "analytics"):
            with producer_span(queue) as carrier:
                sqs_attributes(carrier)
        span.finish(201, "o1")
for _ in range(200):
    one()
n = int(sys.argv[1]); t = time.perf_counter()
for _ in range(n):
    one()
print((time.perf_counter() - t) / n * 1e6)
"""


def micro(observability: str, n: int = 3000) -> float:
    """Microseconds per request of the instrumentation alone (server span, 3 producer spans, access line)."""
    env = {**os.environ, "MCCTL_FN_OBSERVABILITY": observability}
    out = subprocess.run(
        [sys.executable, "-c", MICRO, str(n)], env=env, capture_output=True, text=True, timeout=600, check=True
    ).stdout
    return float(out.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--orders", type=int, default=150)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--micro-only", action="store_true", help="only the in-process instrumentation cost")
    args = p.parse_args()
    if args.micro_only:
        print(f"instrumentation per request: off {micro('0'):.0f} us, on {micro('1'):.0f} us")
        return
    results: dict[str, list[tuple[float, float, float, float]]] = {"0": [], "1": []}
    for i in range(args.rounds):
        for mode in ("0", "1") if i % 2 == 0 else ("1", "0"):  # alternate to spread machine noise
            results[mode].append(run(mode, args.orders))
            r = results[mode][-1]
            print(
                f"  round {i + 1} observability={'on ' if mode == '1' else 'off'}: sequential p50 {r[0]:.1f} ms "
                f"p99 {r[1]:.1f} ms; 4 threads p50 {r[2]:.1f} ms {r[3]:.1f} req/s",
                flush=True,
            )
    off = statistics.median(r[0] for r in results["0"])
    on = statistics.median(r[0] for r in results["1"])
    print(f"place-order p50 (sequential, median of {args.rounds} runs x {args.orders} orders):")
    print(f"  logging+tracing off: {off:.1f} ms")
    print(f"  logging+tracing on : {on:.1f} ms   overhead {100 * (on - off) / off:+.1f} % (budget +10 %)")
    m_off, m_on = micro("0"), micro("1")
    print(
        f"instrumentation alone per place-order (in-process, no I/O to moto): off {m_off:.0f} us, "
        f"on {m_on:.0f} us (+{(m_on - m_off) / 1000:.2f} ms = {100 * (m_on - m_off) / 1000 / off:.1f} % of the "
        f"p50 above)"
    )


if __name__ == "__main__":
    main()
