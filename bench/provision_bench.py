"""Time `provision` on the sandbox: plan on empty clouds, apply from empty, the second (no-op) plan, drift.

Starts moto, the fake ARM and the fake edge API on free loopback ports; prints figures, asserts nothing.
    .venv/bin/python bench/provision_bench.py [LRO_POLLS] [PARALLELISM]
LRO_POLLS (default 2, the sandbox's) is how many polls each ARM long-running operation stays InProgress:
compare 0 and 2 to see what ARM's async contract costs an apply. PARALLELISM (default 10, the verb's) is
how many independent resources the apply changes at once: compare 1 (one after another) and 10.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from multicloud_ctl.config.loader import load_environment
from multicloud_ctl.config.playbook import load_playbook
from multicloud_ctl.engine.runtime import Runtime
from multicloud_ctl.local.arm.server import run_arm
from multicloud_ctl.local.edge.server import run_edge_api
from multicloud_ctl.local.processes import free_port, start_moto
from multicloud_ctl.operations import provision

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    moto = start_moto(free_port())
    lro_polls = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    parallelism = int(sys.argv[2]) if len(sys.argv) > 2 else provision.PARALLELISM
    arm, edge = run_arm(0, lro_polls=lro_polls), run_edge_api(0, token="sandbox-token")
    tmp = Path(tempfile.mkdtemp())
    base = load_environment("local", REPO / "config")
    env = base.model_copy(
        update={
            "state_dir": tmp / "state",
            "local": base.local.model_copy(update={"ports": base.local.ports.model_copy(update={"moto": moto.port})}),
            "azure": base.azure.model_copy(
                update={
                    "arm_endpoint": arm.url,
                    "sql": base.azure.sql.model_copy(update={"url": f"sqlite:///{tmp / 'sql.db'}"}),
                }
            ),
            "cloudflare": base.cloudflare.model_copy(update={"base_url": f"{edge.url}/client/v4"}),
        }
    )
    spec = load_playbook(REPO / "playbooks" / "provision.yaml", "Provision").spec
    try:
        t0 = time.monotonic()
        plans = provision.plan_resources(Runtime(env, dry_run=True), spec)
        t1 = time.monotonic()
        apply_rt = Runtime(env)
        provision.apply(apply_rt, spec, parallelism=parallelism)
        t2 = time.monotonic()
        rt = Runtime(env, dry_run=True)
        again = provision.plan_resources(rt, spec)
        t3 = time.monotonic()
        drift = provision.find_drift(Runtime(env, dry_run=True), spec)
        t4 = time.monotonic()
        print(f"resources:                 {len(plans)} ({len({p.resource.kind for p in plans})} kinds)")
        print(f"plan on empty clouds:      {t1 - t0:6.2f} s")
        print(
            f"apply from empty:          {t2 - t1:6.2f} s  (parallelism {parallelism}; "
            f"AWS mutating calls {apply_rt.aws.counter.mutating}, "
            f"Azure {apply_rt.azure.guard.mutating}, Cloudflare {apply_rt.cloudflare.guard.mutating})"
        )
        print(
            f"second plan (all no-op):   {t3 - t2:6.2f} s  (non-noop: {sum(p.action != 'noop' for p in again)}; "
            f"read calls AWS {rt.aws.counter.total}, Azure {rt.azure.guard.total}, "
            f"Cloudflare {rt.cloudflare.guard.total})"
        )
        print(f"drift (clean):             {t4 - t3:6.2f} s  (items: {len(drift)})")
        ops = list(arm.server.store.operations.values())
        print(f"ARM operations (lro_polls={lro_polls}): {len(ops)}, polled {sum(op.polled for op in ops)} times")
    finally:
        arm.stop()
        edge.stop()
        moto.stop()


if __name__ == "__main__":
    main()
