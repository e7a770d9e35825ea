"""Benchmark `backup prune`'s deletes: one Delete Blob per blob (before) against Blob Batch requests (after).

    .venv/bin/python bench/prune.py [--blobs 50000] [--workers 8] [--methods before,after] [--memory]
        [--blob azurite|fake]

For each method a fresh Azurite 3.35 (it slows as it fills; a temp dir, or in memory) gets one expired
weekly snapshot of N small blobs plus its manifest; then the same removal runs: "before" is the loop
`apply_prune` had until issue 16 (list the prefix, then `Delete Blob` one at a time); "after" is today's
`apply_prune` (manifest first, then 256 deletes per `POST ?restype=container&comp=batch`, several batches
in flight). `--blob fake` serves Blob from the tests' wire-level fake (`tests/integration/backup/
fake_blob_endpoint.py`, in this process: Delete Blob and Blob Batch as Azure documents them, blobs in
memory, seeded directly) instead of Azurite, which at 50,000 blobs spends most of 20 minutes seeding and
times out single deletes. Prints requests sent (every request the container client made, listings included, counted by
the dry-run guard that sees them all), wall seconds of the removal, Azurite's CPU seconds, and a JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "tests" / "integration" / "backup"))

from multicloud_ctl.local.processes import (  # noqa: E402
    Emulator,
    azurite_command,
    free_port,
    start_azurite,
    wait_http,
)

SNAPSHOT = "weekly-20261101T023000Z"


def proc_cpu(pid: int) -> float:
    import os

    ticks = os.sysconf("SC_CLK_TCK")
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / ticks


def start_memory_azurite(port: int, log: Path) -> Emulator:
    """Azurite with `--inMemoryPersistence`: on disk it rewrites its whole blob index every few seconds, which
    at tens of thousands of blobs dominates (SANDBOX-NOTES: it slows markedly as it fills)."""
    import subprocess

    cmd = azurite_command(port, log.parent)
    at = cmd.index("--location")
    cmd[at : at + 2] = ["--inMemoryPersistence"]
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    wait_http(f"http://127.0.0.1:{port}/devstoreaccount1?comp=list", proc=proc)
    return Emulator("azurite", port, proc)


def open_bench_store(port: int) -> Any:
    from multicloud_ctl.config.loader import load_environment
    from multicloud_ctl.config.specs.backup import BackupSpec
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.backup.store import open_store

    env = load_environment("local", REPO / "config").with_local_ports(azurite_blob=port)
    return open_store(Runtime(environment=env), BackupSpec(container="bench-prune", parallelism=8))


def seed(store: Any, blobs: int, workers: int) -> None:
    store.blobs.ensure()
    names = [store.layout.snapshot_blob(SNAPSHOT, f"s3/bench/{i:06d}") for i in range(blobs)]
    names.append(store.layout.manifest_blob(SNAPSHOT))
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda n: store.blobs.upload(n, b"x", {}), names, chunksize=256))


def remove_one_by_one(store: Any) -> dict[str, int]:
    """The loop apply_prune ran before issue 16: manifest, then list and delete each blob in turn."""
    blobs, layout = store.blobs, store.layout
    blobs.delete(layout.manifest_blob(SNAPSHOT))
    count = 0
    for blob in list(blobs.list(layout.snapshot_prefix(SNAPSHOT), metadata=False)):
        blobs.delete(blob.name)
        count += 1
    return {"manifests": 1, "snapshot_blobs": count}


def remove_in_batches(store: Any, workers: int) -> dict[str, Any]:
    from multicloud_ctl.operations.backup.bulkdelete import BatchPolicy
    from multicloud_ctl.operations.backup.manifest import ManifestSummary
    from multicloud_ctl.operations.backup.prune import PrunePlan, apply_prune

    created = datetime(2026, 11, 1, 2, 30, tzinfo=UTC)
    plan = PrunePlan({}, [ManifestSummary(SNAPSHOT, "weekly", created, 0, 0, None, None)])
    return apply_prune(store, plan, BatchPolicy(workers=workers))


def measure_fake(method: str, blobs: int, workers: int) -> dict[str, Any]:
    """The same removal against the wire-level fake, seeded in memory (seeding is not timed or counted)."""
    from fake_blob_endpoint import FakeBlobService

    fake = FakeBlobService(record=False).start()
    try:
        store = open_bench_store(fake.port)
        names = [store.layout.snapshot_blob(SNAPSHOT, f"s3/bench/{i:06d}") for i in range(blobs)]
        fake.blobs.update(dict.fromkeys([*names, store.layout.manifest_blob(SNAPSHOT)], b"x"))
        guard = store.blobs.guard
        sent0, cpu0 = guard.total, time.process_time()
        t0 = time.monotonic()
        deleted = remove_one_by_one(store) if method == "before" else remove_in_batches(store, workers)
        seconds = time.monotonic() - t0
        return {
            "method": method,
            "blobs": blobs,
            "requests": guard.total - sent0,
            "seconds": round(seconds, 2),
            "process_cpu_s": round(time.process_time() - cpu0, 2),  # client and fake: one process
            "batch_requests": fake.batches,
            "deleted": deleted,
            "left": len(fake.blobs),
        }
    finally:
        fake.stop()


def measure(method: str, blobs: int, workers: int, tmp: Path, memory: bool) -> dict[str, Any]:
    if memory:
        azurite = start_memory_azurite(free_port(), tmp / f"{method}.log")
    else:
        azurite = start_azurite(free_port(), tmp / f"azurite-{method}", log=tmp / f"{method}.log")
    try:
        store = open_bench_store(azurite.port)
        t0 = time.monotonic()
        seed(store, blobs, workers)
        seeded = time.monotonic() - t0
        guard, cpu0 = store.blobs.guard, proc_cpu(azurite.proc.pid)
        sent0 = guard.total
        t0 = time.monotonic()
        deleted = remove_one_by_one(store) if method == "before" else remove_in_batches(store, workers)
        seconds = time.monotonic() - t0
        sent = guard.total - sent0
        left = sum(1 for _ in store.blobs.list(metadata=False))  # the check's own listing is not counted
        return {
            "method": method,
            "blobs": blobs,
            "requests": sent,
            "seconds": round(seconds, 2),
            "azurite_cpu_s": round(proc_cpu(azurite.proc.pid) - cpu0, 2),
            "seed_seconds": round(seeded, 1),
            "deleted": deleted,
            "left": left,
        }
    finally:
        azurite.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--blobs", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--methods", default="before,after")
    parser.add_argument("--memory", action="store_true", help="Azurite --inMemoryPersistence (else a temp dir)")
    parser.add_argument("--blob", choices=["azurite", "fake"], default="azurite")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="mcctl-bench-prune-") as tmp:
        for method in args.methods.split(","):
            if args.blob == "fake":
                r = measure_fake(method, args.blobs, args.workers)
                where = f"cpu {r['process_cpu_s']:>6.2f} s (client + fake)  left {r['left']}"
            else:
                r = measure(method, args.blobs, args.workers, Path(tmp), args.memory)
                where = f"azurite cpu {r['azurite_cpu_s']:>6.2f} s  left {r['left']}  (seeded in {r['seed_seconds']} s)"
            results.append(r)
            print(
                f"{method:>7}: {r['blobs']} blobs  requests {r['requests']:>6}  {r['seconds']:>7.2f} s  {where}",
                flush=True,
            )
    print(json.dumps({"bench": "prune", "blob": args.blob, "results": results}))


if __name__ == "__main__":
    main()
