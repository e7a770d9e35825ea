"""Assemble a deploy: which services, which packages, and the plan that ships them.

Services are named by their deploy name (`order-service`, `payment-processor`); none named means every service
of the chosen clouds. Packages are built first (locally, hash-named), then every remote comparison is a read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from multicloud_ctl.config.home import current
from multicloud_ctl.engine.plan import Plan, Step
from multicloud_ctl.errors import UsageError

if TYPE_CHECKING:
    from multicloud_ctl.config.environment import Environment
    from multicloud_ctl.config.specs.deploy import DeploySpec
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.packaging.zipbuild import Artifact


def default_playbook() -> Path:
    """`deploy.yaml` in the playbook directory (config/home.py)."""
    return current().playbook("deploy.yaml")


def load_spec(path: Path | None) -> DeploySpec:
    """The Deploy spec from `path` (or playbooks/deploy.yaml when present, else the defaults)."""
    from multicloud_ctl.config.playbook import load_playbook
    from multicloud_ctl.config.specs.deploy import DeploySpec

    if path is None:
        if not default_playbook().exists():
            return DeploySpec()
        path = default_playbook()
    spec: DeploySpec = load_playbook(path, "Deploy").spec
    return spec


@dataclass(frozen=True)
class Selection:
    aws: tuple[str, ...]
    azure: tuple[str, ...]

    @property
    def clouds(self) -> tuple[str, ...]:
        return tuple(c for c in ("aws", "azure") if getattr(self, c))


def select(env: Environment, spec: DeploySpec, names: list[str], cloud: str = "all") -> Selection:
    """The services to deploy per cloud; an unknown name is a usage error that lists the known ones."""
    aws = list(spec.aws.services or env.aws.functions) if cloud in ("all", "aws") else []
    cdc = spec.aws.cdc
    if aws and cdc.enabled and (cdc.function in names or current().resolve(cdc.sync_playbook).exists()):
        aws.append(cdc.function)  # the CDC Lambda ships when there is a sync playbook to configure it
    azure = list(spec.azure.apps or env.azure.function_apps) if cloud in ("all", "azure") else []
    if not names:
        return Selection(tuple(aws), tuple(azure))
    unknown = [n for n in names if n not in aws and n not in azure]
    if unknown:
        raise UsageError(f"unknown service(s): {', '.join(unknown)}", hint=f"known: {', '.join([*aws, *azure])}")
    return Selection(tuple(n for n in aws if n in names), tuple(n for n in azure if n in names))


def build_packages(runtime: Runtime, clouds: tuple[str, ...], vendor: bool) -> dict[str, Artifact]:
    """Build the packages the clouds need under `<state_dir>/packages` (local files only)."""
    from multicloud_ctl.packaging.builder import BuildOptions, build_azure, build_lambda

    opts = BuildOptions(out_dir=runtime.state_dir / "packages", vendor=vendor)
    out: dict[str, Artifact] = {}
    with runtime.activity("package", f"build {len(clouds)} package(s)", len(clouds)) as act:
        if "aws" in clouds:
            out["aws"] = build_lambda(opts)
            act.advance(detail="lambda package built")
        if "azure" in clouds:
            out["azure"] = build_azure(opts)
            act.advance(detail="azure package built")
    return out


def plan_deploy(
    runtime: Runtime, spec: DeploySpec, selection: Selection, strategy: str, artifacts: dict[str, Artifact]
) -> Plan:
    """Every step of the rollout, from read-only calls (safe under --dry-run)."""
    from multicloud_ctl.operations.deploy import (  # noqa: F401 (registers the actions)
        azure_plan,
        cdc_plan,
        lambda_actions,
        lambda_plan,
    )
    from multicloud_ctl.operations.deploy.cache_endpoint import find_cache
    from multicloud_ctl.operations.deploy.fnenv import find_pool, function_env

    env = runtime.environment
    steps: list[Step] = []
    mappings: list[Step] = []
    pool = find_pool(runtime.aws, env.aws.user_pool) if selection.clouds else None
    if selection.aws:
        art = artifacts["aws"]
        fn_env = function_env(env, "aws", pool, None if env.is_local else find_cache(runtime, "aws"))
        steps += lambda_plan.plan_artifact(runtime, art)
        service_steps: list[Step] = []
        for svc in selection.aws:
            if svc == spec.aws.cdc.function:
                settings, sync = cdc_plan.cdc_settings(runtime, spec, fn_env)
                service_steps += lambda_plan.plan_service(
                    runtime, spec, svc, art, strategy, settings, handler=cdc_plan.CDC_HANDLER
                )
                mappings = cdc_plan.plan_mappings(runtime, spec, sync)
            else:
                service_steps += lambda_plan.plan_service(runtime, spec, svc, art, strategy, fn_env)
        creating = any(s.action == "deploy.lambda_create" for s in service_steps)
        steps += lambda_plan.plan_role(runtime, spec, creating)
        steps += service_steps + mappings
    if selection.azure:
        art = artifacts["azure"]
        fn_env = function_env(env, "azure", pool, None if env.is_local else find_cache(runtime, "azure"))
        steps += azure_plan.plan_group(runtime)
        steps += azure_plan.plan_package(runtime, spec, art)
        for app in selection.azure:
            steps += azure_plan.plan_app(runtime, spec, app, art, fn_env)
    summary = {
        "strategy": strategy,
        "aws": list(selection.aws),
        "azure": list(selection.azure),
        "packages": {c: {"name": a.name, "sha256": a.sha256, "bytes": a.size} for c, a in artifacts.items()},
    }
    return Plan("deploy", tuple(steps), summary=summary)
