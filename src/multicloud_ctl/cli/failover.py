"""`mcctl failover --to azure|aws`, `mcctl failover status|readiness|drill`.

Exit codes: 0 switched (or drill passed); 1 failed (verification failed and rolled back); 2 usage (an unknown
`--accept-unknown` check, ...); 3 drill ran but missed its objectives; 4 refused (a preflight check failed or
could not be measured and was not accepted, lock held, not confirmed, steady state not met). `readiness`: 0 ready,
3 findings (a check failed, or could not be measured and was not accepted).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from multicloud_ctl.cli.state import get_state, playbook_default, playbook_dir_default
from multicloud_ctl.errors import UsageError

app = typer.Typer(
    help="Switch traffic between clouds, run failover drills.",
    invoke_without_command=True,
    add_completion=False,
)

CLOUDS = ("azure", "aws")


def _cloud(value: str | None) -> str | None:
    if value is not None and value not in CLOUDS:
        raise UsageError(f"--to must be azure or aws, not {value!r}")
    return value


def _load_failover(path: Path | None, to: str) -> Any:
    from multicloud_ctl.config.home import current
    from multicloud_ctl.config.playbook import load_playbook

    playbook = load_playbook(path or current().playbook(f"failover-{to}.yaml"), "Failover")
    if playbook.spec.to != to:
        raise UsageError(
            f"{playbook.path} fails over to {playbook.spec.to}, not {to}",
            hint=f"use playbooks/failover-{to}.yaml",
        )
    return playbook


@app.callback(invoke_without_command=True)
def failover(
    ctx: typer.Context,
    to: str = typer.Option(None, "--to", help="azure or aws: the cloud that should serve."),
    playbook: Path = typer.Option(
        None, "--playbook", "-p", help="Failover playbook. (default: failover-<to>.yaml in the playbook directory)"
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show the preflight table and the plan; change nothing (exit 4 if refused)."
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    force: bool = typer.Option(
        False, "--force", help="Override a refusing preflight, failed or unknown checks alike (needs --reason)."
    ),
    reason: str = typer.Option(None, "--reason", help="Why the preflight is overridden (journaled)."),
    accept_unknown: list[str] = typer.Option(
        [],
        "--accept-unknown",
        metavar="CHECK",
        help="Go ahead although this preflight check could not be measured (repeatable; journaled with the "
        "reason). Checks: target-healthy, sync-lag, backup-age.",
    ),
    ungraceful: bool = typer.Option(
        False,
        "--ungraceful",
        help="The source side is gone: skip what reads it (its preflight checks, the RPO measurement); the plan "
        "and the journal say which.",
    ),
    failback: str = typer.Option(
        None,
        "--failback",
        help="pinned: the target stays first after the old primary recovers (fail back with another failover); "
        "auto: the old primary stays first and takes traffic back by itself once healthy (only while it is "
        "unhealthy). Default: the playbook's load_balancer.failback, itself pinned by default.",
    ),
) -> None:
    """Fail traffic over to one cloud: preflight, switch the Cloudflare load balancer, verify, measure."""
    if ctx.invoked_subcommand is not None:
        return
    state = get_state(ctx)
    started = state.clock.timestamp()
    to = _cloud(to) or ""
    if not to:
        raise UsageError(
            "say where traffic should go: --to azure or --to aws",
            hint="`mcctl failover status` shows which pool serves now",
        )
    if force and not (reason or "").strip():
        raise UsageError("--force needs --reason TEXT (it is recorded in the journal)")
    if failback not in (None, "pinned", "auto"):
        raise UsageError(f"--failback must be pinned or auto, not {failback!r}")
    from multicloud_ctl.cli.runner import run_operation
    from multicloud_ctl.operations.failover.preflight import CHECKS
    from multicloud_ctl.operations.failover.switch import failover_operation

    unknown_names = [c for c in accept_unknown if c not in CHECKS]
    if unknown_names:
        raise UsageError(
            f"--accept-unknown {unknown_names[0]}: no such preflight check (checks: {', '.join(CHECKS)})",
            hint="name a check the preflight table shows as `unknown`; repeat the option for several",
        )

    console = state.console
    book = _load_failover(playbook, to)
    spec = book.spec
    if failback:
        spec = spec.model_copy(update={"load_balancer": spec.load_balancer.model_copy(update={"failback": failback})})
    inputs = {
        "to": to,
        "playbook": str(book.path),
        "failback": spec.load_balancer.failback,
        "force": force,
        "reason": reason if force else None,
        "accept_unknown": sorted(set(accept_unknown)),
        "ungraceful": ungraceful,
    }
    op, outcome = failover_operation(
        spec,
        # asked at a prompt: the RTO starts when the operator confirms; with --yes, at the command's start
        started=started if (yes or state.yes) else None,
        force_reason=reason if force else None,
        accept_unknown=set(accept_unknown),
        ungraceful=ungraceful,
        inputs=inputs,
    )
    run = run_operation(state, op, dry_run=dry_run, yes=yes)
    outcome.journal = run.run_id
    if run.status.value == "refused" and outcome.plan is not None and console.json_mode:
        console.print_json({"dry_run": dry_run, **outcome.to_dict(), "status": "refused"})
    if dry_run and run.ok:
        if console.json_mode:
            console.print_json({"dry_run": True, **outcome.to_dict()})
        console.info(
            f"dry run: {len(run.plan.mutating_steps) if run.plan else 0} change(s) planned, none made "
            f"(journal {run.run_id})"
        )
        return
    if run.execution is not None and console.json_mode and run.ok:
        console.print_json(outcome.to_dict())
    run.raise_for_status()
    if outcome.forced:
        console.warn(f"preflight overridden: {outcome.forced}")
    if outcome.verdict is not None and outcome.verdict.accepted:
        console.warn("accepted unknown: " + ", ".join(c.name for c in outcome.verdict.accepted))
    rpo = "unknown" if outcome.rpo_s is None else f"{outcome.rpo_s:.1f}s"
    console.success(f"{to} serves: RTO {outcome.rto_s}s from {outcome.rto_from}, RPO {rpo} (journal {run.run_id})")


@app.command("status")
def status(ctx: typer.Context, limit: int = typer.Option(5, "--limit", help="How many past runs.")) -> None:
    """Which pool serves now, the pools, the intended state and the last failover runs."""
    from multicloud_ctl.cli.runner import make_runtime
    from multicloud_ctl.operations.failover.status import failover_status

    state = get_state(ctx)
    doc = failover_status(make_runtime(state), limit)
    console = state.console
    if console.json_mode:
        console.print_json(doc)
        return
    lb = doc["load_balancer"]
    if lb is None:
        console.warn(f"load balancer unreadable: {doc.get('error')}")
    else:
        back = f"automatic failback to {doc['failback_to']}" if doc["automatic_failback"] else "pinned"
        console.print(
            f"serving: {doc['serving']}   (pools {' > '.join(lb['default_pools'])}, fallback "
            f"{lb['fallback_pool']}, steering {lb['steering_policy']}, {back})"
        )
        for where, pool in doc["serving_by_location"].items():
            console.print(f"  {where}: {pool}")
        console.table(
            ["pool", "enabled", "healthy", "origins (weight)"],
            [(p["name"], p["enabled"], p["healthy"], p["origins"]) for p in doc["pools"]],
        )
    if doc["intended"]:
        i = doc["intended"]
        console.print(
            f"intended: {i['serving']} since {i['since']} (journal {i['journal']}, failback "
            f"{i.get('failback') or ('auto' if i['automatic_failback'] else 'pinned')})"
        )
    console.table(
        ["run", "verb", "to", "status", "RTO s", "RPO s"],
        [
            (
                r["id"],
                r["verb"],
                r["to"],
                r["status"] + (" (dry run)" if r["dry_run"] else ""),
                r["rto_seconds"],
                r["rpo_seconds"],
            )
            for r in doc["last_runs"]
        ],
        title="last runs",
    )


@app.command("history")
def history(
    ctx: typer.Context, limit: int = typer.Option(50, "--limit", min=1, help="How many runs, newest first.")
) -> None:
    """Every failover and drill on record: RTO, RPO and per-step durations over time, with a summary."""
    from multicloud_ctl.cli.runner import make_runtime
    from multicloud_ctl.operations.failover.status import history as failover_history

    state = get_state(ctx)
    doc = failover_history(make_runtime(state), limit)
    s = doc["summary"]

    def secs(value: Any) -> str:
        return "-" if value is None else f"{value:.2f}"

    state.console.emit(
        doc,
        columns=["started", "run", "verb", "to", "status", "RTO s", "RPO s", "steps (s)"],
        rows=[
            (
                r["started"],
                r["id"],
                r["verb"],
                r["to"],
                r["status"] + (" (dry run)" if r["dry_run"] else ""),
                secs(r["rto_seconds"]),
                secs(r["rpo_seconds"]),
                " ".join(f"{st['id']}={secs(st['duration_s'])}" for st in r["steps"]),
            )
            for r in doc["runs"]
        ],
        title=f"{s['runs']} run(s); RTO median {secs(s['rto_median_seconds'])} s, worst "
        f"{secs(s['rto_max_seconds'])} s over {s['measured']} measured; worst RPO {secs(s['rpo_max_seconds'])} s",
    )


@app.command("approve")
def approve(
    ctx: typer.Context,
    step: str = typer.Argument(None, help="The approval step a running failover waits for. (default: list them)"),
    reject: bool = typer.Option(False, "--reject", help="Reject it: the run rolls back what it did."),
    run: str = typer.Option(None, "--run", help="The run's journal id, when several runs wait for STEP."),
) -> None:
    """Approve (or reject) a manual approval step of a running failover workflow, from another terminal."""
    from multicloud_ctl.cli.runner import make_runtime
    from multicloud_ctl.engine.approvals import decide, pending

    state = get_state(ctx)
    runtime = make_runtime(state)
    if step is None:
        waiting = [p.to_dict() for p in pending(runtime.state_dir)]
        state.console.emit(
            {"waiting": waiting},
            columns=["run", "step", "message"],
            rows=[(w["run"], w["step"], w["message"]) for w in waiting],
            title=f"{len(waiting)} approval(s) waiting",
        )
        return
    found = decide(runtime.state_dir, step, run_id=run, approve=not reject, by=None, now=runtime.clock.timestamp())
    verdict = "rejected" if reject else "approved"
    state.console.emit(
        {"run": found.run_id, "step": found.step, "decision": verdict},
        columns=["run", "step", "decision"],
        rows=[(found.run_id, found.step, verdict)],
        title=f"{verdict} {found.step}: {found.message}",
    )


@app.command("readiness")
def readiness(
    ctx: typer.Context,
    to: str = typer.Option(None, "--to", help="azure or aws: check one direction. (default: both)"),
    playbooks: Path = typer.Option(
        None,
        "--playbooks",
        help="Directory holding failover-<to>.yaml (what each failover would do). (default: the playbook directory)",
        callback=playbook_dir_default(),
    ),
    accept_unknown: list[str] = typer.Option(
        [],
        "--accept-unknown",
        metavar="CHECK",
        help="Do not count this check as a finding when it cannot be measured (repeatable; shown as accepted).",
    ),
) -> None:
    """What a failover would need right now on each side (read-only): exit 3 with findings, 0 when ready."""
    from multicloud_ctl.cli.runner import make_runtime
    from multicloud_ctl.errors import Degraded
    from multicloud_ctl.operations.failover.readiness import CHECKS, evaluate

    wrong = [c for c in accept_unknown if c not in CHECKS]
    if wrong:
        raise UsageError(f"--accept-unknown {wrong[0]}: no such readiness check (checks: {', '.join(CHECKS)})")
    # without --to: every direction that has a playbook (one is enough); with --to, its playbook must exist
    sides = [_cloud(to) or ""] if to else [c for c in CLOUDS if (playbooks / f"failover-{c}.yaml").is_file()]
    if not sides:
        raise UsageError(f"no failover-azure.yaml or failover-aws.yaml in {playbooks}", hint="pass --playbooks DIR")
    specs = {side: _load_failover(playbooks / f"failover-{side}.yaml", side).spec for side in sides}
    state = get_state(ctx)
    # dry-run guarded: a mutating call would be refused before it leaves the process
    found = evaluate(make_runtime(state, dry_run=True), specs, set(accept_unknown))
    rows = [
        (
            side,
            c.name,
            c.result.upper() if c.result in ("fail", "unknown") and not c.accepted else c.result,
            c.measured,
            ("(accepted) " if c.accepted else "") + c.detail,
        )
        for side, checks in found.sides.items()
        for c in checks
    ]
    state.console.emit(
        found.to_dict(),
        columns=["to", "check", "result", "value", "detail"],
        rows=rows,
        title="failover readiness: " + ("READY" if found.ready else f"{len(found.findings)} finding(s)"),
    )
    if not found.ready:
        names = ", ".join(f"{side} {c.name}" for side, c in found.findings)
        raise Degraded(
            f"failover readiness: {len(found.findings)} finding(s): {names}",
            hint="nothing was changed; the table shows each check's measured value and why",
        )
    state.console.success("ready: every check passed (" + ", ".join(specs) + ")")


@app.command("drill")
def drill(
    ctx: typer.Context,
    to: str = typer.Option("azure", "--to", help="azure or aws: the cloud to fail over to and back from."),
    inject: str = typer.Option(
        None,
        "--inject",
        help="Fault on the serving cloud first: outage | brownout:30% | latency:2s | loss:20% | partition "
        "| partition:aws-edge | partition:aws-azure (network faults: root; the last two need "
        "`mcctl local up --isolate-clouds`).",
    ),
    playbook: Path = typer.Option(
        None,
        "--playbook",
        "-p",
        help="Drill playbook. (default: drill.yaml in the playbook directory)",
        callback=playbook_default("drill.yaml"),
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    force: bool = typer.Option(False, "--force", help="Override a failed failover preflight (needs --reason)."),
    reason: str = typer.Option(None, "--reason", help="Why the preflight is overridden (journaled)."),
) -> None:
    """Failover drill: steady state, (inject), fail over, verify, fail back, steady state; RTO, RPO, errors."""
    from multicloud_ctl.cli.runner import make_runtime, run_operation
    from multicloud_ctl.config.home import current
    from multicloud_ctl.config.playbook import load_playbook
    from multicloud_ctl.operations.failover.drill import drill_operation
    from multicloud_ctl.operations.failover.inject import fault_for, parse_inject

    to = _cloud(to) or "azure"
    if force and not (reason or "").strip():
        raise UsageError("--force needs --reason TEXT (it is recorded in the journal)")
    if inject is not None:
        parse_inject(inject, "aws" if to == "azure" else "azure")  # a bad fault is a usage error before anything
    state = get_state(ctx)
    console = state.console
    spec = load_playbook(playbook, "Drill").spec
    fo_path = spec.failover.get(to)
    fo_path = current().resolve(fo_path) if fo_path is not None else None  # relative to the home root
    book = _load_failover(fo_path, to)
    runtime = make_runtime(state)
    source = "aws" if to == "azure" else "azure"
    outage = fault_for(runtime, source, inject, spec.inject, state.config_dir) if inject else None
    op, report = drill_operation(
        spec,
        book.spec,
        outage=outage,
        inputs={
            "to": to,
            "inject": inject,
            "playbook": str(playbook),
            "force": force,
            "reason": reason if force else None,
        },
        force_reason=reason if force else None,
    )
    run = run_operation(state, op, yes=yes, runtime=runtime)
    if run.result is None:  # refused, failed or interrupted before a verdict: the error says why
        run.raise_for_status()
    obj = spec.objectives
    t = report.traffic
    rows = [
        ("RTO", f"{report.rto_s}s", f"<= {obj.rto_seconds:g}s", _verdict(report.verdicts.get("rto"))),
        (
            "RPO",
            "unknown" if report.rpo_s is None else f"{report.rpo_s:.1f}s",
            "-" if obj.rpo_seconds is None else f"<= {obj.rpo_seconds:g}s",
            _verdict(report.verdicts.get("rpo")),
        ),
        (
            "error rate",
            f"{report.error_rate:.2%} ({t.get('errors')}/{t.get('requests')})",
            f"<= {obj.max_error_rate:.0%}",
            _verdict(report.verdicts.get("error_rate")),
        ),
        ("longest error run", f"{t.get('longest_error_run_s')}s", "", ""),
        ("served by", ", ".join(f"{k}={v}" for k, v in (t.get("served_by") or {}).items()), "", ""),
    ]
    o = report.orders
    if spec.traffic.orders is not None and o:
        placed = ", ".join(f"{k}={v}" for k, v in (o.get("placed_on") or {}).items())
        rows.append(("orders acknowledged", f"{o.get('acknowledged')}/{o.get('sent')} ({placed})", "", ""))
        rows.append(
            (
                "orders lost",
                "unknown" if o.get("lost") is None else f"{o['lost']} (not in SQL after the fail-back)",
                f"<= {obj.max_orders_lost}",
                _verdict(report.verdicts.get("orders_lost")),
            )
        )
    console.emit(
        report.to_dict(),
        columns=["measure", "value", "objective", "verdict"],
        rows=rows,
        title=f"drill {report.source} -> {report.to} -> {report.source}: {report.status.upper()}",
    )
    run.raise_for_status()  # degraded (exit 3) when the drill missed its objectives
    console.success(f"drill passed (journal {report.journal})")


def _verdict(value: bool | None) -> str:
    return {True: "pass", False: "FAIL", None: "unknown"}[value]
