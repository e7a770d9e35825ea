"""Peak RSS of `mcctl backup daily` as the bucket grows: a full copy and a no-change pass at each size.

    .venv/bin/python bench/backup_memory.py [--sizes 10000,50000,100000] [--parallel 8] [--src DIR]
        [--s3 moto|fake] [--blob azurite|fake] [--full-limit MINUTES] [--progress SECONDS]

Starts its own moto and, per size, a fresh Azurite (it slows as it fills) on free 127.0.0.1 ports, grows
one bucket of 100-byte objects spread over 16 prefixes to each size, and runs the real CLI (`python -m
multicloud_ctl ... backup daily --yes`) twice: a full copy into an empty container, then a no-change pass.
Peak RSS is the child's own VmHWM, which it reports at exit (`/proc/self/status`): not `ru_maxrss` from
`wait4`, which Linux raises to the RSS of the parent that forked the child (the bench, holding the fake's
blobs) when the child execs. `--src` runs
another source tree (e.g. `git archive` of an older commit) against the same emulators, for before/after
figures. `--blob fake` serves Blob from the wire-level fake of the tests (`tests/integration/backup/
fake_blob_endpoint.py`, in this process, blobs in memory) instead of Azurite, which slows as it fills: for the
large sizes. `--s3 fake` serves S3 from a synthetic bucket of N keys computed on demand (`tests/integration/
backup/fake_s3_listing.py`: `pNN/obj-IIIIIII.bin`, 100 bytes, ETag = MD5) instead of moto, which cannot hold a
million objects in reasonable time; moto still answers the lease's DynamoDB calls, forwarded by the fake.
With both fakes a million objects cost ~1.5 GB in this process, none of it in the measured child.

`--progress` prints the child's VmRSS and VmHWM (and, on the fake Blob, the blobs written) while it runs;
`--full-limit` stops a full copy after that many minutes (SIGTERM: the run stops as on Ctrl-C), keeps its
high-water mark as a partial figure, and, with both fakes, writes the rest of the mirror into the fake Blob as
the copy would have (same metadata), so the no-change pass still runs at that size. Prints a table and a JSON
line.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "tests" / "integration" / "backup"))

from backup import BUCKET, write_config  # noqa: E402

from multicloud_ctl.local.processes import free_port, start_azurite, start_moto  # noqa: E402

PREFIXES = 16


def grow(moto_url: str, start: int, stop: int) -> None:
    """Add objects start..stop-1 (100 bytes each) to the bench bucket."""
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    if start == 0:
        s3.create_bucket(Bucket=BUCKET)

    def put(i: int) -> None:
        s3.put_object(Bucket=BUCKET, Key=f"p{i % PREFIXES:02d}/{i:08d}.bin", Body=os.urandom(100))

    pool = ThreadPoolExecutor(16)
    try:
        list(pool.map(put, range(start, stop)))
    finally:
        pool.shutdown(cancel_futures=True)  # Ctrl-C: do not go on seeding


def start_blob(kind: str, location: Path) -> Any:
    """Azurite on a fresh location, or the wire-level fake (anything with `.port` and `.stop()`)."""
    if kind == "fake":
        from fake_blob_endpoint import FakeBlobService

        return FakeBlobService(record=False).start()
    return start_azurite(free_port(), location, log=location.with_suffix(".log"))


def start_fake_s3(size: int, moto_url: str) -> Any:
    """The synthetic bucket of `size` keys, forwarding DynamoDB (the lease) to moto."""
    from fake_s3_listing import FakeS3Listing, SyntheticBucket

    return FakeS3Listing(SyntheticBucket(BUCKET, size), forward=moto_url).start()


def fill_mirror(blob: Any, s3: Any) -> int:
    """Write the mirror blobs a finished full copy (stream mode) would have left into the fake Blob; how many."""
    import hashlib

    from fake_s3_listing import LAST_MODIFIED, key_of

    from multicloud_ctl.config.specs.backup import BackupSpec
    from multicloud_ctl.operations.backup.layout import BackupLayout, source_metadata
    from multicloud_ctl.providers.aws.s3 import _parse_time

    bucket = s3.bucket
    mirror = BackupLayout(BackupSpec().layout).mirror_prefix(bucket.name)  # the bench playbook's
    mtime = _parse_time(LAST_MODIFIED)
    added = 0
    with blob.lock:
        for i in range(bucket.count):
            name = mirror + key_of(i)
            if name in blob.blobs:
                continue
            data = bucket.content(i)
            meta = source_metadata(bucket.etag(i), hashlib.sha256(data).hexdigest(), mtime)
            blob.blobs[name] = data
            blob.metadata[name] = {k.lower(): v for k, v in meta.items()}
            added += 1
    return added


def point_at_fake(cfg: Path, port: int) -> None:
    """Make the environment's blob endpoint the fake (its URL carries the account, as Azurite's does)."""
    import yaml

    path = cfg / "local.yaml"
    data = yaml.safe_load(path.read_text())
    data["azure"]["storage"]["blob_endpoint"] = f"http://127.0.0.1:{port}/devstoreaccount1"
    path.write_text(yaml.safe_dump(data))


# Runs the CLI as `python -m multicloud_ctl` does, then reports the process's own peak RSS on stderr.
PEAK_WRAPPER = (
    "import atexit, runpy, sys\n"
    "def _peak():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            sys.stderr.write('MCCTL_PEAK_KB ' + line.split()[1] + '\\n')\n"
    "atexit.register(_peak)\n"
    "sys.argv = ['multicloud_ctl'] + sys.argv[1:]\n"
    "runpy.run_module('multicloud_ctl', run_name='__main__', alter_sys=True)\n"
)


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (KiB) of a live process; {} once it is gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {k: int(v.split()[0]) for k, _, v in (line.partition(":") for line in lines) if k in ("VmRSS", "VmHWM")}


def run_daily(
    cfg: Path,
    playbook: Path,
    src: Path | None,
    *,
    progress: float = 0,
    limit: float | None = None,
    written: Any = None,
) -> dict[str, Any]:
    """One `backup daily` in a child process: its summary, wall seconds and peak RSS (MiB).

    With `limit` (seconds) the child is stopped (SIGTERM) when it runs longer; the result is then marked
    `stopped`, its summary is None and its peak is the last VmHWM read from /proc.
    """
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    cmd = [sys.executable, "-c", PEAK_WRAPPER, "--config-dir", str(cfg), "--output", "json"]
    cmd += ["backup", "daily", "--yes", "--playbook", str(playbook)]
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=err)
        last_hwm, stopped, shown = 0, False, start
        while proc.poll() is None:
            time.sleep(0.5)
            status = proc_status(proc.pid)
            last_hwm = max(last_hwm, status.get("VmHWM", 0))
            now = time.perf_counter()
            if progress and now - shown >= progress and status:
                shown = now
                done = f", {written()} blobs written" if written is not None else ""
                print(
                    f"  {now - start:7.0f} s: VmRSS {status['VmRSS'] / 1024:.1f} MiB, "
                    f"VmHWM {status['VmHWM'] / 1024:.1f} MiB{done}; load {os.getloadavg()[0]:.1f}",
                    file=sys.stderr,
                    flush=True,
                )
            if limit is not None and now - start > limit and not stopped:
                stopped = True
                proc.send_signal(signal.SIGTERM)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        errors = err.read().decode()
        if stopped:
            return {"summary": None, "seconds": seconds, "peak_rss_mib": last_hwm / 1024, "stopped": True}
        if proc.returncode != 0:
            raise SystemExit(f"backup daily exited {proc.returncode}:\n{errors[-2000:]}")
        summary = json.loads(out.read())
    peak_kb = int(errors.rsplit("MCCTL_PEAK_KB ", 1)[1].split()[0])
    return {"summary": summary, "seconds": seconds, "peak_rss_mib": peak_kb / 1024, "stopped": False}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--src", type=Path, default=None, help="another source tree to run (before/after)")
    parser.add_argument("--s3", choices=("moto", "fake"), default="moto")
    parser.add_argument("--blob", choices=("azurite", "fake"), default="azurite")
    parser.add_argument("--progress", type=float, default=60, help="seconds between progress lines (0: none)")
    parser.add_argument("--full-limit", type=float, default=None, help="minutes after which a full copy is stopped")
    args = parser.parse_args()
    if args.full_limit is not None and not (args.s3 == args.blob == "fake"):
        parser.error("--full-limit needs --s3 fake --blob fake (the rest of the mirror is written into the fake)")
    sizes = [int(s) for s in args.sizes.split(",")]
    limit = args.full_limit * 60 if args.full_limit is not None else None
    rows: list[dict[str, Any]] = []
    unsupported: list[str] = []
    calls: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="mcctl-bench-mem-") as d:
        tmp = Path(d)
        moto = start_moto(free_port(), log=tmp / "moto.log")
        try:
            have = 0
            for size in sizes:
                s3 = None
                if args.s3 == "fake":
                    s3 = start_fake_s3(size, moto.url)
                else:
                    grow(moto.url, have, size)
                    have = size
                blob = start_blob(args.blob, tmp / f"azurite-{size}")
                written = (lambda b=blob: len(b.blobs)) if args.blob == "fake" else None
                try:
                    cfg, playbook = write_config(
                        tmp, s3.port if s3 else moto.port, blob.port, f"mem-{size}", args.parallel
                    )
                    if args.blob == "fake":
                        point_at_fake(cfg, blob.port)
                    full = run_daily(cfg, playbook, args.src, progress=args.progress, limit=limit, written=written)
                    filled = fill_mirror(blob, s3) if full["stopped"] else 0
                    again = run_daily(cfg, playbook, args.src, progress=args.progress, written=written)
                finally:
                    blob.stop()
                    if s3 is not None:
                        s3.stop()
                        unsupported += s3.unsupported
                        for op, n in s3.requests.items():
                            calls[op] = calls.get(op, 0) + n
                assert full["stopped"] or full["summary"]["copied"] == size, full
                assert again["summary"]["copied"] == 0, again
                rows.append(
                    {
                        "objects": size,
                        "full_rss_mib": round(full["peak_rss_mib"], 1),
                        "full_s": round(full["seconds"], 1),
                        "full_stopped_after_copying": size - filled if full["stopped"] else None,
                        "nochange_rss_mib": round(again["peak_rss_mib"], 1),
                        "nochange_s": round(again["seconds"], 1),
                        "load": round(os.getloadavg()[0], 1),
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
        finally:
            moto.stop()
    print(
        f"source: {args.src or REPO / 'src'}; s3: {args.s3}; blob: {args.blob}; parallelism {args.parallel}; "
        f"100-byte objects over {PREFIXES} prefixes"
    )
    if calls:
        print("S3 calls answered by the fake: " + ", ".join(f"{op} {n}" for op, n in sorted(calls.items())))
    if unsupported:
        print(f"calls the fake S3 does not serve ({len(unsupported)}): {unsupported[:5]}")
    print(f"{'objects':>8} {'full MiB':>9} {'full s':>7} {'no-change MiB':>14} {'no-change s':>12} {'load':>5}")
    for r in rows:
        partial = " (stopped: high-water mark so far)" if r["full_stopped_after_copying"] is not None else ""
        print(
            f"{r['objects']:>8} {r['full_rss_mib']:>9.1f} {r['full_s']:>7.1f} "
            f"{r['nochange_rss_mib']:>14.1f} {r['nochange_s']:>12.1f} {r['load']:>5.1f}{partial}"
        )
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        for key, what in (("full_rss_mib", "full copy"), ("nochange_rss_mib", "no-change pass")):
            # a stopped full copy's high-water mark is that of the objects it had copied
            done = last["full_stopped_after_copying"] if key == "full_rss_mib" else None
            per_k = (last[key] - first[key]) / (((done or last["objects"]) - first["objects"]) / 1000)
            print(f"growth, {what}: {per_k * 1024:.1f} KiB per 1,000 objects")
    print(json.dumps({"rows": rows, "src": str(args.src) if args.src else None, "s3": args.s3, "blob": args.blob}))


if __name__ == "__main__":
    main()
