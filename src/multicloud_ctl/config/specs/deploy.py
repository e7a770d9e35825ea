"""Spec of the Deploy playbook kind: which services go where, how traffic shifts, and what aborts a rollout.

spec:
  strategy: canary10            # all-at-once | canary10 (10% then 100%) | linear10 (10% steps)
  bake: {seconds: 60, poll_seconds: 10}
  alarm: {max_errors: 0, max_error_rate: 0.01, alarms: [order-service-errors]}
  aws: {services: [...], alias: live, runtime: python3.12, memory_mb: 256, timeout_s: 15}
  azure: {apps: [...], container: function-packages, slot: staging}
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from multicloud_ctl.config.specs.base import ContainerName, Spec

Strategy = Literal["all-at-once", "canary10", "linear10"]
STRATEGIES: tuple[str, ...] = ("all-at-once", "canary10", "linear10")


class BakeSpec(Spec):
    """How long each traffic step is watched before the next one (0 = one check, no wait)."""

    seconds: float = Field(default=60, ge=0, le=3600)
    poll_seconds: float = Field(default=10, gt=0, le=600)


class AlarmSpec(Spec):
    """What counts as a breach during bake: more errors than `max_errors`, or a higher error rate,
    or any named CloudWatch alarm in state ALARM."""

    max_errors: int = Field(default=0, ge=0)
    max_error_rate: float = Field(default=0.01, ge=0, le=1)
    alarms: list[str] = []


class CdcDeploySpec(Spec):
    """The CDC Lambda (DynamoDB Streams -> Azure SQL, the same apply core as `mcctl sync run`).

    Its event source mappings (batch size, parallelization, retries, the on-failure queue) are configured by
    the sync playbook's `stream_mapping`, next to the tables they carry.
    """

    enabled: bool = True
    function: str = Field(default="cdc-sync", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    sync_playbook: str = "playbooks/sync.yaml"  # relative to the home root (config/home.py)


class AwsDeploySpec(Spec):
    services: list[str] | None = Field(default=None, description="default: the environment's aws.functions")
    alias: str = Field(default="live", pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,127}$")
    runtime: str = "python3.12"
    memory_mb: int = Field(default=256, ge=128, le=10240)
    timeout_s: int = Field(default=15, ge=1, le=900)
    role: str = "mcctl-lambda"
    cdc: CdcDeploySpec = CdcDeploySpec()


class AzureDeploySpec(Spec):
    apps: list[str] | None = Field(default=None, description="default: the environment's azure.function_apps")
    container: ContainerName = "function-packages"
    slot: str | None = Field(default=None, description="deploy to this slot, then swap it into production")


class DeploySpec(Spec):
    """The Deploy playbook (`playbooks/deploy.yaml`)."""

    strategy: Strategy = "canary10"
    bake: BakeSpec = BakeSpec()
    alarm: AlarmSpec = AlarmSpec()
    vendor: bool = Field(default=True, description="vendor Lambda dependencies with pip (off: code only)")
    aws: AwsDeploySpec = AwsDeploySpec()
    azure: AzureDeploySpec = AzureDeploySpec()
