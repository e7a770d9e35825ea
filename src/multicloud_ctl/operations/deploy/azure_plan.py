"""Plan and apply the Azure half of a deploy: the package goes to Blob, each function app runs from it.

Per app: create the app (or its slot) when missing, then set `WEBSITE_RUN_FROM_PACKAGE` to the package URL
together with the function settings (`MCCTL_FN_*`), keeping the previous URL in `MCCTL_PREVIOUS_PACKAGE` so
`deploy rollback` can go back; with a slot configured the settings go to the slot, which is then swapped into
production. An app already running this package gets no step; a package already in Blob is not uploaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine.actions import ACTIONS
from multicloud_ctl.engine.plan import Step
from multicloud_ctl.humanize import size
from multicloud_ctl.providers.azure.functionapps import RUN_FROM_PACKAGE, FunctionApps, PackageContainer

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.deploy import DeploySpec
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.packaging.zipbuild import Artifact

PREVIOUS = "MCCTL_PREVIOUS_PACKAGE"
P = Mapping[str, Any]


def plan_package(runtime: Runtime, spec: DeploySpec, artifact: Artifact) -> list[Step]:
    container = PackageContainer(runtime.azure, spec.azure.container)
    steps = []
    exists = container.exists()
    if not exists:
        steps.append(
            Step(
                "azure.packages.container",
                "deploy.blob_create_container",
                f"create blob container {container.name}",
                provider="azure",
                resource=container.name,
                params={"container": container.name},
            )
        )
    if not exists or not container.has(artifact.name):
        steps.append(
            Step(
                "azure.packages.upload",
                "deploy.blob_upload",
                f"upload {artifact.name} ({size(artifact.size)}) to blob {container.name}",
                provider="azure",
                resource=f"{container.name}/{artifact.name}",
                params={
                    "container": container.name,
                    "blob": artifact.name,
                    "path": str(artifact.path),
                    "sha256": artifact.sha256,
                },
            )
        )
    return steps


def plan_group(runtime: Runtime) -> list[Step]:
    """Create the resource group when it is missing (a fresh sandbox; in the cloud provision made it)."""
    apps = FunctionApps(runtime.azure)
    if apps.group_exists():
        return []
    env = runtime.environment
    return [
        Step(
            "azure.group",
            "deploy.azure_group_create",
            f"create resource group {apps.group}",
            provider="azure",
            resource=apps.group,
            params={"location": env.azure.regions.primary, "tags": env.resource_tags()},
        )
    ]


def superseded(wanted: Mapping[str, str]) -> set[str]:
    """Settings that must not survive next to `wanted`: a connection string named like an identity-based
    connection that `wanted` configures (`X` next to `X__fullyQualifiedNamespace`), because the Functions
    host takes an exact match over the identity settings (and the namespace refuses the string's SAS)."""
    return {k.split("__", 1)[0] for k in wanted if k.endswith("__fullyQualifiedNamespace")}


def plan_app(runtime: Runtime, spec: DeploySpec, app: str, artifact: Artifact, fn_env: Mapping[str, str]) -> list[Step]:
    """Steps that make `app` run `artifact` (none when it already does)."""
    apps = FunctionApps(runtime.azure)
    slot = spec.azure.slot
    url = PackageContainer(runtime.azure, spec.azure.container).url(artifact.name)
    steps: list[Step] = []
    sid = f"azure.{app}"
    location = runtime.environment.azure.regions.primary
    tags = runtime.environment.resource_tags()
    app_exists = apps.exists(app)
    if not app_exists:
        steps.append(
            Step(
                f"{sid}.create",
                "deploy.azure_app_create",
                f"create function app {app}",
                provider="azure",
                resource=app,
                params={"app": app, "location": location, "tags": tags, "slot": None},
            )
        )
    if slot and not (app_exists and apps.exists(app, slot)):
        steps.append(
            Step(
                f"{sid}.slot",
                "deploy.azure_app_create",
                f"create slot {slot} of {app}",
                provider="azure",
                resource=f"{app}/{slot}",
                params={"app": app, "location": location, "tags": tags, "slot": slot},
            )
        )
    current = apps.settings(app) if app_exists else {}
    wanted = {**fn_env, RUN_FROM_PACKAGE: url}
    stale = superseded(wanted) & set(current)
    if all(current.get(k) == v for k, v in wanted.items()) and not stale:
        return steps
    previous = current.get(RUN_FROM_PACKAGE, "")
    settings = {**{k: v for k, v in current.items() if k != PREVIOUS and k not in stale}, **wanted}
    if previous and previous != url:
        settings[PREVIOUS] = previous
    rollback = None
    if app_exists and current:
        rollback = Step(
            f"{sid}.rollback",
            "deploy.azure_settings",
            f"restore {app}'s previous settings",
            provider="azure",
            resource=app,
            params={"app": app, "slot": None, "settings": current},
        )
    target = f"slot {slot} of {app}" if slot else app
    steps.append(
        Step(
            f"{sid}.point",
            "deploy.azure_settings",
            f"run {target} from {artifact.name}",
            provider="azure",
            resource=app,
            params={"app": app, "slot": slot, "settings": settings},
            rollback=None if slot else rollback,
        )
    )
    if slot:
        steps.append(
            Step(
                f"{sid}.swap",
                "deploy.azure_swap",
                f"swap slot {slot} of {app} into production",
                provider="azure",
                resource=app,
                params={"app": app, "slot": slot},
                rollback=rollback,
            )
        )
    return steps


@ACTIONS.register("deploy.blob_create_container")
def blob_create_container(runtime: Runtime, p: P) -> dict[str, Any]:
    PackageContainer(runtime.azure, p["container"]).create()
    return {"container": p["container"]}


@ACTIONS.register("deploy.blob_upload")
def blob_upload(runtime: Runtime, p: P) -> dict[str, Any]:
    container = PackageContainer(runtime.azure, p["container"])
    if container.has(p["blob"]):
        return {"blob": p["blob"], "uploaded": False}
    data = Path(p["path"]).read_bytes()
    container.upload(p["blob"], data, p["sha256"])
    return {"blob": p["blob"], "uploaded": True, "bytes": len(data)}


@ACTIONS.register("deploy.azure_group_create")
def azure_group_create(runtime: Runtime, p: P) -> dict[str, Any]:
    apps = FunctionApps(runtime.azure)
    if not apps.group_exists():
        apps.create_group(p["location"], p.get("tags", {}))
    return {"group": apps.group}


@ACTIONS.register("deploy.azure_app_create")
def azure_app_create(runtime: Runtime, p: P) -> dict[str, Any]:
    apps = FunctionApps(runtime.azure)
    if not apps.exists(p["app"], p.get("slot")):
        apps.create(p["app"], p["location"], p.get("tags", {}), p.get("slot"))
    return {"app": p["app"], "slot": p.get("slot")}


@ACTIONS.register("deploy.azure_settings")
def azure_settings(runtime: Runtime, p: P) -> dict[str, Any]:
    FunctionApps(runtime.azure).set_settings(p["app"], p["settings"], p.get("slot"))
    return {"app": p["app"], "slot": p.get("slot"), "package": str(p["settings"].get(RUN_FROM_PACKAGE, ""))}


@ACTIONS.register("deploy.azure_swap")
def azure_swap(runtime: Runtime, p: P) -> dict[str, Any]:
    FunctionApps(runtime.azure).swap_into_production(p["app"], p["slot"])
    return {"app": p["app"], "swapped": p["slot"]}
