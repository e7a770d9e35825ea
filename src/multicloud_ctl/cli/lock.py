"""`mcctl lock status|break`: the local file locks and the environment-wide leases."""

from __future__ import annotations

import typer

from multicloud_ctl.cli.state import get_state

app = typer.Typer(help="Show or break the run locks.", no_args_is_help=True)


@app.command()
def status(ctx: typer.Context) -> None:
    """Local locks held on this machine and environment leases held anywhere."""
    from multicloud_ctl.cli.runner import make_runtime
    from multicloud_ctl.engine.lock import CloudLease, LocalLock
    from multicloud_ctl.engine.reclaim import dead_local_owner

    state = get_state(ctx)
    # Not a dry-run runtime: the lease's Cloudflare store is read with D1's query endpoint, a POST the dry-run
    # guard must count as mutating (it runs any SQL). This command sends only SELECTs (engine/lease_stores.py).
    runtime = make_runtime(state, dry_run=False)
    rows = []
    lock_dir = runtime.state_dir / "locks"
    for info in sorted(lock_dir.glob("*.json")) if lock_dir.is_dir() else []:
        holder = LocalLock(info.with_suffix(".lock")).live_holder()  # a killed run's note is not a holder
        if holder:
            rows.append(
                {
                    "scope": "local",
                    "name": holder["name"],
                    "owner": holder["owner"],
                    "since": holder["since"],
                    "expires": "",
                    "expired": False,
                }
            )
    for lease in CloudLease(runtime).status():
        dead = not lease.get("expired") and dead_local_owner(str(lease.get("owner", "")))
        rows.append({"scope": "environment", **lease, "owner_dead": dead})
    state.console.emit(
        rows,
        columns=["scope", "name", "owner", "since", "expires", "expired", "token", "stores"],
        rows=[
            (
                r["scope"],
                r["name"],
                f"{r['owner']} (process gone: the next run reclaims it)" if r.get("owner_dead") else r["owner"],
                r["since"],
                r["expires"],
                "yes" if r["expired"] else "",
                r.get("token", ""),
                " ".join(f"{k}={v or '-'}" for k, v in (r.get("stores") or {}).items()),
            )
            for r in rows
        ],
    )
    if not rows:
        state.console.info("no locks held")


@app.command("break")
def break_lock(ctx: typer.Context, name: str = typer.Argument(..., help="Lock name (e.g. failover).")) -> None:
    """Remove an environment lease left by a dead run (asks first unless --yes; journaled)."""
    from multicloud_ctl.cli.runner import run_operation
    from multicloud_ctl.engine.lock import break_operation

    state = get_state(ctx)
    outcome = run_operation(state, break_operation(name))
    outcome.raise_for_status()
    if outcome.execution is None:
        state.console.info(f"no lease named {name!r}")
        return
    state.console.success(f"lease {name!r} broken (journal {outcome.run_id})")
