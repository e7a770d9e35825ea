"""`mcctl metrics`: both clouds' function metrics (CloudWatch + Azure Monitor) and gauges in one table."""

from __future__ import annotations

import typer

from multicloud_ctl.cli.state import get_state

app = typer.Typer(
    help="Function metrics of both clouds in one table.", invoke_without_command=True, add_completion=False
)


@app.callback(invoke_without_command=True)
def metrics(
    ctx: typer.Context,
    service: str = typer.Option(None, "--service", help="Only this service."),
    since: str = typer.Option("1h", "--since", help="Window: 15m, 1h, 1d."),
) -> None:
    """Invocations, errors, duration p50/p99 per service; queue depth, sync lag, backup age."""
    from multicloud_ctl.cli.runner import make_runtime
    from multicloud_ctl.operations.observability.logquery import parse_since
    from multicloud_ctl.operations.observability.metrics import collect

    state = get_state(ctx)
    window = parse_since(since)
    data = collect(make_runtime(state, dry_run=True), window, service)
    if state.console.json_mode:
        state.console.print_json(data)
        return
    from multicloud_ctl.humanize import millis

    state.console.table(
        ["cloud", "service", "invocations", "errors", "avg", "p50", "p99"],
        [
            (
                f["cloud"],
                f["service"],
                f"{f['invocations']:g}",
                f"{f['errors']:g}",
                millis(f["avg_ms"]),
                millis(f["p50_ms"]),
                millis(f["p99_ms"]),
            )
            for f in data["functions"]
        ],
        title=f"functions, last {since}",
    )
    state.console.table(
        ["gauge", "cloud", "value", "unit"],
        [(g["gauge"], g["cloud"], "unknown" if g["value"] is None else g["value"], g["unit"]) for g in data["gauges"]],
        title="gauges",
    )
