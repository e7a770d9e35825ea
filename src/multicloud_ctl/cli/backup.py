"""`mcctl backup daily|weekly|list|verify|restore|prune`: parse options, call operations.backup, print."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from multicloud_ctl.cli.state import CliState, get_state, playbook_default

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.backup import BackupSpec
    from multicloud_ctl.operations.backup.store import BackupStore

app = typer.Typer(help="Daily S3-to-Blob backups, weekly snapshots, verify, restore, prune.", no_args_is_help=True)

DAILY = playbook_default("backup-daily.yaml")  # in the playbook directory (config/home.py)
WEEKLY = playbook_default("backup-weekly.yaml")
PLAYBOOK_HELP = (
    "Backup playbook (buckets, tables, container, layout, retention). "
    "(default: backup-daily.yaml or backup-weekly.yaml in the playbook directory)"
)


def _spec(path: Path, *, required: bool) -> BackupSpec:
    from multicloud_ctl.config.playbook import load_playbook
    from multicloud_ctl.config.specs.backup import BackupSpec

    if not path.exists() and not required:
        return BackupSpec()
    if not path.exists():
        from multicloud_ctl.errors import UsageError

        raise UsageError(f"playbook {path} not found", hint="pass --playbook FILE")
    return load_playbook(path, "Backup").spec  # type: ignore[no-any-return]


def _spec_for(path: Path, mode: str) -> BackupSpec:
    """The playbook of `backup daily` / `backup weekly`: its `mode` must be the verb's (a daily playbook run as
    a weekly committed a "weekly" without its tables)."""
    from multicloud_ctl.errors import ConfigError

    spec = _spec(path, required=True)
    if spec.mode != mode:
        raise ConfigError(
            f"{path}: spec.mode is {spec.mode}: `mcctl backup {mode}` takes a playbook with mode: {mode}",
            hint=f"pass the {mode} playbook with --playbook (playbooks/backup-{mode}.yaml)",
        )
    return spec


def _rate(value: str | None) -> int | None:
    from multicloud_ctl.config.specs.backup import parse_size
    from multicloud_ctl.errors import UsageError

    if value is None:
        return None
    try:
        return parse_size(value)
    except ValueError as exc:
        raise UsageError(f"--bwlimit: {exc}") from None


def _names(value: str | None) -> list[str] | None:
    return None if value is None else [v.strip() for v in value.split(",") if v.strip()]


def _store(state: CliState, spec: BackupSpec, *, dry_run: bool = False) -> BackupStore:
    from multicloud_ctl.cli.runner import make_runtime
    from multicloud_ctl.operations.backup.store import open_store

    return open_store(make_runtime(state, dry_run=dry_run), spec)


def _print_summary(state: CliState, summary: dict[str, Any], title: str) -> None:
    console = state.console
    if console.json_mode:  # `-o json` only: piped, `-o table` (the default) is still a table, as everywhere
        console.print_json(summary)
        return
    rows = [(k, v) for k, v in summary.items() if not isinstance(v, dict | list)]
    console.table(["", "value"], rows, title=title)


def _run_backup(state: CliState, kind: str, op: Any, *, dry_run: bool, yes: bool) -> None:
    """Run a daily or weekly backup through the lifecycle and print its summary (also when incomplete)."""
    from multicloud_ctl.cli.runner import run_operation
    from multicloud_ctl.operations.backup.run import BackupIncomplete

    outcome = run_operation(state, op, dry_run=dry_run, yes=yes)
    if isinstance(outcome.error, BackupIncomplete):
        _print_summary(state, {**outcome.error.summary, "journal": outcome.run_id}, f"backup {kind} (incomplete)")
    outcome.raise_for_status()
    summary = {**outcome.result, "journal": outcome.run_id}
    _print_summary(state, summary, f"backup {kind}")
    if summary.get("vanished"):
        shown = ", ".join(summary.get("vanished_keys", []))
        state.console.warn(
            f"{summary['vanished']} object(s) were deleted at the source during the run and are not in this "
            f"backup: {shown}"
        )
    if not dry_run:
        state.console.success(f"backup {kind} {summary['id']} committed (journal {outcome.run_id})")


@app.command()
def daily(
    ctx: typer.Context,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    playbook: Path = typer.Option(None, "--playbook", "-p", help=PLAYBOOK_HELP, callback=DAILY),
    dry_run: bool = typer.Option(False, "--dry-run", help="List what would be copied; change nothing."),
    transfer: str = typer.Option(None, "--transfer", help="auto | server | stream (default: the playbook's)."),
    bwlimit: str = typer.Option(None, "--bwlimit", help="Cap streamed bytes per second, e.g. 20MiB."),
    mirror_deletes: bool = typer.Option(
        False, "--mirror-deletes", help="Delete blobs whose source object is gone (default: keep them)."
    ),
) -> None:
    """Copy new and changed S3 objects to the backup container; skip unchanged ones (size + ETag)."""
    from multicloud_ctl.errors import UsageError
    from multicloud_ctl.operations.backup.daily import DailyOptions
    from multicloud_ctl.operations.backup.run import daily_operation

    if transfer not in (None, "auto", "server", "stream"):
        raise UsageError(f"--transfer must be auto, server or stream, not {transfer!r}")
    state = get_state(ctx)
    spec = _spec_for(playbook, "daily")
    options = DailyOptions(transfer=transfer, bwlimit=_rate(bwlimit), mirror_deletes=mirror_deletes)
    _run_backup(state, "daily", daily_operation(spec, options), dry_run=dry_run, yes=yes)


@app.command()
def weekly(
    ctx: typer.Context,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    playbook: Path = typer.Option(None, "--playbook", "-p", help=PLAYBOOK_HELP, callback=WEEKLY),
    dry_run: bool = typer.Option(False, "--dry-run", help="List what the snapshot would hold; change nothing."),
    transfer: str = typer.Option(None, "--transfer", help="auto | server | stream (default: the playbook's)."),
    bwlimit: str = typer.Option(None, "--bwlimit", help="Cap streamed bytes per second, e.g. 20MiB."),
) -> None:
    """Full snapshot (S3 objects, DynamoDB and SQL tables, config) under one id; manifest written last."""
    from multicloud_ctl.operations.backup.run import weekly_operation

    state = get_state(ctx)
    spec = _spec_for(playbook, "weekly")
    op = weekly_operation(spec, transfer=transfer, bwlimit=_rate(bwlimit))
    _run_backup(state, "weekly", op, dry_run=dry_run, yes=yes)


@app.command("list")
def list_(
    ctx: typer.Context, playbook: Path = typer.Option(None, "--playbook", "-p", help=PLAYBOOK_HELP, callback=DAILY)
) -> None:
    """Committed backups, newest first: id, kind, time, objects, bytes, verified."""
    from multicloud_ctl.operations.backup.status import list_backups

    state = get_state(ctx)
    rows = list_backups(_store(state, _spec(playbook, required=False)))
    state.console.emit(
        rows,
        columns=["id", "kind", "time", "objects", "bytes", "verified"],
        rows=[
            (
                r["id"],
                r["kind"],
                r["time"],
                r["objects"],
                r["bytes"],
                f"{r['verify_status']} {r['verified']}" if r["verified"] else "never",
            )
            for r in rows
        ],
    )


@app.command()
def verify(
    ctx: typer.Context,
    backup_id: str = typer.Argument(None, help="Backup id or prefix, latest, latest-daily, latest-weekly."),
    sample: float = typer.Option(100.0, "--sample", min=0.01, max=100.0, help="Percent of objects to re-read."),
    playbook: Path = typer.Option(None, "--playbook", "-p", help=PLAYBOOK_HELP, callback=DAILY),
) -> None:
    """Re-read and hash a backup's objects; exit 3 naming missing or corrupt ones."""
    from multicloud_ctl.errors import Degraded
    from multicloud_ctl.operations.backup.verify import verify_backup

    state = get_state(ctx)
    report = verify_backup(_store(state, _spec(playbook, required=False)), backup_id, sample_pct=sample)
    data = report.to_dict()
    console = state.console
    if console.json_mode:
        console.print_json(data)
    else:
        console.table(
            ["", "value"],
            [(k, v) for k, v in data.items() if not isinstance(v, list)],
            title=f"verify {report.id}",
        )
        for key in report.missing:
            console.print(f"missing  {key}")
        for key in report.corrupt:
            console.print(f"corrupt  {key}")
    if not report.ok:
        bad = [f"missing {k}" for k in report.missing] + [f"corrupt {k}" for k in report.corrupt]
        raise Degraded(
            f"backup {report.id}: {report.missing_count + report.corrupt_count} problem(s): {'; '.join(bad[:10])}",
            hint="run `mcctl backup daily` to recopy, or restore from an older verified backup",
        )
    console.success(f"backup {report.id}: {report.checked} object(s) verified")


