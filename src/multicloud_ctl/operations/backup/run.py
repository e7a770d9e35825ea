"""The mutating backup runs as plain functions: lock, plan, (dry run stops here), confirm, apply, journal.

`run_daily(runtime, spec)` is what both `mcctl backup daily` and the Azure backup-service function call.
Confirmation and the progress display are injected by the caller (the CLI); unattended callers pass none.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import LockHeld, OperationFailed, SafetyRefused
from multicloud_ctl.operations.backup.daily import DailyOptions, execute_daily, outcome_summary, plan_daily
from multicloud_ctl.operations.backup.store import open_store
from multicloud_ctl.operations.backup.weekly import execute_weekly, plan_weekly

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.backup import BackupSpec
    from multicloud_ctl.engine.journal import Journal
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.backup.store import BackupStore

Progress = Callable[[int, int], AbstractContextManager[Any]]  # (objects, bytes) -> bar with .advance(n)
Confirm = Callable[[dict[str, Any]], None]  # raises ConfirmationDeclined to stop


class BackupIncomplete(OperationFailed):
    """Some objects failed to copy: no manifest was written (rerun copies only what is missing)."""

    def __init__(self, message: str, summary: dict[str, Any]) -> None:
        hint = "rerun `mcctl backup daily`: completed objects are skipped"
        if any(f.get("status") == "501" or "CannotVerifyCopySource" in f["error"] for f in summary.get("failures", [])):
            hint = "the target cannot copy from a URL (Azurite cannot): use --transfer auto or stream"
        super().__init__(message, hint=hint)
        self.summary = summary


def mutating_calls(runtime: Runtime, store: BackupStore) -> dict[str, int]:
    """Mutating calls sent (and refused) so far, by cloud: a dry run must show zeros sent."""
    aws = runtime.aws.counter
    guard = store.blobs.guard
    return {
        "aws_sent": aws.mutating,
        "aws_refused": aws.blocked,
        "azure_sent": guard.mutating,
        "azure_refused": guard.blocked,
    }


@contextmanager
def journaled(runtime: Runtime, verb: str, inputs: dict[str, Any], *, lease: bool) -> Iterator[Journal]:
    """Journal + `run_lock(runtime, "backup")`; a failure, refusal or interrupt is recorded and re-raised."""
    from multicloud_ctl.engine.lock import run_lock
    from multicloud_ctl.operations.backup.reclaim import reclaim_dead_lease

    journal = runtime.journal(verb, inputs)
    try:
        with ExitStack() as held:
            try:
                held.enter_context(run_lock(runtime, "backup", lease=lease))
            except LockHeld:
                # A run killed on this machine leaves its lease behind: reclaim it once, on the record.
                if not (lease and (dead := reclaim_dead_lease(runtime))):
                    raise
                journal.set("reclaimed_lease", {"name": "backup", "dead_owner": dead})
                held.enter_context(run_lock(runtime, "backup", lease=lease))
            yield journal
    except BaseException as exc:
        if journal.record["status"] == "running":
            status = (
                "refused"
                if isinstance(exc, SafetyRefused)
                else "interrupted"
                if isinstance(exc, KeyboardInterrupt)
                else "failed"
            )
            journal.finish(status, error=str(exc) or type(exc).__name__)
        raise


def _bar(progress: Progress | None, objects: int, nbytes: int) -> AbstractContextManager[Any]:
    return progress(objects, nbytes) if progress is not None else nullcontext(None)


def run_daily(
    runtime: Runtime,
    spec: BackupSpec,
    options: DailyOptions | None = None,
    *,
    progress: Progress | None = None,
    confirm: Confirm | None = None,
    lease: bool = True,
) -> dict[str, Any]:
    """One daily incremental backup; returns the JSON summary (raises BackupIncomplete on failed copies)."""
    options = options or DailyOptions()
    inputs = {"playbook": spec.model_dump(mode="json"), "options": asdict(options)}
    with journaled(runtime, "backup daily", inputs, lease=lease) as journal:
        store = open_store(runtime, spec)
        step = journal.begin("steps", "plan", "list the buckets and the mirror")
        plan = plan_daily(store, options)
        journal.end(step, "ok", output={k: v for k, v in plan.summary().items() if k != "buckets"})
        if runtime.dry_run:
            return _dry_run_result(journal, runtime, store, plan.summary())
        if confirm is not None:
            confirm(plan.summary())
        start = time.perf_counter()
        step = journal.begin("steps", "copy", f"copy {plan.summary()['to_copy']} object(s)")
        with _bar(progress, len(plan.tasks()), sum(b.copy_bytes for b in plan.buckets)) as bar:
            outcome, manifest, mode = execute_daily(
                store, plan, options, advance=(lambda n, _b: bar.advance(n)) if bar else None
            )
        summary = outcome_summary(plan, outcome, manifest, mode, time.perf_counter() - start)
        journal.end(step, "ok" if manifest else "failed", output={k: v for k, v in summary.items() if k != "failures"})
        for name in ("objects_per_s", "mib_per_s", "copied", "skipped"):
            journal.measure(name, summary[name])
        summary["journal"] = journal.run_id
        journal.finish(
            "ok" if manifest else "failed",
            result=summary,
            error=None if manifest else f"{summary['failed']} object(s) failed",
        )
    if manifest is None:
        raise BackupIncomplete(
            f"backup daily: {summary['failed']} object(s) failed to copy; no manifest "
            f"written (first: {outcome.failures[0]['key']}: {outcome.failures[0]['error']})",
            summary,
        )
    return summary


def _dry_run_result(journal: Any, runtime: Runtime, store: Any, plan_summary: dict[str, Any]) -> dict[str, Any]:
    """Finish a dry run's journal with the plan and the guards' count of mutating calls (zero)."""
    result = {
        "dry_run": True,
        **plan_summary,
        "mutating_calls": mutating_calls(runtime, store),
        "journal": journal.run_id,
    }
    journal.finish("ok", result=result)
    return result


def run_weekly(
    runtime: Runtime,
    spec: BackupSpec,
    *,
    transfer: str | None = None,
    bwlimit: int | None = None,
    progress: Progress | None = None,
    confirm: Confirm | None = None,
    lease: bool = True,
) -> dict[str, Any]:
    """One full weekly snapshot; returns the JSON summary."""
    inputs = {"playbook": spec.model_dump(mode="json"), "transfer": transfer, "bwlimit": bwlimit}
    with journaled(runtime, "backup weekly", inputs, lease=lease) as journal:
        store = open_store(runtime, spec)
        step = journal.begin("steps", "plan", "list buckets, tables and SQL tables")
        plan = plan_weekly(store, transfer)
        journal.end(step, "ok", output=plan.summary())
        if runtime.dry_run:
            return _dry_run_result(journal, runtime, store, plan.summary())
        if confirm is not None:
            confirm(plan.summary())
        start = time.perf_counter()
        step = journal.begin("steps", "snapshot", f"snapshot {plan.id}")
        with _bar(progress, len(plan.objects), sum(o.size for _, o in plan.objects)) as bar:
            manifest, failures = execute_weekly(
                store, plan, bwlimit=bwlimit, advance=(lambda n, _b: bar.advance(n)) if bar else None
            )
        seconds = round(time.perf_counter() - start, 3)
        summary: dict[str, Any] = {
            "id": plan.id,
            "kind": "weekly",
            "status": "ok" if manifest else "incomplete",
            "seconds": seconds,
            "objects": manifest.objects if manifest else None,
            "bytes": manifest.bytes if manifest else None,
            "tables": {t.name: t.items for t in manifest.tables} if manifest else {},
            "failed": len(failures),
            "failures": failures[:20],
            "journal": journal.run_id,
        }
        journal.end(step, "ok" if manifest else "failed", output={k: v for k, v in summary.items() if k != "failures"})
        journal.finish("ok" if manifest else "failed", result=summary)
    if manifest is None:
        raise BackupIncomplete(
            f"backup weekly: {len(failures)} object(s) failed; snapshot {plan.id} not "
            f"committed (first: {failures[0]['key']}: {failures[0]['error']})",
            summary,
        )
    return summary


def run_restore(
    store: BackupStore,
    backup_id: str | None,
    target: Runtime,
    *,
    buckets: list[str] | None = None,
    tables: list[str] | None = None,
    confirm: Confirm | None = None,
) -> dict[str, Any]:
    """Restore a backup into `target` (lock + journal there), then compare; Degraded on a mismatch."""
    from multicloud_ctl.errors import Degraded
    from multicloud_ctl.operations.backup.manifest import read_manifest, resolve_backup_id
    from multicloud_ctl.operations.backup.restore import execute_restore, plan_restore

    bid = resolve_backup_id(store.blobs, store.layout, backup_id)
    manifest = read_manifest(store.blobs, store.layout, bid)
    plan = plan_restore(manifest, target.environment.name, buckets=buckets, tables=tables)
    inputs = {"id": bid, "buckets": buckets, "tables": tables, "target_env": target.environment.name}
    with journaled(target, "backup restore", inputs, lease=True) as journal:
        journal.set("plan", plan.summary())
        if target.dry_run:
            return _dry_run_result(journal, target, store, plan.summary())
        if confirm is not None:
            confirm(plan.summary())
        step = journal.begin("steps", "restore", f"restore {bid} into {target.environment.name}")
        report = execute_restore(store, plan, target)
        journal.end(step, "ok" if report["ok"] else "failed", output=report)
        result = {"dry_run": False, **plan.summary(), "comparison": report, "journal": journal.run_id}
        journal.finish("ok" if report["ok"] else "degraded", result=result)
    if not report["ok"]:
        bad = (
            report["mismatched"]
            + report["missing_in_backup"]
            + [t for t, r in report["tables"].items() if not r["digest_match"]]
        )
        raise Degraded(
            f"restore of {bid}: {len(bad)} object(s)/table(s) differ from the backup: {', '.join(bad[:10])}",
            hint="`mcctl journal show last` has the full comparison",
        )
    return result


def run_prune(
    store: BackupStore,
    *,
    keep_daily: int,
    keep_weekly: int,
    keep_monthly: int,
    confirm: Confirm | None = None,
) -> dict[str, Any]:
    """Remove backups beyond the retention (never the newest verified one)."""
    from multicloud_ctl.operations.backup.prune import apply_prune, plan_prune

    runtime = store.runtime
    inputs = {"keep_daily": keep_daily, "keep_weekly": keep_weekly, "keep_monthly": keep_monthly}
    with journaled(runtime, "backup prune", inputs, lease=True) as journal:
        plan = plan_prune(store, keep_daily=keep_daily, keep_weekly=keep_weekly, keep_monthly=keep_monthly)
        journal.set("plan", plan.summary())
        if runtime.dry_run:
            return _dry_run_result(journal, runtime, store, plan.summary())
        if confirm is not None and (plan.remove or plan.orphan_snapshots or plan.stale_versions):
            confirm(plan.summary())
        deleted = apply_prune(store, plan)
        result = {"dry_run": False, **plan.summary(), "deleted": deleted, "journal": journal.run_id}
        journal.finish("ok", result=result)
    return result
