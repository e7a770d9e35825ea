"""`mcctl schedule export --format cron|systemd|github-actions`: entries for the scheduled playbooks."""

from __future__ import annotations

from pathlib import Path

import typer

from multicloud_ctl.cli.state import get_state, playbook_dir_default

app = typer.Typer(help="Export cron, systemd or CI entries for scheduled playbooks.", no_args_is_help=True)


@app.callback()
def schedule() -> None:
    """Export cron, systemd or CI entries for scheduled playbooks."""


@app.command()
def export(
    ctx: typer.Context,
    format: str = typer.Option("cron", "--format", "-f", help="cron | systemd | github-actions"),
    playbooks: Path = typer.Option(
        None,
        "--playbooks",
        help="Directory of playbooks. (default: the playbook directory)",
        callback=playbook_dir_default(),
    ),
    workdir: str = typer.Option(None, "--workdir", help="Directory the jobs run in. (default: current)"),
    program: str = typer.Option(
        None,
        "--program",
        help="How the jobs invoke mcctl. (default: this mcctl by absolute path; `mcctl` for github-actions)",
    ),
    out_dir: Path = typer.Option(None, "--out-dir", help="Write the file(s) here instead of printing."),
    readiness: str = typer.Option(
        "0 * * * *",
        "--readiness",
        metavar="CRON|off",
        help="When `failover readiness` runs (added when the directory holds Failover playbooks); off: never.",
    ),
) -> None:
    """Entries for every playbook with a `spec.schedule` (cron lines, systemd units, or a workflow), and the
    failover readiness evaluation."""
    import shlex

    from multicloud_ctl.errors import UsageError
    from multicloud_ctl.operations.backup.schedule import (
        export_cron,
        export_github_actions,
        export_systemd,
        running_program,
        scheduled_playbooks,
    )

    state = get_state(ctx)
    if format not in ("cron", "systemd", "github-actions"):
        raise UsageError(f"--format must be cron, systemd or github-actions, not {format!r}")
    try:
        is_dir = playbooks.is_dir()
    except OSError as exc:  # e.g. a name too long for the file system
        raise UsageError(
            f"--playbooks {str(playbooks)[:80]}: cannot read: {exc.strerror}", hint="pass --playbooks DIR"
        ) from exc
    if not is_dir:
        raise UsageError(f"no playbook directory {playbooks}", hint="pass --playbooks DIR")
    readiness_cron = None if readiness.strip().lower() == "off" else readiness.strip()
    wd = workdir or str(Path.cwd())
    # playbook paths relative to where the jobs run, absolute when the playbooks are elsewhere
    entries = scheduled_playbooks(playbooks.absolute(), base=Path(wd).absolute(), readiness_cron=readiness_cron)
    if not entries:
        raise UsageError(f"no playbook in {playbooks} has a spec.schedule")
    if format == "github-actions":  # runs in a checkout on a runner: the repository's paths, `pip install .`
        argv = shlex.split(program) if program else ["mcctl"]
        config = state.config_dir.absolute()
        rel = str(config.relative_to(Path(wd).absolute())) if config.is_relative_to(Path(wd).absolute()) else None
        files = {"mcctl-schedule.yml": export_github_actions(entries, state.env, argv, rel)}
    else:
        argv = shlex.split(program) if program else running_program()
        config_dir = str(state.config_dir.absolute())
        if format == "cron":
            files = {"mcctl.cron": export_cron(entries, state.env, wd, argv, config_dir)}
        else:
            files = export_systemd(entries, state.env, wd, argv, config_dir)
    console = state.console
    if out_dir is not None:
        from multicloud_ctl.cli.outfile import writing_to

        with writing_to("--out-dir", out_dir, directory=True):
            out_dir.mkdir(parents=True, exist_ok=True)
            for name, text in files.items():
                (out_dir / name).write_text(text)
        console.emit(
            {"written": sorted(str(out_dir / n) for n in files)},
            columns=["file"],
            rows=[(str(out_dir / n),) for n in sorted(files)],
        )
        return
    if console.json_mode:
        console.print_json({"format": format, "entries": [e.__dict__ for e in entries], "files": files})
        return
    from rich.text import Text

    for name, text in files.items():
        if len(files) > 1:
            console.print(Text(f"# ---- {name}"))
        console.print(Text(text.rstrip("\n")))
