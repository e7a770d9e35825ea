"""`mcctl config show`: the effective environment, secrets shown only as their references."""

from __future__ import annotations

import typer

from multicloud_ctl.cli.state import get_state

app = typer.Typer(help="Show the effective environment configuration.", no_args_is_help=True)


@app.command()
def show(ctx: typer.Context) -> None:
    """Print the validated environment with defaults filled in and endpoints resolved."""
    state = get_state(ctx)
    env = state.environment()
    data = env.model_dump(mode="json")
    data["effective_endpoints"] = env.endpoints().model_dump(mode="json")
    from multicloud_ctl.config.secrets import Redactor

    data = Redactor().data(data)
    if state.console.json_mode:
        state.console.print_json(data)
        return
    import yaml

    state.console.print(yaml.safe_dump(data, sort_keys=False).rstrip())


@app.command("list")
def list_envs(ctx: typer.Context) -> None:
    """List the environments in the config directory."""
    from multicloud_ctl.errors import UsageError

    state = get_state(ctx)
    try:
        names = sorted(p.stem for p in state.config_dir.glob("*.yaml")) if state.config_dir.is_dir() else []
    except OSError as exc:  # e.g. a name too long for the file system
        raise UsageError(
            f"config directory {str(state.config_dir)[:80]}: cannot read: {exc.strerror or exc}",
            hint="--config-dir (or MCCTL_CONFIG_DIR) names the directory holding <env>.yaml",
        ) from exc
    state.console.emit(
        {"environments": names, "current": state.env},
        columns=["environment", "current"],
        rows=[(n, "*" if n == state.env else "") for n in names],
    )