@app.command()
def restore(
    ctx: typer.Context,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    backup_id: str = typer.Argument(..., help="Backup id or prefix, latest, latest-daily, latest-weekly."),
    tables: str = typer.Option(None, "--tables", help="Only these tables (comma-separated)."),
    buckets: str = typer.Option(None, "--buckets", help="Only these buckets (comma-separated)."),
    to_env: str = typer.Option(None, "--to-env", help="Restore into this environment (e.g. a scratch one)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be restored; change nothing."),
    playbook: Path = typer.Option(None, "--playbook", "-p", help=PLAYBOOK_HELP, callback=DAILY),
) -> None:
    """Restore into the same or another environment, then compare counts and hashes (exit 3 on mismatch)."""
    from multicloud_ctl.cli.runner import run_operation
    from multicloud_ctl.config.loader import load_environment
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.backup.run import finished, restore_operation

    state = get_state(ctx)
    store = _store(state, _spec(playbook, required=False), dry_run=dry_run)
    target = store.runtime
    if to_env and to_env != state.env:
        target = Runtime(environment=load_environment(to_env, state.config_dir), dry_run=dry_run)
        target.events.subscribe(state.console.renderer())
    op = restore_operation(store, backup_id, buckets=_names(buckets), tables=_names(tables))
    result = finished(run_operation(state, op, yes=yes, runtime=target))
    if state.console.json_mode:
        state.console.print_json(result)
    else:
        b = result["buckets"]
        state.console.table(
            ["what", "count"],
            [(f"s3:{k}", v["objects"]) for k, v in b.items()] + list(result["tables"].items()),
            title=f"restore {result['id']}",
        )
        if not result["dry_run"]:
            state.console.success(f"restored {result['id']} into {result['target_env']}: counts and hashes match")


