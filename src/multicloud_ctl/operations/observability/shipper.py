"""The log shipper: CloudWatch Logs (AWS side) and the Azure side's lines -> Log Analytics through the Logs
Ingestion API, resumable from a checkpoint in the state directory.

    outcome = run(runtime, ship_operation(spec.log_shipping, inputs))

1. Sandbox only: the AWS functions host's JSON log file is appended to CloudWatch Logs
   (`/aws/lambda/mcctl-functions`, stream `sandbox-host`), which is what the Lambda runtime does with stdout.
2. Every log group under `log_group_prefix` is read from its checkpoint (filter_log_events, inclusive start
   time; event ids at the checkpoint millisecond are remembered so nothing ships twice) and uploaded.
3. Sandbox only: the Azure host's JSON log file is uploaded directly (the Functions diagnostic setting's job
   in the cloud) from its byte offset, and the platforms' function metrics are published from the spans
   (platform_metrics.py).
The checkpoint advances only after an upload succeeded. `plan_shipping` counts what is new with read-only
calls (what `--dry-run` shows); `ship_operation` runs the shipping through the run lifecycle.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.observability import LogShipping
    from multicloud_ctl.engine.run import Operation
    from multicloud_ctl.engine.runtime import Runtime

SANDBOX_GROUP = "/aws/lambda/mcctl-functions"
SANDBOX_STREAM = "sandbox-host"


def host_log_file(state_dir: Path, cloud: str) -> Path | None:
    found = sorted(state_dir.rglob(f"logs/functions_{cloud}.jsonl")) if state_dir.exists() else []
    return found[0] if found else None


def to_row(message: str, timestamp_ms: int, source: str) -> dict[str, Any]:
    """One Log Analytics row from a log line (JSON lines keep their fields; plain text becomes `message`)."""
    from datetime import UTC, datetime

    try:
        data = json.loads(message)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        data = {"message": message.rstrip("\n"), "level": "INFO"}
    stamp = data.get("timestamp") or datetime.fromtimestamp(timestamp_ms / 1000, UTC).isoformat()
    return {**data, "TimeGenerated": stamp, "source": source}


def _new_lines(path: Path, offset: int) -> tuple[list[str], int]:
    """Complete lines after byte `offset` and the offset after the last one."""
    with path.open("rb") as fh:
        fh.seek(offset)
        data = fh.read()
    end = data.rfind(b"\n") + 1
    return [ln for ln in data[:end].decode("utf-8", "replace").splitlines() if ln.strip()], offset + end


def _ms(stamp: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)


class Checkpoint:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
        self.data.setdefault("files", {})
        self.data.setdefault("groups", {})

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True))
        tmp.replace(self.path)


def _clients(runtime: Runtime, spec: LogShipping) -> tuple[Checkpoint, Any, Any]:
    from multicloud_ctl.operations.observability.ingestion_target import ingestion_target
    from multicloud_ctl.providers.aws.cloudwatch_logs import CloudWatchLogs
    from multicloud_ctl.providers.azure.monitor_logs import LogsIngestion

    cp = Checkpoint(runtime.state_dir / "observability" / "ship-checkpoint.json")
    target = ingestion_target(runtime, spec)
    ingest = RuleIngestion(LogsIngestion(runtime.azure, target.endpoint), target.rule_id)
    return cp, CloudWatchLogs(runtime.aws), ingest


class RuleIngestion:
    """The Logs Ingestion client bound to the data collection rule it uploads through."""

    def __init__(self, client: Any, rule_id: str) -> None:
        self.client, self.rule_id = client, rule_id

    def upload(self, stream: str, rows: list[dict[str, Any]]) -> int:
        return int(self.client.upload(self.rule_id, stream, rows))


def _new_events(cw: Any, cp: Checkpoint, group: str) -> list[Any]:
    state = cp.data["groups"].get(group, {"ms": 0, "ids": []})
    seen = set(state["ids"])
    return [e for e in cw.events(group, int(state["ms"])) if e.event_id not in seen]


def plan_shipping(runtime: Runtime, spec: LogShipping) -> dict[str, Any]:
    """What `ship_logs` would move now, counted with read-only calls (lines the sandbox has not yet captured
    into CloudWatch count as `captured`, not as shipped)."""
    env = runtime.environment
    cp, cw, _ = _clients(runtime, spec)
    out: dict[str, Any] = {"captured": 0, "shipped": {}}
    aws_file = host_log_file(env.env_state_dir, "aws") if env.is_local else None
    if aws_file is not None:
        out["captured"] = len(_new_lines(aws_file, int(cp.data["files"].get(str(aws_file), 0)))[0])
    for group in cw.groups(spec.log_group_prefix):
        out["shipped"][f"cloudwatch:{group}"] = len(_new_events(cw, cp, group))
    azure_file = host_log_file(env.env_state_dir, "azure") if env.is_local else None
    if azure_file is not None:
        lines, _end = _new_lines(azure_file, int(cp.data["files"].get(str(azure_file), 0)))
        out["shipped"]["azure:functions"] = len(lines)
    out["total"] = sum(out["shipped"].values())
    return out


def ship_logs(runtime: Runtime, spec: LogShipping, advance: Callable[[int], None] = lambda n: None) -> dict[str, Any]:
    """Ship everything new (a mutating step: run it through the run lifecycle); returns counts per source."""
    env = runtime.environment
    cp, cw, ingest = _clients(runtime, spec)
    out: dict[str, Any] = {"captured": 0, "shipped": {}}
    aws_file = host_log_file(env.env_state_dir, "aws") if env.is_local else None
    if aws_file is not None:
        lines, end = _new_lines(aws_file, int(cp.data["files"].get(str(aws_file), 0)))
        if lines:
            cw.ensure_stream(SANDBOX_GROUP, SANDBOX_STREAM)
            cw.put(SANDBOX_GROUP, SANDBOX_STREAM, [(_ms(to_row(ln, 0, "")["TimeGenerated"]), ln) for ln in lines])
            cp.data["files"][str(aws_file)] = end
            cp.save()
        out["captured"] = len(lines)
    for group in cw.groups(spec.log_group_prefix):
        events = _new_events(cw, cp, group)
        out["shipped"][f"cloudwatch:{group}"] = len(events)
        if not events:
            continue
        _upload(ingest, spec, [to_row(e.message, e.timestamp_ms, f"cloudwatch:{group}") for e in events])
        last = max(e.timestamp_ms for e in events)
        cp.data["groups"][group] = {"ms": last, "ids": [e.event_id for e in events if e.timestamp_ms == last]}
        cp.save()
        advance(len(events))
    azure_file = host_log_file(env.env_state_dir, "azure") if env.is_local else None
    if azure_file is not None:
        lines, end = _new_lines(azure_file, int(cp.data["files"].get(str(azure_file), 0)))
        out["shipped"]["azure:functions"] = len(lines)
        if lines:
            _upload(ingest, spec, [to_row(ln, 0, "azure:functions") for ln in lines])
            cp.data["files"][str(azure_file)] = end
            cp.save()
            advance(len(lines))
    if env.is_local:  # the platforms' own function metrics, from the spans
        from multicloud_ctl.operations.observability.platform_metrics import publish_from_spans

        out["metric_points"] = publish_from_spans(runtime, cp)
    out["total"] = sum(out["shipped"].values())
    return out


def ship_operation(spec: LogShipping, inputs: dict[str, Any]) -> Operation:
    """`logs ship` for the run lifecycle: count what is new, confirm, ship (local lock "logs-ship")."""
    from multicloud_ctl.engine.plan import Plan, Step
    from multicloud_ctl.engine.run import LockSpec, Operation

    def plan(runtime: Runtime) -> Plan:
        counts = plan_shipping(runtime, spec)
        step = Step.bulk(
            "ship",
            f"ship {counts['total']} line(s) (+{counts['captured']} to capture) to Log Analytics",
            lambda ctx: ship_logs(ctx.runtime, spec, ctx.advance),
            total=counts["total"],
            unit="lines",
        )
        return Plan("logs ship", (step,), summary=counts)

    return Operation(
        "logs ship",
        plan,
        inputs=inputs,
        lock=LockSpec("logs-ship", lease=False),
        question="Ship new log lines to Log Analytics?",
        conclude=lambda p, r: {**r.steps[0].output, "dry_run": False},
        dry_result=lambda p: {**p.summary, "dry_run": True},
    )


def _upload(ingest: Any, spec: LogShipping, rows: Iterable[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= spec.batch:
            ingest.upload(spec.stream, batch)
            batch = []
    if batch:
        ingest.upload(spec.stream, batch)
