"""`mcctl provision`: plan / apply / drift / destroy over every resource of the system, on both clouds.

Terraform's promise without its state file: live state is read with read-only calls every time, diffed
against the desired state built from the environment + the Provision playbook, and turned into engine
steps. Resource kinds are a registry (`registry.py`), one module each under `kinds/`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.provision import ProvisionSpec
    from multicloud_ctl.engine.plan import Plan
    from multicloud_ctl.engine.run import Operation, Outcome
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.provision.drift import DriftItem
    from multicloud_ctl.operations.provision.model import ResourcePlan


def default_playbook() -> Path:
    """`provision.yaml` in the playbook directory (config/home.py)."""
    from multicloud_ctl.config.home import current

    return current().playbook("provision.yaml")


PARALLELISM = 10  # steps applied at once when their dependencies allow (Terraform's default)


def load_spec(path: Path | None, environments: set[str] | None = None) -> ProvisionSpec:
    """The Provision spec from `path`; the defaults when no file is given and the default one is absent.
    `environments`: the config directory's names, which `spec.environments` keys must be."""
    from multicloud_ctl.config.playbook import load_playbook
    from multicloud_ctl.config.specs.provision import ProvisionSpec

    if path is None:
        if not default_playbook().is_file():
            return ProvisionSpec()
        path = default_playbook()
    spec: ProvisionSpec = load_playbook(path, "Provision", environments=environments).spec
    return spec


def plan_resources(runtime: Runtime, spec: ProvisionSpec, only: list[str] | None = None) -> list[ResourcePlan]:
    """Per resource: create / update (with changes) / noop. Read-only."""
    from multicloud_ctl.operations.provision.planner import Provisioner

    return Provisioner(runtime, spec, list(only or [])).plan()


def apply_plan(
    runtime: Runtime, spec: ProvisionSpec, only: list[str] | None = None, parallelism: int = PARALLELISM
) -> Plan:
    """The engine plan that converges live state (read-only to build); independent steps run `parallelism` at once."""
    import multicloud_ctl.operations.provision.actions  # noqa: F401  (registers the step actions)
    from multicloud_ctl.operations.provision.planner import engine_plan

    return engine_plan("provision apply", plan_resources(runtime, spec, only), parallelism)


def destroy_plan(
    runtime: Runtime, spec: ProvisionSpec, only: list[str] | None = None, parallelism: int = PARALLELISM
) -> Plan:
    """The engine plan that deletes our tagged resources, dependents first (read-only to build)."""
    import multicloud_ctl.operations.provision.actions  # noqa: F401
    from multicloud_ctl.operations.provision.destroy import destroy_plans
    from multicloud_ctl.operations.provision.planner import Provisioner, engine_plan

    plans = destroy_plans(Provisioner(runtime, spec, list(only or [])))
    return engine_plan("provision destroy", plans, parallelism)


def find_drift(runtime: Runtime, spec: ProvisionSpec, only: list[str] | None = None) -> list[DriftItem]:
    """Every difference between live state and config, each marked allowed or not. Read-only."""
    from multicloud_ctl.operations.provision.drift import drift_items

    return drift_items(plan_resources(runtime, spec, only), list(spec.allow_drift))


def apply_operation(spec: ProvisionSpec, only: list[str] | None = None, parallelism: int = PARALLELISM) -> Operation:
    """`provision apply` for the run lifecycle: lock "provision", plan live, converge."""
    from multicloud_ctl.engine.run import LockSpec, Operation

    return Operation(
        "provision apply",
        lambda rt: apply_plan(rt, spec, only, parallelism),
        inputs={"only": list(only or []), "parallelism": parallelism},
        lock=LockSpec("provision"),
    )


def apply(
    runtime: Runtime, spec: ProvisionSpec, only: list[str] | None = None, parallelism: int = PARALLELISM
) -> Outcome:
    """Plan and apply without a CLI (`mcctl local demo`, tests), unattended: the same lifecycle as the verb."""
    from multicloud_ctl.engine.run import run

    outcome = run(runtime, apply_operation(spec, only, parallelism))
    outcome.raise_for_status()
    return outcome
