"""Bytes the `mcctl backup daily` process receives during a server-side copy, against the bytes it copies.

    .venv/bin/python bench/backup_bytes.py [--count 100] [--object-mib 1] [--parallel 8] [--modes server,stream]

Issue 16's goal: a server-side daily (the Blob service fetches each object from a presigned S3 URL, Put Block
From URL) brings under 1 % of the data copied into the client. Azurite cannot fetch from a URL (501), so the
target is the wire-level fake Blob endpoint of the tests (`tests/integration/backup/fake_blob_endpoint.py`),
which fetches the URL itself, as Azure does. moto holds the bucket (`--count` objects of `--object-mib` MiB,
single-part, over 16 prefixes).

The client reaches moto and the fake Blob only through two counting TCP proxies on 127.0.0.1, so what they
count is exactly what the mcctl process sent and received on those sockets (HTTP headers, listings, the lease's
DynamoDB calls, everything); the fake Blob fetches the presigned URLs from moto directly (`source_host`), as
Azure reaches S3 by its own route. `/proc/<pid>/io` is no substitute: its `rchar` counts every read(),
files and the interpreter's imports included. Each mode runs a full copy into a fresh fake Blob and then a
no-change pass; `stream` (the bytes through the client) is the contrast. Prints a table and a JSON line.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests" / "integration" / "backup"))

from backup import BUCKET, write_config  # noqa: E402
from backup_memory import PREFIXES, point_at_fake, run_daily  # noqa: E402

from multicloud_ctl.local.processes import free_port, start_moto  # noqa: E402

MIB = 1024 * 1024


@dataclass
class CountingProxy:
    """A TCP proxy on 127.0.0.1 to `target` that counts the bytes each way (`down`: to the client)."""

    target: int
    down: int = 0
    up: int = 0
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    listener: socket.socket | None = None

    @property
    def port(self) -> int:
        assert self.listener is not None
        return int(self.listener.getsockname()[1])

    def start(self) -> CountingProxy:
        self.listener = socket.create_server(("127.0.0.1", 0))
        threading.Thread(target=self._accept, name="counting-proxy", daemon=True).start()
        return self

    def reset(self) -> None:
        with self.lock:
            self.down = self.up = self.connections = 0

    def _accept(self) -> None:
        assert self.listener is not None
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            upstream = socket.create_connection(("127.0.0.1", self.target))
            with self.lock:
                self.connections += 1
            threading.Thread(target=self._pump, args=(upstream, client, "down"), daemon=True).start()
            threading.Thread(target=self._pump, args=(client, upstream, "up"), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, direction: str) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
                with self.lock:
                    setattr(self, direction, getattr(self, direction) + len(data))
        except OSError:
            pass
        finally:
            for sock, how in ((dst, socket.SHUT_WR), (src, socket.SHUT_RD)):
                with contextlib.suppress(OSError):
                    sock.shutdown(how)

    def stop(self) -> None:
        if self.listener is not None:
            self.listener.close()


def seed(moto_url: str, count: int, size: int) -> int:
    """`count` single-part objects of `size` random bytes over the 16 prefixes; the bytes put."""
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    s3.create_bucket(Bucket=BUCKET)

    def put(i: int) -> None:
        s3.put_object(Bucket=BUCKET, Key=f"p{i % PREFIXES:02d}/{i:08d}.bin", Body=os.urandom(size))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, range(count)))
    return count * size


def use_transfer(playbook: Path, mode: str) -> None:
    import yaml

    data = yaml.safe_load(playbook.read_text())
    data["spec"]["transfer"] = mode
    playbook.write_text(yaml.safe_dump(data))


def measure(tmp: Path, moto: Any, mode: str, parallel: int, expected: int) -> dict[str, Any]:
    """A full copy and a no-change pass in `mode`, the client's bytes counted at the proxies."""
    from fake_blob_endpoint import FakeBlobService

    blob = FakeBlobService(record=False, source_host=f"127.0.0.1:{moto.port}").start()
    to_s3, to_blob = CountingProxy(moto.port).start(), CountingProxy(blob.port).start()
    try:
        cfg, playbook = write_config(tmp, to_s3.port, to_blob.port, f"bytes-{mode}", parallel)
        point_at_fake(cfg, to_blob.port)
        use_transfer(playbook, mode)
        passes: dict[str, Any] = {}
        for name in ("full", "nochange"):
            to_s3.reset()
            to_blob.reset()
            run = run_daily(cfg, playbook, None)
            summary = run["summary"]
            passes[name] = {
                "copied": summary["copied"],
                "bytes_copied": summary["bytes_copied"],
                "transfer": summary["transfer"],
                "received": to_s3.down + to_blob.down,
                "received_from_s3_endpoint": to_s3.down,
                "received_from_blob": to_blob.down,
                "sent": to_s3.up + to_blob.up,
                "connections": to_s3.connections + to_blob.connections,
                "seconds": round(run["seconds"], 1),
                "peak_rss_mib": round(run["peak_rss_mib"], 1),
            }
        copied_bytes = sum(len(v) for k, v in blob.blobs.items() if k.startswith("daily/"))
        assert passes["full"]["bytes_copied"] == expected and copied_bytes == expected, (passes, copied_bytes)
        assert passes["nochange"]["copied"] == 0, passes
        return passes
    finally:
        to_s3.stop()
        to_blob.stop()
        blob.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--object-mib", type=float, default=1.0)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--modes", default="server", help="comma-separated: server, stream")
    args = parser.parse_args()
    size = int(args.object_mib * MIB)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="mcctl-bench-bytes-") as d:
        tmp = Path(d)
        moto = start_moto(free_port(), log=tmp / "moto.log")
        try:
            total = seed(moto.url, args.count, size)
            for mode in args.modes.split(","):
                results[mode] = measure(tmp, moto, mode, args.parallel, total)
        finally:
            moto.stop()
    print(
        f"{args.count} objects x {args.object_mib:g} MiB = {total / MIB:.1f} MiB over {PREFIXES} prefixes, "
        f"moto + the fake Blob (fetches URLs itself) on 127.0.0.1, parallelism {args.parallel}; "
        f"load {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'mode':<8} {'pass':<10} {'copied MiB':>10} {'received KiB':>13} {'from S3 KiB':>12} "
        f"{'from Blob KiB':>14} {'sent KiB':>9} {'% of copied':>12} {'s':>6}"
    )
    for mode, passes in results.items():
        for name, p in passes.items():
            ratio = f"{100 * p['received'] / p['bytes_copied']:.3f}" if p["bytes_copied"] else "-"
            print(
                f"{mode:<8} {name:<10} {p['bytes_copied'] / MIB:>10.1f} {p['received'] / 1024:>13.1f} "
                f"{p['received_from_s3_endpoint'] / 1024:>12.1f} {p['received_from_blob'] / 1024:>14.1f} "
                f"{p['sent'] / 1024:>9.1f} {ratio:>12} {p['seconds']:>6.1f}"
            )
    print(json.dumps({"objects": args.count, "bytes": total, "parallel": args.parallel, "modes": results}))


if __name__ == "__main__":
    main()
