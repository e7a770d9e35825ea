"""`bench/sync.py --fake-stream`: `sync run` against the wire-level DynamoDB Streams fake (no moto).

Each measurement runs in its own child process (so its peak RSS is its own) with the fake in another process
(so the fake's CPU is not ours), SQLite as the sink, checkpoints at each shard's start as a backfill of an
empty table leaves them:
- idle: N open, empty shards at 10 ms per API call (N = 1, 16, 64, 256, the playbook's default shard
  concurrency): a `--follow` pass once the shard iterators are held (`idle_pass_s_N_shards`: what every poll
  costs) and a whole one-shot `sync run` (`one_shot_run_s_N_shards`: preflight, fresh iterators, idle_pages);
- apply: `sync run` over R/4, R and 4R records spread across 64 shards at 0 ms per call, into SQLite and (when
  it is reachable) PostgreSQL. CPU per applied record is the slope of the run's process CPU time (all threads)
  over the three sizes: what one more record costs. The intercept is the run's fixed CPU (lazy imports, thread
  start-up, preflight), reported apart (`cpu_s_fixed_<sink>`), and so is each run's plain average.
The last line is one JSON object with every figure (`figures[...]`); other benches add keys to it.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PLAYBOOK = """\
apiVersion: mcctl/v1
kind: Sync
metadata: {name: bench-fake-stream}
spec:
  tables:
    - source: Bench
      target: bench
      keys: [{attribute: id, length: 64}]
      columns:
        - {attribute: status, length: 16}
        - {attribute: total, type: number}
  batch_size: 1000
