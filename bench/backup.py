"""Benchmark `mcctl backup daily` against `rclone sync` on the same emulators, in the same run.

    .venv/bin/python bench/backup.py [--small 2000] [--large 40] [--parallel 8] [--repeat 3] [--passes 1]

Starts its own moto and Azurite (each tool gets a fresh Azurite, since Azurite slows as it fills) on free
127.0.0.1 ports, seeds one bucket with N x 4 KiB and M x 8 MiB objects, then, `--repeat` times, times each
tool's full copy and `--passes` no-change passes of each tool, alternating (mcctl, rclone, rclone, mcctl, ...:
each pair runs back to back, as the machine's speed drifts over minutes; wall clock of the whole command,
process start included; a tool's no-change figure is the median of its passes), and prints medians with the
spread, each process's CPU seconds (the tool, moto, Azurite: on a 2-core machine they compete for the same
cores), the no-change ratio mcctl / rclone --checksum (of the medians, and the median of the pairs' ratios
with a distribution-free ~95 % confidence interval for it: `median_interval`) and the 1-minute load.
rclone is installed from Debian's packages when missing and runs with the same parallelism and
`--checksum` (size + MD5 from the listings: the equivalent of our size + ETag rule). Prints one table and a JSON line.

mcctl runs from this checkout; its bytecode is compiled first (`compileall`, as `pip install` does for an
installed mcctl), since with PYTHONDONTWRITEBYTECODE set (as on this kind of machine) every run would otherwise
compile the package's sources again (about 0.1 s of CPU a run). `--no-compile` measures without.
`--seed-rclone` writes rclone's destination with the Blob SDK (the objects' bytes, Content-MD5 and rclone's
`mtime` metadata entry, what its full copy leaves) instead of timing rclone's full copy, which runs at about
43 objects/s here: for 32k objects.
It skips rclone's size+modtime pass, which would rewrite the metadata of every seeded blob.
`--azurite-memory` starts both Azurites with `--inMemoryPersistence`: on disk, Azurite writes its whole
metadata database out within 5 s of any change (0.14-0.24 s of CPU at 8,000 blobs), so the manifest a daily
run commits costs CPU in whichever pass runs next, a cost the Blob service does not have.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from multicloud_ctl.local.processes import free_port, start_azurite, start_moto  # noqa: E402

AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
BUCKET = "bench-src"
MIB = 1024 * 1024


def ensure_rclone() -> str:
    path = shutil.which("rclone")
    if path:
        return path
    print("rclone missing: apt-get install -y rclone", file=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "-q", "rclone"], check=True, stdout=subprocess.DEVNULL)
    return shutil.which("rclone") or "rclone"


def seed(moto_url: str, small: int, large: int) -> tuple[int, int]:
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    s3.create_bucket(Bucket=BUCKET)
    items = [(f"small/{i:05d}.bin", 4096) for i in range(small)] + [
        (f"large/{i:03d}.bin", 8 * MIB) for i in range(large)
    ]

    def put(item: tuple[str, int]) -> None:
        s3.put_object(Bucket=BUCKET, Key=item[0], Body=content(*item))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, items))
    ITEMS[:] = items
    return len(items), sum(size for _, size in items)


def content(key: str, size: int) -> bytes:
    """An object's bytes, the same on every call (so `--seed-rclone` can write them again), unique per key."""
    import random

    return random.Random(key).randbytes(size)


def seed_rclone_destination(blob_url: str, container: str, items: list[tuple[str, int]]) -> float:
    """Write what a full `rclone sync` would leave in `container/daily/`: each object's bytes with its
    Content-MD5 (all `--checksum` compares, with the size, from the listing) and the `mtime` metadata entry
    rclone's azureblob backend writes on every upload (the source's modification time, nanosecond RFC 3339;
    seen on this Azurite after a real `rclone sync`). rclone lists with `include=metadata`, so a blob without
    that entry would make its listing cheaper for Azurite than after its own copy. Returns the seconds it took."""
    import hashlib
    from datetime import UTC, datetime

    from azure.storage.blob import BlobServiceClient, ContentSettings

    start = time.perf_counter()
    svc = BlobServiceClient(blob_url, credential={"account_name": "devstoreaccount1", "account_key": AZURITE_KEY})
    box = svc.get_container_client(container)
    # rclone writes the source's modification time; the seed writes its own start time, in rclone's format
    mtime = {"mtime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f000Z")}

    def put(item: tuple[str, int]) -> None:
        data = content(*item)
        settings = ContentSettings(content_md5=bytearray(hashlib.md5(data).digest()))
        box.upload_blob(f"daily/{item[0]}", data, overwrite=True, content_settings=settings, metadata=mtime)

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(put, items))
    return time.perf_counter() - start


