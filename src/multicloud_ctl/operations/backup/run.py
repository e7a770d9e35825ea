"""The mutating backup verbs as run-lifecycle operations: daily, weekly, restore, prune.

Each `*_operation` describes one run for `engine/run.py`: the plan is built from read-only listings (the
buckets, the mirror, the manifests), the work is a bulk step that reports object counts, and the lifecycle does
the rest (lease "backup" with a dead local owner's lease reclaimed on the record, confirmation, journal,
signals, dry run). `run_daily(runtime, spec)` and friends are the same operations for callers without a
terminal (tests, the backup-service function): they confirm nothing, return the summary and raise the run's
error.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine.plan import Plan, Step
from multicloud_ctl.engine.run import Confirmer, LockSpec, Operation, Outcome, assume_yes, run
from multicloud_ctl.errors import Degraded, OperationFailed
from multicloud_ctl.humanize import size
from multicloud_ctl.operations.backup.daily import (
    DailyOptions,
    count_daily,
    execute_daily,
    outcome_summary,
    plan_daily,
)
from multicloud_ctl.operations.backup.store import open_store
from multicloud_ctl.operations.backup.weekly import execute_weekly, plan_weekly

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.backup import BackupSpec
    from multicloud_ctl.engine.executor import RunResult, StepContext
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.backup.store import BackupStore


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


def _lock(lease: bool) -> LockSpec:
    return LockSpec("backup", lease=lease)  # a dead local owner's lease is reclaimed by the engine


class _Held:
    """What planning found, kept for the step and the result (one lifecycle, one instance)."""

    store: BackupStore
    plan: Any
    summary: dict[str, Any]
    target: Runtime
    bid: str
    orphans: list[str]

    def dry_result(self, runtime: Runtime, plan: Plan) -> dict[str, Any]:
        return {"dry_run": True, **plan.summary, "mutating_calls": mutating_calls(runtime, self.store)}


def daily_operation(spec: BackupSpec, options: DailyOptions | None = None, *, lease: bool = True) -> Operation:
    """One daily incremental backup: list, compare, copy what changed, commit the manifest last."""
    options = options or DailyOptions()
    held = _Held()

    def plan(runtime: Runtime) -> Plan:
        held.store = open_store(runtime, spec)
        held.plan = plan_daily(held.store, options)
        summary = held.plan.summary()
        step = Step.bulk(
            "copy",
            f"copy new and changed objects of {len(held.plan.buckets)} bucket(s) as they are listed, "
            "then commit the manifest",
            copy,
            unit="objects",
        )
        return Plan("backup daily", (step,), summary=summary)

    def copy(ctx: StepContext) -> dict[str, Any]:
        start = time.perf_counter()
        outcome, manifest = execute_daily(held.store, held.plan, options, advance=lambda n, _bytes: ctx.advance(n))
        summary = outcome_summary(held.plan, outcome, manifest, time.perf_counter() - start)
        held.summary = summary
        for name in ("objects_per_s", "mib_per_s", "copied", "skipped", "vanished", "fell_back"):
            ctx.measure(name, summary[name])
        if manifest is None:
            ctx.record("incomplete", summary)
            from multicloud_ctl.providers.azure.blobnames import shown

            first = outcome.failures[0]
            raise BackupIncomplete(
                f"backup daily: {summary['failed']} object(s) failed to copy; no manifest "
                f"written (first: {shown(first['key'])}: {first['error']})",
                summary,
            )
        return {k: v for k, v in summary.items() if k not in ("failures", "vanished_keys")}

    def judge(result: dict[str, Any]) -> Degraded | None:
        """Objects whose keys cannot be blob names were not backed up: the rest is committed, the run degraded."""
        if not result or not result.get("unnamable"):
            return None
        from multicloud_ctl.providers.azure.blobnames import shown

        first = result["unnamable_keys"][0]
        return Degraded(
            f"backup daily: {result['unnamable']} object(s) not backed up, their keys cannot be blob names "
            f"(first: {first['bucket']}/{shown(first['key'])}: {first['reason']}); "
            f"the rest is committed as {result['id']}",
            hint="rename them at the source (`mcctl journal show last` lists up to 20)",
        )

    def dry_result(p: Plan) -> dict[str, Any]:
        counted = count_daily(held.store, held.plan)  # read-only: the same listing and comparison, counted
        return {"dry_run": True, **counted, "mutating_calls": mutating_calls(held.store.runtime, held.store)}

    def question(p: Plan) -> str:
        deletes = " and delete mirror blobs whose object is gone" if options.mirror_deletes else ""
        return (
            f"Copy the new and changed objects of {', '.join(held.plan.buckets)} to container "
            f"{held.store.blobs.name}{deletes}?"
        )

    return Operation(
        "backup daily",
        plan,
        inputs={"playbook": spec.model_dump(mode="json"), "options": asdict(options)},
        lock=_lock(lease),
        question=question,
        conclude=lambda p, r: held.summary,
        judge=judge,
        dry_result=dry_result,
    )


def weekly_operation(
    spec: BackupSpec, *, transfer: str | None = None, bwlimit: int | None = None, lease: bool = True
) -> Operation:
    """One full weekly snapshot (S3 objects, DynamoDB and SQL tables, config) under one id; manifest last."""
    held = _Held()

    def plan(runtime: Runtime) -> Plan:
        from multicloud_ctl.operations.backup.prune import ORPHAN_GRACE, orphan_snapshot_ids

        held.store = open_store(runtime, spec)
        held.plan = plan_weekly(held.store, transfer)
        step = Step.bulk(
            "snapshot",
            f"snapshot {held.plan.id}",
            snapshot,
            total=held.plan.object_count,
            unit="objects",
        )
        steps = [step]
        # A weekly killed before its manifest leaves its blobs behind; the next weekly removes them once its own
        # snapshot is committed, when it holds the lease (a run without it may be the one still writing them)
        # and they are older than ORPHAN_GRACE. `backup prune` removes them too, at any age.
        held.orphans = (
            orphan_snapshot_ids(held.store, before=held.plan.created - ORPHAN_GRACE, keep={held.plan.id})
            if lease
            else []
        )
        if held.orphans:
            steps.append(
                Step.bulk(
                    "orphans",
                    f"remove {len(held.orphans)} uncommitted snapshot(s) left by killed runs: "
                    + ", ".join(held.orphans),
                    remove_orphans,
                    unit="snapshots",
                )
            )
        summary = {**held.plan.summary(), "orphan_snapshots": list(held.orphans)}
        return Plan("backup weekly", tuple(steps), summary=summary)

    def remove_orphans(ctx: StepContext) -> dict[str, Any]:
        from multicloud_ctl.operations.backup.prune import remove_orphan_snapshots

        removed = remove_orphan_snapshots(held.store, held.orphans)
        held.summary["orphans_removed"] = removed
        return removed

    def snapshot(ctx: StepContext) -> dict[str, Any]:
        start = time.perf_counter()
        manifest, failures = execute_weekly(
            held.store, held.plan, bwlimit=bwlimit, advance=lambda n, _bytes: ctx.advance(n)
        )
        summary: dict[str, Any] = {
            "id": held.plan.id,
            "kind": "weekly",
            "status": "ok" if manifest else "incomplete",
            "seconds": round(time.perf_counter() - start, 3),
            "objects": manifest.objects if manifest else None,
            "bytes": manifest.bytes if manifest else None,
            "tables": {t.name: t.items for t in manifest.tables} if manifest else {},
            "dynamodb_snapshot": held.plan.summary()["dynamodb_snapshot"],
            "failed": failures.count,
            "failures": failures.first,
        }
        held.summary = summary
        if manifest is None:
            from multicloud_ctl.providers.azure.blobnames import shown

            ctx.record("incomplete", summary)
            raise BackupIncomplete(
                f"backup weekly: {failures.count} object(s) failed; snapshot {held.plan.id} not "
                f"committed (first: {shown(failures.first[0]['key'])}: {failures.first[0]['error']})",
                summary,
            )
        return {k: v for k, v in summary.items() if k != "failures"}

    return Operation(
        "backup weekly",
        plan,
        inputs={"playbook": spec.model_dump(mode="json"), "transfer": transfer, "bwlimit": bwlimit},
        lock=_lock(lease),
        question=lambda p: "Write snapshot {id} ({objects} object(s), {size})?".format(
            size=size(p.summary["bytes"]), **p.summary
        ),
        conclude=lambda p, r: held.summary,
        dry_result=lambda p: held.dry_result(held.store.runtime, p),
    )


def restore_operation(
    store: BackupStore,
    backup_id: str | None,
    *,
    buckets: list[str] | None = None,
    tables: list[str] | None = None,
) -> Operation:
    """Restore a backup from `store` into the runtime the run is given, then compare (degraded on a mismatch)."""
    from multicloud_ctl.operations.backup.manifest import resolve_backup_id
    from multicloud_ctl.operations.backup.manifest_reader import ManifestReader
    from multicloud_ctl.operations.backup.restore import execute_restore, plan_restore

    held = _Held()
    held.store = store

    def plan(target: Runtime) -> Plan:
        held.target = target
        held.bid = bid = resolve_backup_id(store.blobs, store.layout, backup_id)
        reader = ManifestReader(store.blobs, store.layout, bid)
        held.plan = plan_restore(reader, target.environment.name, buckets=buckets, tables=tables)
        step = Step.bulk(
            "restore",
            f"restore {bid} into {target.environment.name}",
            lambda ctx: execute_restore(store, held.plan, ctx.runtime),
        )
        return Plan("backup restore", (step,), summary=held.plan.summary())

    def judge(result: dict[str, Any]) -> Degraded | None:
        report = result["comparison"]
        if report["ok"]:
            return None
        tables = [t for t, r in report["tables"].items() if not r["digest_match"]]
        bad = report["mismatched"] + report["missing_in_backup"] + tables
        count = report["mismatched_count"] + report["missing_in_backup_count"] + len(tables)
        return Degraded(
            f"restore of {held.bid}: {count} object(s)/table(s) differ from the backup: {', '.join(bad[:10])}",
            hint="`mcctl journal show last` has the full comparison",
        )

    return Operation(
        "backup restore",
        plan,
        inputs={"id": backup_id, "buckets": buckets, "tables": tables},
        lock=_lock(True),
        question=lambda p: f"Restore {held.bid} into {p.summary['target_env']}?",
        conclude=lambda p, r: {"dry_run": False, **p.summary, "comparison": r.steps[0].output},
        judge=judge,
        dry_result=lambda p: held.dry_result(held.target, p),
    )


def prune_operation(store: BackupStore, *, keep_daily: int, keep_weekly: int, keep_monthly: int) -> Operation:
    """Remove backups beyond the retention (never the newest verified one); manifests first, then data."""
    from multicloud_ctl.operations.backup.prune import apply_prune, plan_prune

    held = _Held()
    held.store = store

    def plan(runtime: Runtime) -> Plan:
        held.plan = plan_prune(store, keep_daily=keep_daily, keep_weekly=keep_weekly, keep_monthly=keep_monthly)
        summary = held.plan.summary()
        work = held.plan.remove or held.plan.orphan_snapshots or held.plan.stale_versions
        step = Step.bulk(
            "delete",
            f"remove {len(held.plan.remove)} backup(s), {len(held.plan.orphan_snapshots)} uncommitted snapshot(s) "
            f"and {len(held.plan.stale_versions)} stale mirror version(s)",
            lambda ctx: apply_prune(store, held.plan),
        )
        return Plan("backup prune", (step,) if work else (), summary=summary)

    def conclude(p: Plan, r: RunResult) -> dict[str, Any]:
        deleted = r.steps[0].output if r.steps else {"manifests": 0, "snapshot_blobs": 0, "mirror_versions": 0}
        return {"dry_run": False, **p.summary, "deleted": deleted}

    return Operation(
        "backup prune",
        plan,
        inputs={"keep_daily": keep_daily, "keep_weekly": keep_weekly, "keep_monthly": keep_monthly},
        lock=_lock(True),
        question=lambda p: f"Remove {p.summary['remove']} and their data?",
        conclude=conclude,
        dry_result=lambda p: held.dry_result(store.runtime, p),
    )


def finished(outcome: Outcome) -> dict[str, Any]:
    """The run's result with its journal id; raises the run's error (as the CLI does)."""
    outcome.raise_for_status()
    return {**outcome.result, "journal": outcome.run_id}


def run_daily(
    runtime: Runtime,
    spec: BackupSpec,
    options: DailyOptions | None = None,
    *,
    confirm: Confirmer = assume_yes,
    lease: bool = True,
) -> dict[str, Any]:
    """One daily incremental backup; returns the JSON summary (raises BackupIncomplete on failed copies)."""
    return finished(run(runtime, daily_operation(spec, options, lease=lease), confirm=confirm))


def run_weekly(
    runtime: Runtime,
    spec: BackupSpec,
    *,
    transfer: str | None = None,
    bwlimit: int | None = None,
    confirm: Confirmer = assume_yes,
    lease: bool = True,
) -> dict[str, Any]:
    """One full weekly snapshot; returns the JSON summary."""
    op = weekly_operation(spec, transfer=transfer, bwlimit=bwlimit, lease=lease)
    return finished(run(runtime, op, confirm=confirm))


def run_restore(
    store: BackupStore,
    backup_id: str | None,
    target: Runtime,
    *,
    buckets: list[str] | None = None,
    tables: list[str] | None = None,
    confirm: Confirmer = assume_yes,
) -> dict[str, Any]:
    """Restore a backup into `target` (lock + journal there), then compare; Degraded on a mismatch."""
    op = restore_operation(store, backup_id, buckets=buckets, tables=tables)
    return finished(run(target, op, confirm=confirm))


def run_prune(
    store: BackupStore,
    *,
    keep_daily: int,
    keep_weekly: int,
    keep_monthly: int,
    confirm: Confirmer = assume_yes,
) -> dict[str, Any]:
    """Remove backups beyond the retention (never the newest verified one)."""
    op = prune_operation(store, keep_daily=keep_daily, keep_weekly=keep_weekly, keep_monthly=keep_monthly)
    return finished(run(store.runtime, op, confirm=confirm))