@app.command()
def prune(
    ctx: typer.Context,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    keep_daily: int = typer.Option(None, "--keep-daily", min=0, help="Newest daily backup of each of N days."),
    keep_weekly: int = typer.Option(None, "--keep-weekly", min=0, help="Newest snapshot of each of N weeks."),
    keep_monthly: int = typer.Option(None, "--keep-monthly", min=0, help="Newest snapshot of each of N months."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be removed; change nothing."),
    playbook: Path = typer.Option(None, "--playbook", "-p", help=PLAYBOOK_HELP, callback=DAILY),
) -> None:
    """Remove backups beyond the retention; never the newest verified one."""
    from multicloud_ctl.cli.runner import run_operation
    from multicloud_ctl.operations.backup.run import finished, prune_operation

    state = get_state(ctx)
    spec = _spec(playbook, required=False)
    r = spec.retention
    store = _store(state, spec, dry_run=dry_run)
    op = prune_operation(
        store,
        keep_daily=r.keep_daily if keep_daily is None else keep_daily,
        keep_weekly=r.keep_weekly if keep_weekly is None else keep_weekly,
        keep_monthly=r.keep_monthly if keep_monthly is None else keep_monthly,
    )
    result = finished(run_operation(state, op, yes=yes, runtime=store.runtime))
    if state.console.json_mode:
        state.console.print_json(result)
        return
    rows = [(k["id"], "keep", ", ".join(k["reasons"])) for k in result["keep"]]
    rows += [(i, "remove" if not result["dry_run"] else "would remove", "") for i in result["remove"]]
    rows += [(i, "remove uncommitted", "") for i in result["orphan_snapshots"]]
    state.console.table(["backup", "action", "why"], rows, title="backup prune")
