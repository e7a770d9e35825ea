"""Added latency per new connection through the sandbox's per-cloud network namespaces (local/netns.py).

    .venv/bin/python bench/netns.py [--connections 2000] [--ports 19350-19352]   (root, iproute2, nftables)

Builds a throw-away isolation (two namespaces, veths, the NAT tables) with one TCP echo server per namespace
and one on the host, and times a new connection's round trip (connect, 16 bytes there and back, close):
    loopback      host -> 127.0.0.1 on the host (today's sandbox)
    namespace     host -> 127.0.0.1:<port of the AWS namespace> (output DNAT, veth, DNAT to the ns's loopback)
    cross-cloud   Azure namespace -> 127.0.0.1:<AWS port> (its DNAT to the host, forwarded, DNAT again)
Prints median and p95 in microseconds and the machine's load. Everything is removed at the end.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from multicloud_ctl.local.netns import NetnsHost, missing_prerequisites, plan_netns

ECHO = (
    "import socket,sys\n"
    "s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
    "s.bind(('127.0.0.1',int(sys.argv[1])));s.listen(128);print('ready',flush=True)\n"
    "while True:\n"
    "    c,_=s.accept();c.sendall(c.recv(64));c.close()\n"
)


def rtt_samples(port: int, count: int) -> list[float]:
    """Microseconds per new connection: connect, send 16 bytes, read them back, close."""
    samples = []
    payload = b"x" * 16
    for _ in range(count):
        start = time.perf_counter()
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(payload)
            got = b""
            while len(got) < len(payload):
                chunk = sock.recv(64)
                if not chunk:
                    break
                got += chunk
        samples.append((time.perf_counter() - start) * 1e6)
    return samples


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def start_echo(port: int, namespace: str | None) -> subprocess.Popen[str]:
    prefix = ["ip", "netns", "exec", namespace] if namespace else []
    proc = subprocess.Popen([*prefix, sys.executable, "-c", ECHO, str(port)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--ports", default="19350-19352", help="three free ports LO-HI (host, aws, azure)")
    parser.add_argument("--client", type=int, help=argparse.SUPPRESS)  # inside a namespace: print samples
    args = parser.parse_args()
    if args.client:
        print(" ".join(f"{s:.1f}" for s in rtt_samples(args.client, args.connections)))
        return
    why = missing_prerequisites()
    if why:
        raise SystemExit(f"bench/netns.py needs root, iproute2 and nftables: {why}")
    lo = int(args.ports.split("-")[0])
    host_port, aws_port, azure_port = lo, lo + 1, lo + 2
    net = NetnsHost()
    with tempfile.TemporaryDirectory() as tmp:
        plan = plan_netns(Path(tmp), {"aws": (aws_port,), "azure": (azure_port,)}, net.host_addresses())
        procs: list[subprocess.Popen[str]] = []
        try:
            net.apply(plan)
            procs = [
                start_echo(host_port, None),
                start_echo(aws_port, plan.link("aws").namespace),
                start_echo(azure_port, plan.link("azure").namespace),
            ]
            rtt_samples(host_port, 200), rtt_samples(aws_port, 200)  # warm up
            rows: dict[str, list[float]] = {"loopback (host)": [], "namespace (host -> aws ns)": []}
            for _ in range(max(1, args.connections // 50)):  # interleaved: both see the same machine load
                rows["loopback (host)"] += rtt_samples(host_port, 50)
                rows["namespace (host -> aws ns)"] += rtt_samples(aws_port, 50)
            client = [sys.executable, __file__, "--client", str(aws_port), "--connections", str(args.connections)]
            out = subprocess.run(
                ["ip", "netns", "exec", plan.link("azure").namespace, *client],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            rows["cross-cloud (azure ns -> aws ns)"] = [float(x) for x in out.split()]
        finally:
            for proc in procs:
                proc.kill()
                proc.wait()
            left = net.teardown(plan)
    base = summary(rows["loopback (host)"])[0]
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"new TCP connection + 16-byte echo, {args.connections} each, load average {load}, {os.cpu_count()} cpus")
    for name, samples in rows.items():
        median, p95 = summary(samples)
        print(f"  {name:34s} median {median:7.1f} us  p95 {p95:7.1f} us  (+{median - base:6.1f} us vs loopback)")
    if left:
        print(f"  leftovers: {', '.join(left)}")


if __name__ == "__main__":
    main()
