"""Destroy: delete, in reverse dependency order, only what carries `managed-by: mcctl` and our environment.

A resource whose live tags do not say both is left alone and reported as skipped, whatever its name; the
SQL schema is never dropped (data outlives infrastructure).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from multicloud_ctl.operations.provision.model import ResourcePlan
from multicloud_ctl.operations.provision.planner import READ_WORKERS, Provisioner, warm_clients
from multicloud_ctl.operations.provision.registry import KINDS

if TYPE_CHECKING:
    from multicloud_ctl.operations.provision.model import Resource


def owned(tags: dict[str, str], env_name: str) -> bool:
    return tags.get("managed-by") == "mcctl" and tags.get("environment") == env_name


def destroy_plans(prov: Provisioner) -> list[ResourcePlan]:
    """delete / skip for every desired resource, in reverse dependency order."""
    env_name = prov.runtime.environment.name
    resources = list(reversed(prov.desired()))

    def tags(res: Resource) -> dict[str, str] | None:
        return KINDS[res.kind].live_tags(prov.runtime, res)

    warm_clients(prov.runtime, {KINDS[r.kind].provider for r in resources})
    with ThreadPoolExecutor(max_workers=READ_WORKERS) as pool:
        live = list(pool.map(tags, resources))
    out = []
    for res, live_tags in zip(resources, live, strict=True):
        kind = KINDS[res.kind]
        if not getattr(kind, "destroyable", True):
            out.append(ResourcePlan(res, "skip", reason="never destroyed by mcctl"))
        elif live_tags is None:
            out.append(ResourcePlan(res, "skip", reason="absent"))
        elif not owned(live_tags, env_name):
            out.append(ResourcePlan(res, "skip", reason=f"not tagged managed-by=mcctl, environment={env_name}"))
        else:
            out.append(ResourcePlan(res, "delete"))
    return out
