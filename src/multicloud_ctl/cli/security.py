"""`mcctl security audit`: encryption, TLS, WAF, Cognito, API key age and a secret scan, in one report.

Exit codes: 0 no findings; 3 findings (JSON with `--output json` for CI); 1 a check could not run.
"""

from __future__ import annotations

from pathlib import Path

import typer

from multicloud_ctl.cli.state import get_state, playbook_dir_default

app = typer.Typer(
    help="Check the security posture of both clouds and the local state.", no_args_is_help=True, add_completion=False
)


@app.callback()
def security() -> None:
    """Check the security posture of both clouds and the local state."""


@app.command("audit")
def audit(
    ctx: typer.Context,
    only: list[str] = typer.Option(None, "--only", help="Only this check id or id prefix (repeatable)."),
    scan: list[Path] = typer.Option(None, "--scan", help="Extra file or directory for the secret scan."),
    playbooks: Path = typer.Option(
        None,
        "--playbooks",
        help="Playbook directory to scan. (default: the playbook directory)",
        callback=playbook_dir_default(),
    ),
    list_checks: bool = typer.Option(False, "--list", help="List the checks and exit."),
) -> None:
    """Run every audit check with read-only calls; findings exit 3."""
    from multicloud_ctl.cli.runner import make_runtime
    from multicloud_ctl.operations.security.audit import run_audit
    from multicloud_ctl.operations.security.findings import CHECKS

    state = get_state(ctx)
    console = state.console
    if list_checks:
        console.emit(
            [{"id": c.id, "cloud": c.cloud, "title": c.title} for c in CHECKS.values()],
            columns=["check", "cloud", "title"],
            rows=[(c.id, c.cloud, c.title) for c in CHECKS.values()],
        )
        return
    runtime = make_runtime(state, dry_run=True)  # the guard refuses any mutating call a check might make
    report = run_audit(runtime, scan_paths=(playbooks, state.config_dir, *(scan or [])), only=only or ())
    if console.json_mode:
        console.print_json(report.to_dict())
    else:
        console.table(
            ["check", "status", "notes"],
            [(r.id, r.status, r.error or "; ".join(r.notes[:2])) for r in report.results],
            title=f"security audit of {report.environment}",
        )
        if report.findings:
            console.table(
                ["severity", "check", "resource", "finding", "fix"],
                [(f.severity, f.check, f.resource, f.message, f.hint) for f in report.findings],
                title=f"{len(report.findings)} finding(s)",
            )
    if report.errors:
        console.error(f"{len(report.errors)} check(s) could not run: {', '.join(r.id for r in report.errors)}")
        raise typer.Exit(1)
    if report.findings:
        raise typer.Exit(3)
    console.success("no findings")
