"""Runbooks: manual procedures with live facts filled in. One today: `provider-failure`.

The seed architecture's failover scenario 3, "complete provider failure: manual failover procedures". A
whole provider gone (every region, control plane included) is also when automation that lives there stops
working: the failover lease is a DynamoDB item, so with AWS entirely down `mcctl failover` cannot lock and
the operator switches the Cloudflare load balancer by hand. The facts are gathered read-only, each under
its own error guard (an unreachable API is itself a fact), and the commands carry the real ids.
"""

from __future__ import annotations

import json
from concurrent.futures import wait
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import McctlError, UsageError
from multicloud_ctl.operations.health.daemonpool import DaemonPool

if TYPE_CHECKING:
    from multicloud_ctl.engine.runtime import Runtime

RUNBOOKS = {"provider-failure": "Complete provider failure (AWS or Azure entirely down): manual failover"}


def _guard(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except McctlError as exc:
        return f"unavailable: {exc.message}"
    except Exception as exc:
        return f"unavailable: {type(exc).__name__}: {exc}"


def gather_facts(runtime: Runtime, timeout: float = 10.0) -> dict[str, Any]:
    """What is healthy, who serves, the data position (read-only, concurrent, never raising)."""
    from multicloud_ctl.config.specs.failover import Preflight
    from multicloud_ctl.operations.failover.lbstate import read_state
    from multicloud_ctl.operations.failover.preflight import check_target
    from multicloud_ctl.operations.health.checks import backup_age_figure, sync_lag_figure

    quick = Preflight(timeout_seconds=3)
    pool = DaemonPool(6, name="runbook")
    jobs = {
        "lb": pool.submit(_guard, read_state, runtime),
        "aws": pool.submit(_guard, check_target, runtime, None, "aws", quick),
        "azure": pool.submit(_guard, check_target, runtime, None, "azure", quick),
        "lag": pool.submit(_guard, sync_lag_figure, runtime),
        "daily": pool.submit(_guard, backup_age_figure, runtime, "daily"),
        "weekly": pool.submit(_guard, backup_age_figure, runtime, "weekly"),
    }
    wait(list(jobs.values()), timeout=timeout)
    pool.shutdown()
    got = {k: f.result() if f.done() else f"unavailable: no answer within {timeout:g}s" for k, f in jobs.items()}
    snap = got["lb"]
    facts: dict[str, Any] = {"environment": runtime.environment.name}
    for cloud in ("aws", "azure"):
        res = got[cloud]
        facts[cloud] = (
            {"healthy": res.ok, "detail": res.detail} if not isinstance(res, str) else {"healthy": None, "detail": res}
        )
    if isinstance(snap, str):
        facts["edge"] = {"reachable": False, "detail": snap}
    else:
        facts["edge"] = {
            "reachable": True,
            "serving": snap.serving_pool(),
            "lb_id": snap.lb_id,
            "lb_name": snap.lb_name,
            "default_pools": snap.default_pools,
            "pool_ids": {n: p.id for n, p in snap.pools.items()},
        }
    facts["sync_lag_seconds"] = "unbounded (see `mcctl sync status`)" if got["lag"] == float("inf") else got["lag"]
    facts["backup_age_seconds"] = {"daily": got["daily"], "weekly": got["weekly"]}
    return facts


def age(value: Any) -> str:
    """A figure in seconds for humans (`2.1 h`, `4.0 s`), or what stands in for it."""
    if isinstance(value, int | float):
        return (
            "unbounded (never backfilled)"
            if value == float("inf")
            else f"{value / 3600:.1f} h"
            if value >= 3600
            else f"{value:.1f} s"
        )
    return "none found" if value is None else str(value)


def provider_failure(runtime: Runtime) -> dict[str, Any]:
    """The procedure: facts, the side to fail over to, and numbered steps with exact commands."""
    facts = gather_facts(runtime)
    env = runtime.environment
    up = [c for c in ("aws", "azure") if facts[c]["healthy"]]
    down = [c for c in ("aws", "azure") if facts[c]["healthy"] is False]
    target = up[0] if len(up) == 1 else None
    failed = ("azure" if target == "aws" else "aws") if target else None
    edge = facts["edge"]
    base = env.endpoints().cloudflare or "https://api.cloudflare.com/client/v4"
    ids = edge.get("pool_ids", {})
    e = f"--env {env.name}"
    steps: list[dict[str, str]] = [
        {
            "do": "Confirm the scope: every check of the failed provider fails, from more than one place.",
            "run": f"mcctl {e} health --format table",
        },
        {
            "do": "Declare the incident; freeze deploys and scheduled jobs (cron/CI entries of backup and sync).",
            "run": f"mcctl {e} lock status",
        },
        {
            "do": f"Note the data position: sync lag {age(facts['sync_lag_seconds'])} is the data-loss window "
            f"(RPO) if AWS is the failed side; last daily backup: {age(facts['backup_age_seconds']['daily'])}; "
            f"last weekly backup: {age(facts['backup_age_seconds']['weekly'])}.",
            "run": f"mcctl {e} sync status",
        },
    ]
    if target:
        steps.append(
            {
                "do": f"Fail over to {target} (the healthy side) in ungraceful mode: it skips the preflight "
                f"checks that read {failed} and says which. A check it still cannot measure refuses: accept it "
                f'with --accept-unknown CHECK, or override with --force --reason "<incident id>".',
                "run": f"mcctl {e} failover --to {target} --playbook playbooks/failover-{target}.yaml "
                "--yes --ungraceful",
            }
        )
        if edge.get("reachable") and target in ids and failed in ids:
            body = json.dumps({"default_pools": [ids[target], ids[failed]], "fallback_pool": ids[target]})
            steps.append(
                {
                    "do": f"If mcctl cannot take its lease (the lease table is on AWS) or the command fails: switch "
                    f"the load balancer by hand, then disable the {failed} pool.",
                    "run": f'curl -sS -X PATCH "{base}/zones/{env.cloudflare.zone_id}/load_balancers/{edge["lb_id"]}'
                    f'" -H "Authorization: Bearer $CLOUDFLARE_API_TOKEN" -H "Content-Type: application/json"'
                    f" --data '{body}' && curl -sS -X PATCH \"{base}/accounts/{env.cloudflare.account_id}/"
                    f'load_balancers/pools/{ids[failed]}" -H "Authorization: Bearer $CLOUDFLARE_API_TOKEN" '
                    f'-H "Content-Type: application/json" --data \'{{"enabled": false}}\'',
                }
            )
    else:
        steps.append(
            {
                "do": "No single healthy side: "
                + (
                    "both providers answer, so this is not a provider failure; use `mcctl failover`."
                    if len(up) == 2
                    else "neither provider answers. Serve a static maintenance page "
                    "from Cloudflare and restore from the newest backup when one side returns."
                ),
                "run": f"mcctl {e} backup list",
            }
        )
    if failed == "azure":
        steps.append(
            {
                "do": "AWS carries everything: raise Lambda concurrency (enhanced_capacity in "
                "playbooks/failover-aws.yaml) and watch throttles.",
                "run": f"mcctl {e} metrics",
            }
        )
    steps += [
        {
            "do": "Verify: the edge serves the healthy side and the checks settle.",
            "run": f"mcctl {e} failover status && mcctl {e} health --watch 30",
        },
        {
            "do": "When the provider is back: catch the data up, verify it, then fail back in a quiet hour.",
            "run": f"mcctl {e} sync run --yes && mcctl {e} sync verify && mcctl {e} failover --to "
            f"{failed or 'aws'} --yes",
        },
        {
            "do": "Record what happened (journals hold the RTO and RPO of each switch).",
            "run": f"mcctl {e} journal list",
        },
    ]
    return {
        "runbook": "provider-failure",
        "title": RUNBOOKS["provider-failure"],
        "facts": facts,
        "healthy": up,
        "failed": down,
        "target": target,
        "steps": steps,
    }


def show(runtime: Runtime, name: str) -> dict[str, Any]:
    if name != "provider-failure":
        raise UsageError(f"no runbook {name!r}", hint=f"runbooks: {', '.join(RUNBOOKS)}")
    return provider_failure(runtime)
