"""`mcctl local demo`: bring the sandbox up, run every verb that exists against it, print a summary.

The demo is a registry of steps. Each verb adds one entry to `DEMO_STEPS` (in this file, in the order a
newcomer should see them); a step is a name and a callable that gets a `DemoContext` and returns a
one-line summary, or raises (any exception) to fail:

    def _sync(ctx: DemoContext) -> str:
        out = ctx.mcctl_json("sync", "run", "--yes")
        return f"{out['applied']} changes applied"

    DEMO_STEPS.append(DemoStep("sync run", _sync))

`ctx.mcctl(...)` runs the real CLI in a fresh process against the same environment (what a user would
type); `ctx.runtime()` gives an engine Runtime for steps that call operations directly. A failed step
fails the demo (exit 1) but the others still run, unless it is `critical` (the sandbox itself).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import McctlError, OperationFailed

if TYPE_CHECKING:
    from multicloud_ctl.cli.console import Console
    from multicloud_ctl.config.environment import Environment
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.local.supervisor import Supervisor


@dataclass
class DemoContext:
    """What a demo step may use."""

    environment: Environment
    console: Console
    config_dir: Path
    supervisor: Supervisor
    _runtime: Runtime | None = field(default=None, repr=False)

    def runtime(self) -> Runtime:
        if self._runtime is None:
            from multicloud_ctl.engine.runtime import Runtime

            self._runtime = Runtime(self.environment)
        return self._runtime

    def mcctl(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run `mcctl --env <env> --config-dir <dir> ARGS` in a fresh process; returns its result."""
        cmd = [
            sys.executable,
            "-m",
            "multicloud_ctl",
            "--env",
            self.environment.name,
            "--config-dir",
            str(self.config_dir.absolute()),  # not resolve(): a linked config/ (the checkout's) keeps its home
            *args,
        ]
        env = {**os.environ, "NO_COLOR": "1"}
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)

    def mcctl_json(self, *args: str, ok_codes: tuple[int, ...] = (0,), timeout: float = 300) -> Any:
        """Run mcctl with `--output json`; fail the step unless the exit code is in `ok_codes`."""
        result = self.mcctl("--output", "json", *args, timeout=timeout)
        if result.returncode not in ok_codes:
            last = (result.stderr.strip().splitlines() or ["no output"])[-2:]
            raise OperationFailed(f"`mcctl {' '.join(args)}` exited {result.returncode}: {' / '.join(last)}")
        return json.loads(result.stdout) if result.stdout.strip() else None


@dataclass(frozen=True)
class DemoStep:
    name: str
    run: Callable[[DemoContext], str]
    critical: bool = False


@dataclass(frozen=True)
class DemoResult:
    step: str
    result: str  # ok | failed | skipped
    seconds: float
    summary: str


def _sandbox_up(ctx: DemoContext) -> str:
    rows = ctx.supervisor.up()
    started = [r.component for r in rows if r.note == "started"]
    return f"{len(rows)} components healthy ({len(started)} started now)"


def _local_status(ctx: DemoContext) -> str:
    rows = ctx.mcctl_json("local", "status")
    healthy = [r for r in rows if r["healthy"]]
    if len(healthy) != len(rows):
        down = ", ".join(r["component"] for r in rows if not r["healthy"])
        raise OperationFailed(f"unhealthy: {down}")
    return f"{len(healthy)}/{len(rows)} healthy: " + ", ".join(f"{r['component']}:{r['port']}" for r in rows)


DEMO_STEPS: list[DemoStep] = [
    DemoStep("sandbox up", _sandbox_up, critical=True),
    DemoStep("local status", _local_status),
]


def _provision_steps() -> list[DemoStep]:
    """Provision everything first (operations/provision/sandbox.py, issue 3)."""
    from multicloud_ctl.operations.provision.sandbox import STEPS

    return [DemoStep(name, run) for name, run in STEPS]


DEMO_STEPS += _provision_steps()


def _functions_steps() -> list[DemoStep]:
    """deploy, sync backfill, shop traffic, sync run (local/functions/shopdemo.py, operations/sync/demo.py):
    orders placed through the functions land in DynamoDB and arrive in Azure SQL through the stream."""
    from multicloud_ctl.local.functions.shopdemo import STEPS as SHOP
    from multicloud_ctl.operations.sync.demo import STEPS as SYNC

    shop, sync = dict(SHOP), dict(SYNC)
    order = [("deploy", shop), ("sync backfill", sync), ("shop traffic", shop), ("sync run", sync)]
    return [DemoStep(name, steps[name]) for name, steps in order]


DEMO_STEPS += _functions_steps()


def _backup_steps() -> list[DemoStep]:
    """Daily backup, weekly snapshot and verify (operations/backup/demo.py, issue 6): before the drill, whose
    preflight checks the backup's age."""
    from multicloud_ctl.operations.backup.demo import STEPS

    return [DemoStep(name, run) for name, run in STEPS]


DEMO_STEPS += _backup_steps()


def _failover_steps() -> list[DemoStep]:
    """A failover drill with an injected AWS outage (operations/failover/sandbox.py, issue 7)."""
    from multicloud_ctl.operations.failover.sandbox import STEPS

    return [DemoStep(name, run) for name, run in STEPS]


DEMO_STEPS += _failover_steps()


def _observability_steps() -> list[DemoStep]:
    """The latest order's trace and logs from both clouds, and the dashboard (operations/observability/demo.py)."""
    from multicloud_ctl.operations.observability.demo import STEPS

    return [DemoStep(name, run) for name, run in STEPS]


DEMO_STEPS += _observability_steps()


def _cost(ctx: DemoContext) -> str:
    """The demo ends with a cost report (operations/cost/demo_step.py, issue 8)."""
    from multicloud_ctl.operations.cost.demo_step import cost_demo_step

    return cost_demo_step(ctx)


DEMO_STEPS.append(DemoStep("cost report", _cost))


def run_demo(
    ctx: DemoContext, steps: list[DemoStep] | None = None, clock: Callable[[], float] = time.monotonic
) -> list[DemoResult]:
    """Run the steps in order; a failed critical step skips the rest."""
    results: list[DemoResult] = []
    skip = False
    for step in steps if steps is not None else DEMO_STEPS:
        if skip:
            results.append(DemoResult(step.name, "skipped", 0.0, "an earlier critical step failed"))
            continue
        ctx.console.info(f"demo: {step.name} ...")
        start = clock()
        try:
            summary = step.run(ctx)
            results.append(DemoResult(step.name, "ok", round(clock() - start, 2), summary))
        except McctlError as exc:
            results.append(DemoResult(step.name, "failed", round(clock() - start, 2), exc.message))
            skip = step.critical
        except Exception as exc:  # a step's bug is a failed step, not a crashed demo
            results.append(DemoResult(step.name, "failed", round(clock() - start, 2), f"{type(exc).__name__}: {exc}"))
            skip = step.critical
    return results