def write_config(tmp: Path, moto_port: int, azurite_port: int, container: str, parallel: int) -> tuple[Path, Path]:
    import yaml

    from multicloud_ctl.config.loader import load_environment

    base = load_environment("local", REPO / "config")
    ports = base.local.ports.model_copy(update={"moto": moto_port, "azurite_blob": azurite_port})
    env = base.model_copy(
        update={
            "state_dir": tmp / "state",
            # the lease in DynamoDB alone, as in the tests: the sandbox's quorum needs the edge running too
            "lease": base.lease.model_copy(update={"stores": ["aws"]}),
            "local": base.local.model_copy(update={"ports": ports}),
            "azure": base.azure.model_copy(
                update={"sql": base.azure.sql.model_copy(update={"url": f"sqlite:///{tmp / 'sql.db'}"})}
            ),
        }
    )
    cfg = tmp / f"config-{azurite_port}"
    cfg.mkdir()
    (cfg / "local.yaml").write_text(yaml.safe_dump(env.model_dump(mode="json", exclude_none=True)))
    playbook = tmp / f"backup-{azurite_port}.yaml"
    playbook.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "mcctl/v1",
                "kind": "Backup",
                "metadata": {"name": "bench"},
                "spec": {
                    "buckets": [BUCKET],
                    "container": container,
                    "parallelism": parallel,
                    "block_size": "8MiB",
                },
            }
        )
    )
    return cfg, playbook


SEED_RCLONE = False  # `--seed-rclone`
SKIP_MODTIME = False  # `--no-modtime-pass`
AZURITE_MEMORY = False  # `--azurite-memory`
ITEMS: list[tuple[str, int]] = []  # what `seed` put in the bucket: (key, size)
CPU: dict[str, float] = {}  # CPU seconds of the last timed command, by process: tool, moto, azurite
WATCH: dict[str, int] = {}  # emulator name -> pid, set by main and per tool run


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a live process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    before = {name: proc_cpu(pid) for name, pid in WATCH.items()}
    own = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:6])}... exited {out.returncode}:\n{out.stderr[-2000:]}")
    CPU.clear()
    CPU["tool"] = after.ru_utime - own.ru_utime + after.ru_stime - own.ru_stime
    CPU.update({name: proc_cpu(pid) - before[name] for name, pid in WATCH.items()})
    return seconds, out.stdout