"""


def start_fake(shards: int, records: int, latency: float) -> tuple[subprocess.Popen[bytes], str]:
    from multicloud_ctl.local.processes import free_port

    port = free_port()
    cmd = [sys.executable, "-m", "multicloud_ctl.local.streams_fake", "--port", str(port), "--table", "Bench"]
    cmd += ["--shards", str(shards), "--records", str(records), "--latency", str(latency)]
    proc = subprocess.Popen(cmd, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/_admin/health", timeout=1).read()
            return proc, url
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the fake stream did not start")


def context(url: str, tmp: Path, concurrency: int | None, sql_url: str | None = None) -> Any:
    from multicloud_ctl.config.loader import load_environment
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.sync.context import open_context

    base = load_environment("local", REPO / "config")
    env = base.model_copy(
        update={
            "state_dir": tmp / "state",
            "aws": base.aws.model_copy(update={"endpoint_url": url}),
            "azure": base.azure.model_copy(
                update={"sql": base.azure.sql.model_copy(update={"url": sql_url or f"sqlite:///{tmp / 'bench.db'}"})}
            ),
        }
    )
    playbook = tmp / "sync.yaml"
    text = PLAYBOOK + (f"  shard_concurrency: {concurrency}\n" if concurrency else "")
    playbook.write_text(text)
    return open_context(Runtime(environment=env), playbook)


def start_checkpoints(ctx: Any) -> None:
    """Tables created and every shard checkpointed at its start (what backfilling an empty table leaves)."""
    from multicloud_ctl.operations.sync.checkpoint import Checkpoint, write_checkpoint
    from multicloud_ctl.operations.sync.sqlschema import create_tables

    m = ctx.mappings[0]
    create_tables(ctx, [m])
    arn = ctx.streams.describe_table(m.source).stream_arn
    with ctx.engine.begin() as conn:
        for s in ctx.streams.describe_stream(m.source, arn).shards:
            write_checkpoint(
                conn, ctx.tables, Checkpoint(m.source, s.shard_id, s.parent_shard_id, None, False, None, ctx.now())
            )


def measure(
    kind: str, shards: int, records: int, latency: float, concurrency: int | None, sql_url: str | None = None
) -> dict[str, Any]:
    """One figure, in this process (called in a child)."""
    from multicloud_ctl.operations.sync.run import RunResult, RunState, Stop, preflight, run_pass, run_sync

    proc, url = start_fake(shards, records, latency)
    try:
        with tempfile.TemporaryDirectory(prefix="mcctl-bench-fake-") as tmp:
            ctx = context(url, Path(tmp), concurrency, sql_url)
            start_checkpoints(ctx)
            cpu0, t0 = time.process_time(), time.perf_counter()
            r = run_sync(ctx)
            wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            steady = None
            if kind == "idle":  # a `--follow` pass once the iterators are held: what each poll costs
                state = RunState(ctx, 1000, Stop(), RunResult(), ctx.spec.shard_concurrency, follow=True)
                arns = preflight(ctx, ctx.mappings)
                run_pass(state, ctx.mappings, arns)
                t1 = time.perf_counter()
                run_pass(state, ctx.mappings, arns)
                steady = time.perf_counter() - t1
            ctx.engine.dispose()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert r.records == records, (r.records, records)
    return {
        "kind": kind,
        "shards": shards,
        "records": records,
        "seconds": round(wall, 3),
        "steady_pass_seconds": None if steady is None else round(steady, 3),
        "cpu_seconds": round(cpu, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def child(
    kind: str, shards: int, records: int, latency: float, concurrency: int | None, sql_url: str | None = None
) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", kind, str(shards), str(records), str(latency), str(concurrency or 0)]
    cmd += [sql_url or ""]
    out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=True, timeout=1800)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main(records: int = 20_000, concurrency: int | None = None) -> dict[str, Any]:
    """Print the figures as a table and return them (the caller prints the JSON line)."""
    figures: dict[str, Any] = {}
    print("idle: `sync --follow` pass over open empty shards, and a whole one-shot `sync run`; 10 ms per API call")
    for shards in (1, 16, 64, 256):
        f = child("idle", shards, 0, 0.010, concurrency)
        figures[f"idle_pass_s_{shards}_shards"] = f["steady_pass_seconds"]
        figures[f"one_shot_run_s_{shards}_shards"] = f["seconds"]
        print(
            f"  {shards:4d} shards: follow pass {f['steady_pass_seconds']:.3f} s, one-shot run {f['seconds']:.3f} s, "
            f"peak RSS {f['peak_rss_mb']:.0f} MiB"
        )
    sys.path.insert(0, str(Path(__file__).parent))
    from sync import drop_postgres, postgres_url  # type: ignore[import-not-found]

    sizes = (records // 4, records, records * 4)
    print("apply: `sync run` over records across 64 shards, 0 ms per API call")
    marginal: dict[str, float] = {}
    for sink in ("sqlite", "postgres"):
        points = []
        for n in sizes:
            url = postgres_url() if sink == "postgres" else None
            if sink == "postgres" and url is None:
                break
            try:
                f = child("apply", 64, n, 0.0, concurrency, url)
            finally:
                if url:
                    drop_postgres(url)
            points.append((n, f["cpu_seconds"]))
            print(
                f"  {sink:8s} {n:7d} records: {f['seconds']:.2f} s ({n / f['seconds']:,.0f} records/s), "
                f"CPU {f['cpu_seconds'] / n * 1e6:.0f} us/record on average, peak RSS {f['peak_rss_mb']:.0f} MiB"
            )
            figures[f"{sink}_records_per_s_{n}"] = round(n / f["seconds"], 1)
            figures[f"{sink}_cpu_us_per_record_avg_{n}"] = round(f["cpu_seconds"] / n * 1e6, 1)
            figures[f"{sink}_peak_rss_mb_{n}_records"] = f["peak_rss_mb"]
            if n == records:
                figures[f"{sink}_records_per_s"] = round(n / f["seconds"], 1)
        if len(points) == len(sizes):
            slope, fixed = _fit(points)
            marginal[sink] = slope * 1e6
            figures[f"cpu_us_per_record_{sink}"] = round(slope * 1e6, 1)
            figures[f"cpu_s_fixed_{sink}"] = round(fixed, 3)
            print(f"  {sink}: {slope * 1e6:.1f} us of CPU per further record, {fixed:.2f} s of CPU per run")
    figures["cpu_us_per_record"] = round(max(marginal.values()), 1) if marginal else None
    figures.setdefault("postgres_records_per_s", None)
    return figures


def _fit(points: list[tuple[int, float]]) -> tuple[float, float]:
    """Least-squares (slope, intercept) of CPU seconds over records."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    slope = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)
    return slope, my - slope * mx


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--child":
    sys.path.insert(0, str(REPO / "src"))
    kind, shards, records, latency, conc, sql = sys.argv[2:8]
    print(json.dumps(measure(kind, int(shards), int(records), float(latency), int(conc) or None, sql or None)))
