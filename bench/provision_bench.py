"""Time `provision` on the sandbox: apply from empty one resource at a time and at the default parallelism.

    .venv/bin/python bench/provision_bench.py [--lro-polls 2] [--parallelism 10]

For each mode (`--parallelism 1`, then the default), in the same run, a fresh sandbox is started the way `mcctl
local up` starts it, each emulator in its own process on free loopback ports (moto, Azurite, the fake ARM, the
fake Cloudflare API), and `provision apply` runs from empty through the run lifecycle (lock, plan, steps,
journal). Printed per mode: wall time, the part before the first step (lease quorum + live reads), the steps'
span, CPU seconds of this process and of each emulator (and their sum spread over the cores: the wall time no
schedule can beat), and the HTTP calls made with the sum of their latency (timed at urllib3 and httpx, the
transports under boto3, azure-core and the Cloudflare SDK).

Goals (issue 20): default / sequential wall time <= 0.3; default wall time <= 3x the sum of the API calls' own
latency (their latency in the sequential apply, where no call waits for another). Prints figures, asserts nothing;
then the no-op plan and drift over the converged sandbox.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from multicloud_ctl.config.loader import load_environment
from multicloud_ctl.config.playbook import load_playbook
from multicloud_ctl.engine.runtime import Runtime
from multicloud_ctl.local.processes import Emulator, free_port, start_azurite, start_moto, stop_process
from multicloud_ctl.operations import provision

REPO = Path(__file__).resolve().parents[1]
TOKEN = "sandbox-token"


class CallTimer:
    """Count and time every HTTP request this process makes (urllib3 for boto3/azure-core, httpx for Cloudflare)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls = 0
        self.seconds = 0.0

    def add(self, seconds: float) -> None:
        with self.lock:
            self.calls += 1
            self.seconds += seconds

    def install(self) -> None:
        import httpx
        import urllib3.connectionpool

        def timed(original: Any) -> Any:
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                t0 = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    self.add(time.perf_counter() - t0)

            return wrapper

        pool = urllib3.connectionpool.HTTPConnectionPool
        pool._make_request = timed(pool._make_request)  # type: ignore[method-assign]
        httpx.HTTPTransport.handle_request = timed(httpx.HTTPTransport.handle_request)  # type: ignore[method-assign]

    def reset(self) -> tuple[int, float]:
        with self.lock:
            out = (self.calls, self.seconds)
            self.calls, self.seconds = 0, 0.0
        return out


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _wait_ready(url: str, emulator: Emulator) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if emulator.proc.poll() is not None:
            raise SystemExit(f"{emulator.name} exited with {emulator.proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{emulator.name} did not answer {url}")


def _python_emulator(name: str, argv: list[str], health: str, env: dict[str, str] | None = None) -> Emulator:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", *argv, str(port)],
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # stop_process signals the group, as for the sandbox's own emulators
    )
    emulator = Emulator(name, port, proc)
    _wait_ready(f"{emulator.url}{health}", emulator)
    return emulator


class Sandbox:
    """The four emulators a provision needs, each its own process, and an environment pointed at them."""

    def __init__(self, tmp: Path, lro_polls: int) -> None:
        self.emulators: list[Emulator] = []
        try:  # an emulator that fails to start must not leave the ones already started running
            self.emulators.append(start_moto(free_port()))
            self.emulators.append(start_azurite(free_port(), tmp / "azurite"))
            arm = ["multicloud_ctl.local.arm", "--lro-polls", str(lro_polls), "--port"]
            self.emulators.append(_python_emulator("arm", arm, "/_admin/health"))
            edge = ["multicloud_ctl.local.edge", "--state-file", str(tmp / "edge.json"), "--api-port"]
            self.emulators.append(_python_emulator("edge", edge, "/_admin/health", {"MCCTL_EDGE_TOKEN": TOKEN}))
        except BaseException:
            self.stop()
            raise
        moto, azurite, arm_emulator, edge_emulator = self.emulators
        base = load_environment("local", REPO / "config")
        ports = base.local.ports.model_copy(update={"moto": moto.port, "azurite_blob": azurite.port})
        self.env = base.model_copy(
            update={
                "state_dir": tmp / "state",
                "local": base.local.model_copy(update={"ports": ports}),
                "azure": base.azure.model_copy(
                    update={
                        "arm_endpoint": arm_emulator.url,
                        "sql": base.azure.sql.model_copy(update={"url": f"sqlite:///{tmp / 'sql.db'}"}),
                    }
                ),
                "cloudflare": base.cloudflare.model_copy(update={"base_url": f"{edge_emulator.url}/client/v4"}),
            }
        )

    def cpu(self) -> dict[str, float]:
        return {e.name: _cpu(e.proc.pid) for e in self.emulators}

    def stop(self) -> None:
        for emulator in self.emulators:
            stop_process(emulator.proc)


