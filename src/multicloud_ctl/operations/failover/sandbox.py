"""The sandbox's load balancer for failover, and the `mcctl local demo` step that drills it.

`ensure_sandbox_lb` creates (only where missing, only on a local environment) what `provision` would own
in the cloud: an HTTP monitor on `/health`, one pool per entry of `cloudflare.pools` (origins `aws-1`,
`azure-1`, ... at the configured addresses) and the load balancer `<load_balancer>.<zone_name>` with the
aws pool first and azure as the fallback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import UsageError

if TYPE_CHECKING:
    from multicloud_ctl.engine.runtime import Runtime

MONITOR_DESCRIPTION = "mcctl sandbox /health"


def ensure_sandbox_lb(runtime: Runtime, *, interval: int = 2, settle_seconds: float = 20.0) -> dict[str, Any]:
    """Create the sandbox monitor, pools and load balancer when missing; returns what exists.

    Then wait (at most `settle_seconds`) until the first pool serves: a pool just created is judged by its
    monitor's first probe, and a functions host still warming up can miss that probe's one-second timeout, so
    for an interval or two the fallback serves. A drill started in that window would find nothing to drill.
    `serving` in the result says who served when the wait ended.
    """
    from multicloud_ctl.providers.cloudflare.models import Origin

    env = runtime.environment
    if not env.is_local:
        raise UsageError(
            "the sandbox load balancer is for local environments only",
            hint="in the cloud, `mcctl provision apply` owns the load balancer",
        )
    cf = runtime.cloudflare
    monitor = next((m for m in cf.list_monitors() if m.description == MONITOR_DESCRIPTION), None)
    if monitor is None:
        monitor = cf.create_monitor(
            type="http",
            method="GET",
            path="/health",
            interval=interval,
            timeout=1,
            retries=0,
            expected_codes="200",
            description=MONITOR_DESCRIPTION,
        )
    created: list[str] = []
    ids: dict[str, str] = {}
    for name, addresses in env.cloudflare.pools.items():
        pool = cf.find_pool(name)
        if pool is None:
            origins = [Origin(f"{name}-{i}", addr) for i, addr in enumerate(addresses, 1)]
            pool = cf.create_pool(name, origins, monitor=monitor.id, description=f"mcctl sandbox {name}")
            created.append(f"pool/{name}")
        ids[name] = pool.id
    lb_name = f"{env.cloudflare.load_balancer}.{env.cloudflare.zone_name}"
    lb = cf.find_load_balancer(env.cloudflare.load_balancer)
    if lb is None:
        order = [ids[n] for n in ("aws", "azure") if n in ids] + [
            i for n, i in ids.items() if n not in ("aws", "azure")
        ]
        cf.create_load_balancer(
            lb_name,
            order,
            order[-1],
            steering_policy="off",
        )
        created.append(f"lb/{lb_name}")
    first = next((n for n in ("aws", "azure") if n in ids), next(iter(ids), None))
    serving = _wait_serving(runtime, first, settle_seconds)
    return {"load_balancer": lb_name, "pools": sorted(ids), "created": created, "serving": serving}


def _wait_serving(runtime: Runtime, pool: str | None, seconds: float) -> str | None:
    """Poll the load balancer's state until `pool` has been probed healthy and serves, or `seconds` pass;
    returns who serves (a pool not probed yet counts as serving, so its health must be known first)."""
    import time

    from multicloud_ctl.operations.failover.lbstate import read_state

    end = runtime.clock.monotonic() + seconds
    while True:
        snap = read_state(runtime)
        serving = snap.serving_pool()
        known = pool is not None and pool in snap.pools and snap.pools[pool].healthy is True
        if pool is None or (serving == pool and known) or runtime.clock.monotonic() >= end:
            return serving
        time.sleep(0.2)


def _demo_drill(ctx: Any) -> str:
    """Demo step: a drill with an injected AWS outage, through the real CLI."""
    ensure_sandbox_lb(ctx.runtime())
    # a fresh sandbox has no backup and may not have synced yet: the drill overrides that preflight, on record
    report = ctx.mcctl_json(
        "failover",
        "drill",
        "--to",
        "azure",
        "--inject",
        "outage",
        "--yes",
        "--force",
        "--reason",
        "sandbox demo: backups and sync are not part of this drill",
        ok_codes=(0, 3),
        timeout=180,
    )
    t = report["traffic"]
    return (
        f"{report['status']}: {report['from']} -> {report['to']} -> {report['from']}, RTO "
        f"{report['rto_seconds']}s, RPO {report['rpo_seconds']}, errors {t['errors']}/{t['requests']} "
        f"({t['error_rate']:.1%})"
    )


STEPS = [("failover drill (AWS outage)", _demo_drill)]
