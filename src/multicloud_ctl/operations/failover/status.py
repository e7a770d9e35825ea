"""`mcctl failover status`: which pool serves now, each pool's state, the intended state, the last runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import McctlError

if TYPE_CHECKING:
    from multicloud_ctl.engine.runtime import Runtime


def last_runs(runtime: Runtime, limit: int = 5) -> list[dict[str, Any]]:
    """The newest failover and drill journals (newest first) with their measured RTO/RPO and each step's
    duration."""
    from multicloud_ctl.engine.journal import list_journals, load_journal

    runs = []
    for summary in list_journals(runtime.state_dir, verb="failover", limit=limit):
        try:
            rec = load_journal(runtime.state_dir, str(summary["id"]))
        except McctlError:
            continue
        m = rec.get("measurements") or {}
        inputs = rec.get("inputs") or {}
        runs.append(
            {
                "id": rec["id"],
                "verb": rec["verb"],
                "to": inputs.get("to"),
                "status": rec["status"],
                "dry_run": bool(rec.get("dry_run")),
                "started": rec["started"],
                "duration_s": rec.get("duration_s"),
                "rto_seconds": m.get("rto_seconds"),
                "rpo_seconds": m.get("rpo_seconds"),
                "forced": (rec.get("forced") or {}).get("reason"),
                "steps": [
                    {"id": s["id"], "status": s.get("status"), "duration_s": s.get("duration_s")}
                    for s in rec.get("steps") or []
                ],
            }
        )
    return runs


def history(runtime: Runtime, limit: int = 50) -> dict[str, Any]:
    """Every failover and drill run on record (`last_runs`, newest first) and a summary over the runs that
    switched traffic (the recovery times an operator can expect)."""
    import statistics

    runs = last_runs(runtime, limit)
    rtos = [float(r["rto_seconds"]) for r in runs if r["rto_seconds"] is not None and not r["dry_run"]]
    rpos = [float(r["rpo_seconds"]) for r in runs if r["rpo_seconds"] is not None and not r["dry_run"]]
    return {
        "environment": runtime.environment.name,
        "runs": runs,
        "summary": {
            "runs": len(runs),
            "measured": len(rtos),
            "rto_median_seconds": round(statistics.median(rtos), 3) if rtos else None,
            "rto_max_seconds": max(rtos) if rtos else None,
            "rpo_max_seconds": max(rpos) if rpos else None,
        },
    }


def failover_status(runtime: Runtime, limit: int = 5) -> dict[str, Any]:
    """The status document (JSON-able); the load balancer part says why when it cannot be read."""
    from multicloud_ctl.operations.failover.lbstate import read_intended, read_state

    out: dict[str, Any] = {"environment": runtime.environment.name}
    try:
        snap = read_state(runtime)
    except McctlError as exc:
        out.update({"serving": None, "load_balancer": None, "pools": [], "error": exc.message})
    else:
        failback = snap.failback()
        out.update(
            {
                "serving": snap.serving_pool(),
                "serving_by_location": {
                    where: snap.first_serving(pools) for where, pools in snap.pool_lists() if where != "default_pools"
                },
                # derived from the live order and health: Cloudflare has no failback setting of its own
                "automatic_failback": failback["automatic"],
                "failback_to": failback["to"],
                "load_balancer": {"name": snap.lb_name, **snap.lists_dict()},
                "pools": [
                    {
                        "name": p.name,
                        "enabled": p.enabled,
                        "healthy": p.healthy,
                        "origins": ", ".join(f"{o['name']}={o['weight']:g}" for o in p.origins),
                    }
                    for p in snap.pools.values()
                ],
            }
        )
    intended = read_intended(runtime.state_dir)
    out["intended"] = (
        None
        if intended is None
        else {
            k: intended.get(k) for k in ("serving", "since", "journal", "failback", "failback_to", "automatic_failback")
        }
    )
    out["last_runs"] = last_runs(runtime, limit)
    return out