def seed_secrets(env: Any) -> None:
    """The secrets the playbook refers to on `local`, which `mcctl local up` creates (the VPN's key, Redis AUTH)."""
    from multicloud_ctl.config.secrets import SecretResolver
    from multicloud_ctl.local.functions.bootstrap import ensure_redis_auth_token, ensure_vpn_psk
    from multicloud_ctl.providers.aws.session import AwsClients

    ensure_vpn_psk(AwsClients(env, SecretResolver()), env)
    ensure_redis_auth_token(AwsClients(env, SecretResolver()), env)


def apply_from_empty(spec: Any, lro_polls: int, parallelism: int, timer: CallTimer, tmp: Path) -> dict[str, Any]:
    sandbox = Sandbox(tmp, lro_polls)
    try:
        rt = Runtime(sandbox.env)
        seed_secrets(sandbox.env)
        provision.plan_resources(Runtime(sandbox.env, dry_run=True), spec)  # warm: imports, clients, models
        timer.reset()
        cpu0, own0 = sandbox.cpu(), _own_cpu()
        t0, wall0 = time.monotonic(), rt.clock.timestamp()
        outcome = provision.apply(rt, spec, parallelism=parallelism)
        wall = time.monotonic() - t0
        calls, latency = timer.reset()
        cpu1, own1 = sandbox.cpu(), _own_cpu()
        execution = outcome.execution
        steps = execution.steps if execution is not None else []
        started = [s.started_at for s in steps if s.started_at is not None]
        return {
            "parallelism": parallelism,
            "wall": wall,
            "steps": len(steps),
            "first_step_after": (min(started) - wall0) if started else 0.0,
            "calls": calls,
            "latency": latency,
            "cpu": {"mcctl": own1 - own0, **{k: cpu1[k] - cpu0[k] for k in cpu0}},
            "mutating": (rt.aws.counter.mutating, rt.azure.guard.mutating, rt.cloudflare.guard.mutating),
            "sandbox": sandbox,
        }
    except BaseException:
        sandbox.stop()
        raise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lro-polls", type=int, default=2, help="polls each ARM operation stays InProgress")
    parser.add_argument("--parallelism", type=int, default=provision.PARALLELISM)
    args = parser.parse_args()
    spec = load_playbook(REPO / "playbooks" / "provision.yaml", "Provision").spec
    timer = CallTimer()
    timer.install()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (figures scale with contention)")
    with ExitStack() as stack:
        runs = []
        for parallelism in (1, args.parallelism):
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            run = apply_from_empty(spec, args.lro_polls, parallelism, timer, tmp)
            stack.callback(run["sandbox"].stop)
            runs.append(run)
            cpu = ", ".join(f"{k} {v:.2f}" for k, v in run["cpu"].items())
            # every process's CPU spread over every core: no schedule of these calls can finish sooner
            floor = sum(run["cpu"].values()) / (os.cpu_count() or 1)
            cpu += f" (all over {os.cpu_count()} cores: {floor:.2f} s, {floor / run['wall']:.0%} of the wall time)"
            aws, azure, cloudflare = run["mutating"]
            print(
                f"apply from empty, --parallelism {parallelism:>2}: {run['wall']:5.2f} s wall (first step after "
                f"{run['first_step_after']:.2f} s); {run['steps']} steps; "
                f"{run['calls']} HTTP calls, {run['latency']:.2f} s of latency summed; mutating AWS {aws}, "
                f"Azure {azure}, Cloudflare {cloudflare}\n    CPU s: {cpu}"
            )
        sequential, default = runs
        ratio = default["wall"] / sequential["wall"]
        budget = 3 * sequential["latency"]
        print(
            f"ratio default / sequential: {ratio:.2f} (goal <= 0.3); default wall {default['wall']:.2f} s against "
            f"3x the calls' own latency {budget:.2f} s (goal: within)"
        )
        env = default["sandbox"].env
        t0 = time.monotonic()
        rt = Runtime(env, dry_run=True)
        again = provision.plan_resources(rt, spec)
        t1 = time.monotonic()
        drift = provision.find_drift(Runtime(env, dry_run=True), spec)
        t2 = time.monotonic()
        print(
            f"second plan (all no-op): {t1 - t0:5.2f} s (non-noop: {sum(p.action != 'noop' for p in again)}; read "
            f"calls AWS {rt.aws.counter.total}, Azure {rt.azure.guard.total}, Cloudflare {rt.cloudflare.guard.total})"
        )
        print(f"drift (clean):           {t2 - t1:5.2f} s (items: {len(drift)})")


if __name__ == "__main__":
    main()
