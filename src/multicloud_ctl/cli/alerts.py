"""`mcctl alerts apply|list`: alert rules of the Observability playbook on both clouds."""

from __future__ import annotations

from pathlib import Path

import typer

from multicloud_ctl.cli.state import get_state, playbook_default

app = typer.Typer(help="Provision and list the alert rules of both clouds.", no_args_is_help=True, add_completion=False)
PLAYBOOK_NAME = "observability.yaml"  # in the playbook directory


def _spec(playbook: Path) -> object:
    from multicloud_ctl.config.playbook import load_playbook

    return load_playbook(playbook, "Observability").spec


@app.command("apply")
def apply(
    ctx: typer.Context,
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the plan; make no change."),
    playbook: Path = typer.Option(
        None,
        "--playbook",
        "-p",
        help="Observability playbook. (default: observability.yaml in the playbook directory)",
        callback=playbook_default(PLAYBOOK_NAME),
    ),
) -> None:
    """Create or update CloudWatch alarms and Azure Monitor metric alerts to match the playbook."""
    from multicloud_ctl.cli.runner import run_mutating
    from multicloud_ctl.operations.observability.alerts import plan_alerts

    spec = _spec(playbook)
    run_mutating(
        get_state(ctx),
        "alerts apply",
        lambda rt: plan_alerts(rt, spec),  # type: ignore[arg-type]
        dry_run=dry_run,
        inputs={"playbook": str(playbook)},
        lock_name="alerts",
        lease=False,
    )


@app.command("list")
def list_alerts(
    ctx: typer.Context,
    playbook: Path = typer.Option(
        None,
        "--playbook",
        "-p",
        help="Observability playbook. (default: observability.yaml in the playbook directory)",
        callback=playbook_default(PLAYBOOK_NAME),
    ),
) -> None:
    """Every rule with its state on its cloud and mcctl's evaluation of the current metrics; firing exits 3."""
    from multicloud_ctl.cli.runner import make_runtime
    from multicloud_ctl.operations.observability.alerts import alert_states

    state = get_state(ctx)
    rows = alert_states(make_runtime(state, dry_run=True), _spec(playbook))  # type: ignore[arg-type]
    state.console.emit(
        rows,
        columns=["alert", "cloud", "service", "metric", "condition", "cloud state", "evaluated", "value"],
        rows=[
            (
                r["name"],
                r["cloud"],
                r["service"],
                r["metric"],
                r["condition"],
                r["cloud_state"],
                r["evaluated"],
                "" if r["value"] is None else f"{r['value']:g}",
            )
            for r in rows
        ],
        title="alerts",
    )
    if any(r["evaluated"] == "firing" for r in rows):
        raise typer.Exit(3)
