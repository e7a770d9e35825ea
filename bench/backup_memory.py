"""Peak RSS of `mcctl backup daily` as the bucket grows: a full copy and a no-change pass at each size.

    .venv/bin/python bench/backup_memory.py [--sizes 10000,50000,100000] [--parallel 8] [--src DIR]

Starts its own moto and, per size, a fresh Azurite (it slows as it fills) on free 127.0.0.1 ports, grows
one bucket of 100-byte objects spread over 16 prefixes to each size, and runs the real CLI (`python -m
multicloud_ctl ... backup daily --yes`) twice: a full copy into an empty container, then a no-change pass.
Peak RSS is the child's own VmHWM, which it reports at exit (`/proc/self/status`): not `ru_maxrss` from
`wait4`, which Linux raises to the RSS of the parent that forked the child (the bench, holding the fake's
blobs) when the child execs. `--src` runs
another source tree (e.g. `git archive` of an older commit) against the same emulators, for before/after
figures. `--blob fake` serves Blob from the wire-level fake of the tests (`tests/integration/backup/
fake_blob_endpoint.py`, in this process, blobs in memory) instead of Azurite, which slows as it fills: for the
large sizes. Prints a table and a JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
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

        return FakeBlobService().start()
    return start_azurite(free_port(), location, log=location.with_suffix(".log"))


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


def run_daily(cfg: Path, playbook: Path, src: Path | None) -> dict[str, Any]:
    """One `backup daily` in a child process: its summary, wall seconds and peak RSS (MiB)."""
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    cmd = [sys.executable, "-c", PEAK_WRAPPER, "--config-dir", str(cfg), "--output", "json"]
    cmd += ["backup", "daily", "--yes", "--playbook", str(playbook)]
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=err)
        proc.wait()
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        errors = err.read().decode()
        if proc.returncode != 0:
            raise SystemExit(f"backup daily exited {proc.returncode}:\n{errors[-2000:]}")
        summary = json.loads(out.read())
    peak_kb = int(errors.rsplit("MCCTL_PEAK_KB ", 1)[1].split()[0])
    return {"summary": summary, "seconds": seconds, "peak_rss_mib": peak_kb / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--src", type=Path, default=None, help="another source tree to run (before/after)")
    parser.add_argument("--blob", choices=("azurite", "fake"), default="azurite")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="mcctl-bench-mem-") as d:
        tmp = Path(d)
        moto = start_moto(free_port(), log=tmp / "moto.log")
        try:
            have = 0
            for size in sizes:
                grow(moto.url, have, size)
                have = size
                blob = start_blob(args.blob, tmp / f"azurite-{size}")
                try:
                    cfg, playbook = write_config(tmp, moto.port, blob.port, f"mem-{size}", args.parallel)
                    if args.blob == "fake":
                        point_at_fake(cfg, blob.port)
                    full = run_daily(cfg, playbook, args.src)
                    again = run_daily(cfg, playbook, args.src)
                finally:
                    blob.stop()
                assert full["summary"]["copied"] == size and again["summary"]["copied"] == 0, (full, again)
                rows.append(
                    {
                        "objects": size,
                        "full_rss_mib": round(full["peak_rss_mib"], 1),
                        "full_s": round(full["seconds"], 1),
                        "nochange_rss_mib": round(again["peak_rss_mib"], 1),
                        "nochange_s": round(again["seconds"], 1),
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
        finally:
            moto.stop()
    print(
        f"source: {args.src or REPO / 'src'}; blob: {args.blob}; parallelism {args.parallel}; "
        f"100-byte objects over {PREFIXES} prefixes"
    )
    print(f"{'objects':>8} {'full MiB':>9} {'full s':>7} {'no-change MiB':>14} {'no-change s':>12}")
    for r in rows:
        print(
            f"{r['objects']:>8} {r['full_rss_mib']:>9.1f} {r['full_s']:>7.1f} "
            f"{r['nochange_rss_mib']:>14.1f} {r['nochange_s']:>12.1f}"
        )
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        per_k = (last["full_rss_mib"] - first["full_rss_mib"]) / ((last["objects"] - first["objects"]) / 1000)
        print(f"growth, full copy: {per_k * 1024:.1f} KiB per 1,000 objects")
    print(json.dumps({"rows": rows, "src": str(args.src) if args.src else None, "blob": args.blob}))


if __name__ == "__main__":
    main()