def median_pass(passes: list[tuple[float, dict[str, float]]]) -> tuple[float, dict[str, float]]:
    """The median no-change pass (seconds) with its own CPU split (an odd count keeps them together)."""
    ordered = sorted(passes, key=lambda p: p[0])
    return ordered[(len(ordered) - 1) // 2]


class McctlSide:
    """mcctl's half of a repetition: its own Azurite, the timed full copy, then no-change passes on demand."""

    def __init__(self, tmp: Path, moto_port: int, parallel: int, rep: int) -> None:
        loc = tmp / f"azurite-mcctl-{rep}"
        self.azurite = start_azurite(free_port(), loc, log=tmp / f"{loc.name}.log", in_memory=AZURITE_MEMORY)
        try:
            cfg, playbook = write_config(tmp, moto_port, self.azurite.port, "bench-mcctl", parallel)
        except BaseException:
            self.azurite.stop()  # its own session: it would outlive the bench
            raise
        self.cmd = [
            sys.executable,
            "-m",
            "multicloud_ctl",
            "--config-dir",
            str(cfg),
            "--output",
            "json",
            "backup",
            "daily",
            "--yes",
            "--playbook",
            str(playbook),
        ]
        self.env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
        self.runs: list[tuple[float, dict[str, float]]] = []
        self.inner: list[float] = []
        self.result: dict[str, Any] = {}

    def full(self) -> None:
        WATCH["azurite"] = self.azurite.proc.pid
        full, out = timed(self.cmd, self.env)
        first = json.loads(out)
        assert first["copied"] == first["listed"], first
        self.result = {"full_s": full, "copied": first["copied"], "inner_full_s": first["seconds"]}
        self.result["full_cpu"] = dict(CPU)

    def one_pass(self) -> float:
        WATCH["azurite"] = self.azurite.proc.pid
        seconds, out = timed(self.cmd, self.env)
        second = json.loads(out)
        assert second["copied"] == 0, second
        self.runs.append((seconds, dict(CPU)))
        self.inner.append(second["seconds"])
        return seconds

    def summary(self) -> dict[str, Any]:
        nochange, nochange_cpu = median_pass(self.runs)
        return {
            **self.result,
            "nochange_s": nochange,
            "inner_nochange_s": statistics.median(self.inner),
            "nochange_cpu": nochange_cpu,
            "nochange_all_s": [round(r[0], 3) for r in self.runs],
        }


def container_sas(blob_url: str, container: str) -> str:
    """Create `container` on Azurite and return a read/write/list SAS token for it (dev key, 2 hours)."""
    from datetime import UTC, datetime, timedelta

    from azure.storage.blob import BlobServiceClient, ContainerSasPermissions, generate_container_sas

    cred = {"account_name": "devstoreaccount1", "account_key": AZURITE_KEY}
    BlobServiceClient(blob_url, credential=cred).create_container(container)
    perms = ContainerSasPermissions(read=True, add=True, create=True, write=True, delete=True, list=True)
    return generate_container_sas(
        "devstoreaccount1",
        container,
        account_key=AZURITE_KEY,
        permission=perms,
        expiry=datetime.now(UTC) + timedelta(hours=2),
    )


class RcloneSide:
    """rclone's half of a repetition: its own Azurite, its full copy (or the seeded destination), then passes."""

    def __init__(self, rclone: str, tmp: Path, moto_port: int, parallel: int, rep: int) -> None:
        loc = tmp / f"azurite-rclone-{rep}"
        self.azurite = start_azurite(free_port(), loc, log=tmp / f"{loc.name}.log", in_memory=AZURITE_MEMORY)
        self.blob_url = f"http://127.0.0.1:{self.azurite.port}/devstoreaccount1"
        try:
            sas = container_sas(self.blob_url, "bench-rclone")
        except BaseException:
            self.azurite.stop()  # its own session: it would outlive the bench
            raise
        conf = tmp / f"rclone-{rep}.conf"
        self.env = {
            # rclone's S3 backend refuses AWS_CA_BUNDLE with its own transport; the endpoints are plain http.
            **{k: v for k, v in os.environ.items() if k != "AWS_CA_BUNDLE"},
            "RCLONE_CONFIG_SRC_TYPE": "s3",
            "RCLONE_CONFIG_SRC_PROVIDER": "Other",
            "RCLONE_CONFIG_SRC_ACCESS_KEY_ID": "testing",
            "RCLONE_CONFIG_SRC_SECRET_ACCESS_KEY": "testing",
            "RCLONE_CONFIG_SRC_ENDPOINT": f"http://127.0.0.1:{moto_port}",
            "RCLONE_CONFIG_SRC_REGION": "us-east-1",
            "RCLONE_CONFIG_SRC_FORCE_PATH_STYLE": "true",
            # rclone 1.60's azureblob `endpoint` is a domain suffix (https://ACCOUNT.SUFFIX), so the loopback
            # Azurite is reached through a container SAS URL signed with the published development key.
            "RCLONE_CONFIG_DST_TYPE": "azureblob",
            "RCLONE_CONFIG_DST_SAS_URL": f"{self.blob_url}/bench-rclone?{sas}",
            "RCLONE_CONFIG": str(conf),
        }
        conf.write_text("")
        self.cmd = [
            rclone,
            "sync",
            f"src:{BUCKET}",
            "dst:bench-rclone/daily",
            "--checksum",
            "--contimeout",
            "5s",
            "--transfers",
            str(parallel),
            "--checkers",
            str(2 * parallel),
        ]
        self.runs: list[tuple[float, dict[str, float]]] = []
        self.result: dict[str, Any] = {}
        self.modtime_s = float("nan")  # rclone's default size + modtime pass, unless skipped

    def full(self) -> None:
        WATCH["azurite"] = self.azurite.proc.pid
        if SEED_RCLONE:  # the destination written directly; rclone's full copy is not timed
            nan = float("nan")
            self.result = {"full_s": nan, "full_cpu": {"tool": nan, "moto": nan, "azurite": nan}}
            print(f"rclone destination seeded in {seed_rclone_destination(self.blob_url, 'bench-rclone', ITEMS):.1f}s")
            first = subprocess.run([*self.cmd, "-v"], capture_output=True, text=True, env=self.env, cwd=REPO)
            changed = [line for line in first.stderr.splitlines() if ": Copied" in line or ": Updated" in line]
            if first.returncode != 0 or changed:  # the seeded destination must be what a full copy leaves
                raise SystemExit(f"rclone's pass over the seeded destination changed something: {changed[:3]}")
        else:
            full, _ = timed(self.cmd, self.env)
            self.result = {"full_s": full, "full_cpu": dict(CPU)}

    def one_pass(self) -> float:
        WATCH["azurite"] = self.azurite.proc.pid
        seconds, _ = timed(self.cmd, self.env)
        self.runs.append((seconds, dict(CPU)))
        return seconds

    def modtime_pass(self) -> None:
        """rclone's default (size + modtime) pass, once, after the timed passes."""
        if not SKIP_MODTIME:
            WATCH["azurite"] = self.azurite.proc.pid
            self.modtime_s, _ = timed([c for c in self.cmd if c != "--checksum"], self.env)

    def summary(self) -> dict[str, Any]:
        nochange, nochange_cpu = median_pass(self.runs)
        return {
            **self.result,
            "nochange_s": nochange,
            "nochange_modtime_s": self.modtime_s,
            "nochange_cpu": nochange_cpu,
            "nochange_all_s": [round(r[0], 3) for r in self.runs],
        }


def summarize(runs: list[dict[str, Any]], key: str) -> tuple[float, float, float]:
    """Median, min and max of one figure over the repetitions."""
    values = [r[key] for r in runs]
    return statistics.median(values), min(values), max(values)


def median_interval(values: list[float], level: float = 0.95) -> tuple[float, float, float]:
    """A distribution-free confidence interval for the median of `values`: (low, high, coverage).

    The k-th smallest and k-th largest values bound the median with probability 1 - 2 P(B <= k - 1), B being
    Binomial(n, 1/2) (the sign test's interval); k is the largest that still covers `level` (15 pairs: the
    4th and 12th, 96.5 %). With too few values for `level` the interval is the whole range, its coverage below.
    """
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return float("nan"), float("nan"), 0.0
    below, k, coverage = 0.0, 1, 1 - 2 * 0.5**n
    for j in range(1, (n + 1) // 2 + 1):  # coverage of [X(j), X(n-j+1)] is 1 - 2 P(B <= j - 1)
        below += math.comb(n, j - 1) / 2**n
        if 1 - 2 * below < level:
            break
        k, coverage = j, 1 - 2 * below
    return ordered[k - 1], ordered[n - k], coverage


def cpu_line(runs: list[dict[str, Any]], key: str) -> str:
    """Median CPU seconds per process (tool, moto, azurite) for one pass."""
    names = ("tool", "moto", "azurite")
    return "  ".join(f"{n} {statistics.median(r[key][n] for r in runs):.2f}" for n in names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=2000)
    parser.add_argument("--large", type=int, default=40)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (tool order alternates); medians shown")
    parser.add_argument("--passes", type=int, default=1, help="no-change passes per repetition (median taken)")
    parser.add_argument("--no-compile", action="store_true", help="do not compile mcctl's bytecode first")
    parser.add_argument(
        "--seed-rclone",
        action="store_true",
        help="write rclone's destination directly instead of timing its full copy (43 objects/s: 12 min at 32k)",
    )
    parser.add_argument(
        "--no-modtime-pass", action="store_true", help="skip rclone's size+modtime pass (implied by --seed-rclone)"
    )
    parser.add_argument(
        "--azurite-memory",
        action="store_true",
        help="Azurite with --inMemoryPersistence (no LokiJS database dump after each write: see `azurite_command`)",
    )
    args = parser.parse_args()
    global SEED_RCLONE, SKIP_MODTIME, AZURITE_MEMORY
    AZURITE_MEMORY = args.azurite_memory
    # a seeded destination has no rclone modtime metadata: the size+modtime pass would rewrite every blob's
    # metadata (over 16 minutes at 32,000 on Azurite), a different job from a no-change pass
    SEED_RCLONE, SKIP_MODTIME = args.seed_rclone, args.no_modtime_pass or args.seed_rclone
    if not args.no_compile:
        import compileall

        compileall.compile_dir(str(REPO / "src" / "multicloud_ctl"), quiet=1)
    rclone = ensure_rclone()
    version = subprocess.run([rclone, "version"], capture_output=True, text=True).stdout.splitlines()[0]
    ours: list[dict[str, Any]] = []
    theirs: list[dict[str, Any]] = []
    pairs: list[float] = []  # mcctl / rclone of each pair of passes run back to back
    with tempfile.TemporaryDirectory(prefix="mcctl-bench-") as d:
        tmp = Path(d)
        moto = start_moto(free_port(), log=tmp / "moto.log")
        WATCH["moto"] = moto.proc.pid
        try:
            objects, nbytes = seed(moto.url, args.small, args.large)
            for rep in range(args.repeat):
                mine = McctlSide(tmp, moto.port, args.parallel, rep)
                try:
                    theirs_side = RcloneSide(rclone, tmp, moto.port, args.parallel, rep)
                except BaseException:
                    mine.azurite.stop()
                    raise
                try:
                    mine.full()
                    theirs_side.full()
                    # the tools' passes alternate (who goes first alternates too), so each pair ran within
                    # seconds of each other: the machine's speed drifts over minutes and moved whole sets of
                    # passes by 20 % when one tool's passes all ran before the other's
                    for i in range(args.passes):
                        sides = (mine, theirs_side) if (rep + i) % 2 == 0 else (theirs_side, mine)
                        seconds = {side: side.one_pass() for side in sides}
                        pairs.append(seconds[mine] / seconds[theirs_side])
                    theirs_side.modtime_pass()
                finally:  # each Azurite runs in its own session: stopped whatever failed
                    mine.azurite.stop()
                    theirs_side.azurite.stop()
                ours.append(mine.summary())
                theirs.append(theirs_side.summary())
        finally:
            moto.stop()
    mib = nbytes / MIB
    rows = [
        ("mcctl backup daily", "full", summarize(ours, "full_s")),
        ("mcctl backup daily", "no change", summarize(ours, "nochange_s")),
        (f"rclone sync --checksum ({version})", "full", summarize(theirs, "full_s")),
        ("rclone sync --checksum", "no change", summarize(theirs, "nochange_s")),
        ("rclone sync (size+modtime)", "no change", summarize(theirs, "nochange_modtime_s")),
    ]
    print(
        f"{objects} objects ({args.small} x 4 KiB + {args.large} x 8 MiB = {mib:.1f} MiB), "
        f"parallelism {args.parallel}, moto + Azurite on 127.0.0.1, median of {args.repeat} (min-max), "
        f"{args.passes} no-change pass(es) each"
    )
    print(f"{'tool':<44} {'pass':<10} {'seconds':>8} {'min-max':>12} {'objects/s':>10} {'MiB/s':>8}")
    for tool, kind, (median, low, high) in rows:
        copied_mib = mib if kind == "full" else 0.0
        spread = f"{low:.2f}-{high:.2f}"
        print(
            f"{tool:<44} {kind:<10} {median:>8.2f} {spread:>12} {objects / median:>10.1f} {copied_mib / median:>8.2f}"
        )
    print("CPU seconds by process (median):")
    print(f"  mcctl  full: {cpu_line(ours, 'full_cpu')}   no change: {cpu_line(ours, 'nochange_cpu')}")
    print(f"  rclone full: {cpu_line(theirs, 'full_cpu')}   no change: {cpu_line(theirs, 'nochange_cpu')}")
    inner = statistics.median(r["inner_nochange_s"] for r in ours)
    print(f"  mcctl no-change pass as it times itself (lock, listings, manifest, journal): {inner:.3f} s")
    ratio = statistics.median(r["nochange_s"] for r in ours) / statistics.median(r["nochange_s"] for r in theirs)
    paired = statistics.median(pairs)
    low, high, coverage = median_interval(pairs)
    print(
        f"no-change ratio mcctl / rclone --checksum: {ratio:.2f} (medians); {paired:.2f} median of {len(pairs)} "
        f"back-to-back pairs ({min(pairs):.2f}-{max(pairs):.2f}; {coverage:.0%} interval of that median "
        f"{low:.2f}-{high:.2f})   load (1 min) at the end: {os.getloadavg()[0]:.2f}"
    )
    print(
        json.dumps(
            {
                "objects": objects,
                "mib": round(mib, 1),
                "repeat": args.repeat,
                "passes": args.passes,
                "ratio": round(ratio, 3),
                "paired_ratio": round(paired, 3),
                "paired_interval": [round(low, 3), round(high, 3), round(coverage, 3)],
                "pairs": [round(r, 3) for r in pairs],
                "load": round(os.getloadavg()[0], 2),
                "mcctl": ours,
                "rclone": theirs,
                "rclone_version": version,
            }
        )
    )


if __name__ == "__main__":
    main()
