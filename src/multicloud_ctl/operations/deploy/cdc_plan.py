"""The CDC Lambda in a deploy: same package, handler `aws_lambda.cdc.handler`, settings from the sync playbook
(`operations.sync.cdc_lambda_environment`), and one event source mapping per synced table's stream.

The mappings are attached in cloud environments only: moto's mapping "fires" without running code and drains
the stream, which would starve `mcctl sync run` in the sandbox (see SANDBOX-NOTES).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine.actions import ACTIONS
from multicloud_ctl.engine.plan import Step
from multicloud_ctl.providers.aws.lambda_ import StreamMappings

if TYPE_CHECKING:
    from collections.abc import Mapping

    from multicloud_ctl.config.specs.deploy import DeploySpec
    from multicloud_ctl.engine.runtime import Runtime

CDC_HANDLER = "multicloud_ctl.functions.aws_lambda.cdc.handler"


def cdc_settings(runtime: Runtime, spec: DeploySpec, fn_env: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """(the CDC function's settings, the DynamoDB tables it follows) from the sync playbook."""
    from multicloud_ctl.operations.sync import cdc_lambda_environment
    from multicloud_ctl.operations.sync.context import load_spec

    sync = load_spec(Path(spec.aws.cdc.sync_playbook))
    settings = {**fn_env, **cdc_lambda_environment(sync, str(runtime.environment.azure.sql.url))}
    return settings, [t.source for t in sync.tables]


def plan_mappings(runtime: Runtime, spec: DeploySpec, tables: list[str]) -> list[Step]:
    """One stream mapping per table onto `<cdc function>:<alias>` (cloud environments only)."""
    if runtime.environment.is_local:
        return []
    cdc = spec.aws.cdc
    target = f"{cdc.function}:{spec.aws.alias}"
    maps = StreamMappings(runtime.aws)
    existing = set(maps.sources(target))
    steps = []
    for table in tables:
        arn = maps.stream_arn(table)
        if arn is None or arn in existing:
            continue
        steps.append(
            Step(
                f"aws.{cdc.function}.stream.{table}",
                "deploy.lambda_stream_mapping",
                f"attach {target} to the stream of {table}",
                provider="aws",
                resource=target,
                params={"function": target, "stream_arn": arn, "batch_size": cdc.batch_size},
            )
        )
    return steps


@ACTIONS.register("deploy.lambda_stream_mapping")
def lambda_stream_mapping(runtime: Runtime, p: Mapping[str, Any]) -> dict[str, Any]:
    uuid = StreamMappings(runtime.aws).create(p["function"], p["stream_arn"], int(p["batch_size"]))
    return {"mapping": uuid, "stream": p["stream_arn"]}
