"""`mcctl health`: endpoint and data-plane checks, once or in watch mode; table, JSON or Nagios output.

Exit codes: 0 all ok; 3 degraded (any warning, critical or unknown). With `--format nagios` the plugin
codes instead: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer

from multicloud_ctl.cli.state import get_state, playbook_default
from multicloud_ctl.errors import UsageError

app = typer.Typer(
    help="Check endpoints and the data plane (table, JSON or Nagios).",
    invoke_without_command=True,
    add_completion=False,
)

FORMATS = ("table", "json", "nagios")


def _show(state: Any, report: Any, fmt: str, *, watch: bool) -> int:
    """Print one round; return its exit code."""
    from multicloud_ctl.operations.health.nagios import render

    console = state.console
    if fmt == "nagios":
        lines, code = render(report)
        for line in lines:
            typer.echo(line)  # plugin output is data on stdout, like JSON
        return code
    if fmt == "json":
        console.print_json(report.to_dict())
    else:
        rows = [
            (
                r.name,
                r.kind,
                r.status.value.upper() if r.status.failing else r.status.value,
                "" if r.value is None else f"{r.value:g}{r.unit}",
                r.message,
            )
            for r in report.results
        ]
        title = f"health {report.status.value.upper()} at {report.started} ({report.elapsed_ms:.0f} ms)"
        console.table(["check", "kind", "status", "value", "message"], rows, title=title)
    return 3 if report.status.failing else 0


@app.command()
def health(
    ctx: typer.Context,
    playbook: Path = typer.Option(
        None,
        "--playbook",
        "-p",
        help="Health playbook. (default: health.yaml in the playbook directory)",
        callback=playbook_default("health.yaml"),
    ),
    fmt: str = typer.Option(None, "--format", "-f", help="table, json or nagios (default: from --output)."),
    watch: float = typer.Option(None, "--watch", "-w", help="Check again every SECONDS until Ctrl-C."),
    only: list[str] = typer.Option(None, "--only", help="Only checks with this name or kind (repeatable)."),
    count: int = typer.Option(None, "--count", help="In watch mode, stop after N rounds.", hidden=True),
) -> None:
    """Run every check of the health playbook concurrently (each with its own timeout)."""
    from multicloud_ctl.cli.runner import make_runtime
    from multicloud_ctl.config.playbook import load_playbook
    from multicloud_ctl.operations.health.runner import Debouncer, build_checks, run_checks

    state = get_state(ctx)
    fmt = fmt or ("json" if state.console.json_mode else "table")
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if watch is not None and watch <= 0:
        raise UsageError("--watch needs a positive number of seconds")
    spec = load_playbook(playbook, "Health").spec
    runtime = make_runtime(state)
    checks = build_checks(runtime, spec, only or None)
    if not checks:
        raise UsageError("no check matches", hint="see the names in the health playbook")
    if watch is None:
        raise typer.Exit(
            _show(
                state,
                run_checks(
                    checks, max_workers=spec.max_workers, clock=state.clock, deadline_s=spec.round_deadline_seconds
                ),
                fmt,
                watch=False,
            )
        )
    debounce = Debouncer(spec.watch.failure_threshold, spec.watch.success_threshold)
    code, rounds = 0, 0
    try:
        while True:
            began = time.monotonic()
            # a round never outlasts its interval: what has not answered by then is reported timed out
            limit = min(watch, spec.round_deadline_seconds or watch)
            report = debounce.update(
                run_checks(checks, max_workers=spec.max_workers, clock=state.clock, deadline_s=limit)
            )
            code = _show(state, report, fmt, watch=True)
            rounds += 1
            if count is not None and rounds >= count:
                break
            time.sleep(max(0.0, watch - (time.monotonic() - began)))
    except KeyboardInterrupt:
        state.console.info("watch stopped")
    raise typer.Exit(code)
