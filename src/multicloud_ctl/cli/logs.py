"""`mcctl logs query|ship`: both clouds' function logs, merged in time order from the central store
(Log Analytics) or read from CloudWatch directly; `ship` moves new lines into the central store."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer

from multicloud_ctl.cli.state import get_state, playbook_default
from multicloud_ctl.errors import UsageError

app = typer.Typer(help="Query and ship the functions' logs of both clouds.", no_args_is_help=True, add_completion=False)
PLAYBOOK_NAME = "observability.yaml"  # in the playbook directory
SOURCES = ("central", "cloudwatch")


def _spec(playbook: Path) -> Any:
    from multicloud_ctl.config.playbook import load_playbook

    return load_playbook(playbook, "Observability").spec.log_shipping


@app.command("query")
def query(
    ctx: typer.Context,
    service: str = typer.Option(None, "--service", help="Only this service (e.g. order-service)."),
    trace_id: str = typer.Option(None, "--trace-id", help="Only lines of this trace."),
    order_id: str = typer.Option(None, "--order-id", help="Only lines about this order."),
    since: str = typer.Option("1h", "--since", help="Time window: 90s, 15m, 1h, 2d."),
    grep: str = typer.Option(None, "--grep", help="Case-insensitive text in the message."),
    source: str = typer.Option("central", "--source", help="central (Log Analytics) or cloudwatch."),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new lines until Ctrl-C."),
    interval: float = typer.Option(2.0, "--interval", help="Seconds between polls with --follow."),
    rounds: int = typer.Option(None, "--rounds", hidden=True),
    playbook: Path = typer.Option(
        None,
        "--playbook",
        "-p",
        help="Observability playbook. (default: observability.yaml in the playbook directory)",
        callback=playbook_default(PLAYBOOK_NAME),
    ),
) -> None:
    """Print matching log lines of both clouds in time order."""
    from multicloud_ctl.cli.runner import make_runtime
    from multicloud_ctl.operations.observability.logquery import LogFilter, parse_since, query_central, query_cloudwatch

    if source not in SOURCES:
        raise UsageError(f"--source must be one of {', '.join(SOURCES)}")
    if not 0 <= interval <= 3600:  # also refuses nan: time.sleep(-1) raised mid-follow (0: poll again at once)
        raise UsageError(f"--interval must be between 0 and 3600 seconds, not {interval}", hint="e.g. --interval 2")
    parse_since(since)
    state = get_state(ctx)
    spec = _spec(playbook)
    runtime = make_runtime(state, dry_run=True)  # reading only
    reader = query_central if source == "central" else query_cloudwatch
    flt = LogFilter(since=since, service=service, trace_id=trace_id, order_id=order_id, grep=grep)
    done = 0
    while True:
        rows = reader(runtime, spec, flt)
        _print(state, rows, header=done == 0)
        done += 1
        if not follow or (rounds is not None and done >= rounds):
            return
        if rows:
            flt = LogFilter(**{**flt.__dict__, "after": rows[-1]["timestamp"]})
        try:
            time.sleep(interval)
        except KeyboardInterrupt:
            return


def _print(state: Any, rows: list[dict[str, Any]], *, header: bool) -> None:
    console = state.console
    if console.json_mode:
        console.print_json(rows)
        return
    if not rows:
        if header:
            console.info("no matching log lines")
        return
    console.table(
        ["time", "cloud", "service", "level", "trace", "message"],
        [
            (r["timestamp"][11:23], r["cloud"], r["service"], r["level"], str(r["trace_id"])[:8], r["message"])
            for r in rows
        ],
    )


@app.command("ship")
def ship(
    ctx: typer.Context,
    dry_run: bool = typer.Option(False, "--dry-run", help="Count what would ship; write nothing."),
    playbook: Path = typer.Option(
        None,
        "--playbook",
        "-p",
        help="Observability playbook. (default: observability.yaml in the playbook directory)",
        callback=playbook_default(PLAYBOOK_NAME),
    ),
) -> None:
    """Ship new CloudWatch Logs events (and the Azure side's lines) to Log Analytics."""
    from multicloud_ctl.cli.runner import run_operation
    from multicloud_ctl.operations.observability.shipper import ship_operation

    state = get_state(ctx)
    outcome = run_operation(state, ship_operation(_spec(playbook), {"playbook": str(playbook)}), dry_run=dry_run)
    outcome.raise_for_status()
    result = outcome.result
    if state.console.json_mode:
        state.console.print_json({**result, "journal": outcome.run_id})
        return
    for where, count in result["shipped"].items():
        state.console.detail(f"{count:>6}  {where}")
    verb = "would ship" if dry_run else "shipped"
    state.console.success(f"{verb} {result['total']} line(s); captured {result['captured']} (journal {outcome.run_id})")
