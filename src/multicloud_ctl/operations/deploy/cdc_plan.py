"""The CDC Lambda in a deploy: same package, handler `aws_lambda.cdc.handler`, settings from the sync playbook
(`operations.sync.cdc_lambda_environment`), and one event source mapping per synced table's stream.

The mappings are attached in cloud environments only (in the sandbox `mcctl sync run` is the engine, and moto
cannot run the function). Each is configured from the sync playbook's `stream_mapping` and reconciled on every
deploy: a missing mapping is created at TRIM_HORIZON, a drifted one is updated in place (its position kept).
What the API reference says matters here (CreateEventSourceMapping; "Lambda parameters for Amazon DynamoDB
event source mappings"; "Configuring partial batch response with DynamoDB and Lambda"):
- without an on-failure destination, a batch that exhausts its retries or its record age is *discarded* and the
  shard moves on: the data never reaches SQL. Ours is the environment's `aws.cdc_failure_queue` (a standard SQS
  queue; FIFO is refused). Lambda sends it the batch's *position* (shard, first and last sequence number), not the
  records; `mcctl sync replay` reads them back from the stream.
- Lambda sends to the destination with the function's execution role (sqs:SendMessage, `lambda_policy`).
- with `ReportBatchItemFailures` the function returns the first failed record's sequence number and Lambda
  retries from there, instead of the whole batch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine.actions import ACTIONS
from multicloud_ctl.engine.plan import Step
from multicloud_ctl.errors import OperationFailed
from multicloud_ctl.providers.aws.lambda_ import StreamMappings

if TYPE_CHECKING:
    from collections.abc import Mapping

    from multicloud_ctl.config.specs.deploy import DeploySpec
    from multicloud_ctl.config.specs.sync import StreamMappingSpec, SyncSpec
    from multicloud_ctl.engine.runtime import Runtime

CDC_HANDLER = "multicloud_ctl.functions.aws_lambda.cdc.handler"


def cdc_settings(runtime: Runtime, spec: DeploySpec, fn_env: Mapping[str, str]) -> tuple[dict[str, str], SyncSpec]:
    """(the CDC function's settings, the sync playbook) for `spec.aws.cdc`."""
    from multicloud_ctl.config.home import current
    from multicloud_ctl.operations.sync import cdc_lambda_environment
    from multicloud_ctl.operations.sync.context import load_spec

    sync = load_spec(current().resolve(spec.aws.cdc.sync_playbook))  # relative to the home root
    settings = {**fn_env, **cdc_lambda_environment(sync, str(runtime.environment.azure.sql.url))}
    return settings, sync


def mapping_config(mapping: StreamMappingSpec, failure_queue_arn: str) -> dict[str, Any]:
    """The event source mapping's settings, by their CreateEventSourceMapping/UpdateEventSourceMapping names."""
    return {
        "BatchSize": mapping.batch_size,
        "MaximumBatchingWindowInSeconds": mapping.batching_window_seconds,
        "ParallelizationFactor": mapping.parallelization_factor,
        "MaximumRecordAgeInSeconds": mapping.maximum_record_age_seconds,
        "MaximumRetryAttempts": mapping.maximum_retry_attempts,
        "BisectBatchOnFunctionError": mapping.bisect_on_error,
        "FunctionResponseTypes": ["ReportBatchItemFailures"] if mapping.report_batch_item_failures else [],
        "DestinationConfig": {"OnFailure": {"Destination": failure_queue_arn}},
    }


def drifted(live: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    """The settings of `desired` that the live mapping does not have (an absent list reads as empty)."""
    out = {}
    for key, want in desired.items():
        have = live.get(key)
        if key == "FunctionResponseTypes":
            have = list(have or [])
        elif key == "DestinationConfig":
            have = {"OnFailure": {"Destination": ((have or {}).get("OnFailure") or {}).get("Destination")}}
        if have != want:
            out[key] = want
    return out


def ours(mapping: Mapping[str, Any], target: str) -> bool:
    """Whether a listed mapping invokes `target` (`function:alias`), whose FunctionArn ends in it."""
    return str(mapping.get("FunctionArn", "")).endswith(f":function:{target}")


def failure_queue_arn(runtime: Runtime) -> str:
    """The ARN of the environment's CDC failure queue; a clear error when it was never provisioned."""
    from multicloud_ctl.providers.aws.sqs import SqsQueues

    name = runtime.environment.aws.cdc_failure_queue
    arn = SqsQueues(runtime.aws).arn(name)
    if arn is None:
        raise OperationFailed(
            f"the CDC failure queue {name!r} does not exist: without it a failed stream batch would be dropped",
            hint="run `mcctl provision apply` first (it creates the queue), then deploy again",
        )
    if arn.endswith(".fifo"):
        raise OperationFailed(
            f"the CDC failure queue {name!r} is a FIFO queue: Lambda accepts only a standard queue there",
            hint="name a standard queue in the environment's aws.cdc_failure_queue",
        )
    return arn


def plan_mappings(runtime: Runtime, spec: DeploySpec, sync: SyncSpec) -> list[Step]:
    """Per synced table, create or update the mapping onto `<cdc function>:<alias>` (cloud environments only)."""
    if runtime.environment.is_local:
        return []
    cdc = spec.aws.cdc
    target = f"{cdc.function}:{spec.aws.alias}"
    maps = StreamMappings(runtime.aws)
    desired = mapping_config(sync.stream_mapping, failure_queue_arn(runtime))
    steps = []
    for table in (t.source for t in sync.tables):
        arn = maps.stream_arn(table)
        if arn is None:
            raise OperationFailed(
                f"table {table} has no stream: the CDC Lambda has nothing to read",
                hint="enable the table's stream (NEW_AND_OLD_IMAGES) with `mcctl provision apply`",
            )
        live = [m for m in maps.on_stream(arn) if ours(m, target)]
        if not live:
            steps.append(
                Step(
                    f"aws.{cdc.function}.stream.{table}",
                    "deploy.lambda_stream_mapping",
                    f"attach {target} to the stream of {table} (parallelization "
                    f"{desired['ParallelizationFactor']}, failures to {runtime.environment.aws.cdc_failure_queue})",
                    provider="aws",
                    resource=target,
                    params={"function": target, "stream_arn": arn, "config": desired},
                )
            )
            continue
        for m in live:
            changes = drifted(m, desired)
            if changes:
                steps.append(
                    Step(
                        f"aws.{cdc.function}.stream.{table}.update",
                        "deploy.lambda_stream_mapping_update",
                        f"update the {table} stream mapping of {target}: {', '.join(sorted(changes))}",
                        provider="aws",
                        resource=str(m["UUID"]),
                        params={"uuid": str(m["UUID"]), "config": changes},
                    )
                )
    return steps


@ACTIONS.register("deploy.lambda_stream_mapping")
def lambda_stream_mapping(runtime: Runtime, p: Mapping[str, Any]) -> dict[str, Any]:
    uuid = StreamMappings(runtime.aws).create(p["function"], p["stream_arn"], dict(p["config"]))
    return {"mapping": uuid, "stream": p["stream_arn"]}


@ACTIONS.register("deploy.lambda_stream_mapping_update")
def lambda_stream_mapping_update(runtime: Runtime, p: Mapping[str, Any]) -> dict[str, Any]:
    StreamMappings(runtime.aws).update(p["uuid"], dict(p["config"]))
    return {"mapping": p["uuid"], "updated": sorted(p["config"])}
