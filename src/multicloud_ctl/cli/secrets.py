"""`mcctl secrets rotate api-key`: rotate the service API key in both clouds' secret stores, no downtime."""

from __future__ import annotations

import typer

from multicloud_ctl.cli.state import get_state
from multicloud_ctl.errors import UsageError

app = typer.Typer(help="Rotate service secrets in both clouds.", no_args_is_help=True, add_completion=False)
rotate_app = typer.Typer(help="Rotate a secret.", no_args_is_help=True, add_completion=False)
app.add_typer(rotate_app, name="rotate")


@rotate_app.command("api-key")
def rotate_api_key(
    ctx: typer.Context,
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the plan; make no change."),
    grace: float = typer.Option(
        90.0,
        "--grace",
        help="Seconds between promoting the new key and retiring the "
        "old one (>= the functions' MCCTL_FN_API_KEYS_TTL).",
    ),
    wait: float = typer.Option(180.0, "--wait", help="Seconds to wait for both clouds to accept/reject a key."),
) -> None:
    """Stage a new key (both clouds accept it), promote it, then retire the old one."""
    from multicloud_ctl.cli.runner import run_mutating
    from multicloud_ctl.operations.security.rotate import build_rotation_plan

    if not 0 <= grace <= 86_400 or not 0 < wait <= 3_600:
        raise UsageError(
            f"--grace must be 0-86400 seconds and --wait above 0, at most 3600 (got {grace:g} and {wait:g})",
            hint="the grace outlasts the functions' key cache (60 s by default); a day is the longest sensible",
        )
    state = get_state(ctx)
    run_mutating(
        state,
        "secrets rotate api-key",
        lambda runtime: build_rotation_plan(runtime, grace_s=grace, wait_s=wait),
        dry_run=dry_run,
        inputs={"grace_s": grace, "wait_s": wait},
        lock_name="secrets",
        question="Rotate the service API key in both clouds?",
    )
