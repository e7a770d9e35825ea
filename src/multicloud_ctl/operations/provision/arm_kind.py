"""Base of the Azure kinds: each resource is an ARM id + api-version + body, converged with PUT.

A subclass lists its resources with `arm(ctx)` as `ArmSpec`s; the compared attributes are the body itself
(`location`, `sku`, `kind`, `tags`, `properties` as far as the body names them). Child resources that
cannot carry tags (containers, queues, databases' children) name their `owner`, whose tags decide destroy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from multicloud_ctl.operations.provision.kind import DesiredContext, ResourceKind
from multicloud_ctl.operations.provision.model import Resource


@dataclass(frozen=True)
class ArmSpec:
    name: str  # the resource's display name in plan output (unique within the kind)
    id: str
    body: dict[str, Any]
    depends_on: tuple[str, ...] = ()
    owner: str = ""  # ARM id whose tags govern destroy (children without tags)
    extra: dict[str, Any] = field(default_factory=dict)


def arm_id(ctx: DesiredContext, group: str, provider_path: str = "") -> str:
    sub = ctx.env.azure.subscription_id
    return f"/subscriptions/{sub}/resourceGroups/{group}" + (f"/providers/{provider_path}" if provider_path else "")


def group_for(ctx: DesiredContext, location: str) -> str:
    """The resource group of a location: the configured one for the primary, `<rg>-<location>` otherwise."""
    rg = ctx.env.azure.resource_group
    return rg if location == ctx.env.azure.regions.primary else f"{rg}-{location}"


def suffix(ctx: DesiredContext, name: str, location: str, sep: str = "-") -> str:
    """`name` in the primary location, `name<sep><location>` in the secondary."""
    return name if location == ctx.env.azure.regions.primary else f"{name}{sep}{location}"


class ArmKind(ResourceKind):
    """Generic create/read/update/delete of ARM resources; subclasses only describe them."""

    provider = "azure"
    api_version: ClassVar[str]
    typical_s = 30.0  # a PUT is a long-running operation, polled until it ends

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        raise NotImplementedError

    def desired(self, ctx: DesiredContext) -> list[Resource]:
        return [
            self.make(
                ctx,
                s.name,
                s.body,
                region=s.body.get("location", ""),
                inputs={"id": s.id, "api_version": self.api_version, "owner": s.owner, **s.extra},
                depends_on=s.depends_on,
            )
            for s in self.arm(ctx)
        ]

    def _arm(self, runtime: Any) -> Any:
        from multicloud_ctl.providers.azure.resources import ArmResources

        return ArmResources(runtime.azure)

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        live = self._arm(runtime).get(res.inputs["id"], res.inputs["api_version"], listed=True)
        if live is None:
            return None
        if "location" in live:
            live["location"] = str(live["location"]).lower().replace(" ", "")
        if "tags" in live and "tags" in res.attrs:
            live["tags"] = {k: v for k, v in (live["tags"] or {}).items() if k in res.attrs["tags"]}
        return live

    def live_tags(self, runtime: Any, res: Resource) -> dict[str, str] | None:
        arm = self._arm(runtime)
        live = arm.get(res.inputs["id"], res.inputs["api_version"], listed=True)
        if live is None:
            return None
        if res.inputs.get("owner"):
            owner_version = res.inputs.get("owner_api_version", res.inputs["api_version"])
            owner = arm.get(res.inputs["owner"], owner_version, listed=True)
            return dict((owner or {}).get("tags") or {})
        return dict(live.get("tags") or {})

    def body(self, runtime: Any, res: Resource) -> dict[str, Any]:
        """The body a create or update sends: the planned attributes, or (overridden) values only known at apply
        time filled in, such as another resource's address or a resolved secret reference."""
        return res.attrs

    def create(self, runtime: Any, res: Resource) -> Any:
        out = self._arm(runtime).put(res.inputs["id"], res.inputs["api_version"], self.body(runtime, res))
        return {"id": out.get("id", res.inputs["id"])}

    def update(self, runtime: Any, res: Resource, changed: list[str]) -> Any:
        self._arm(runtime).put(res.inputs["id"], res.inputs["api_version"], self.body(runtime, res))
        return {"updated": changed}

    def delete(self, runtime: Any, res: Resource) -> Any:
        self._arm(runtime).delete(res.inputs["id"], res.inputs["api_version"])
        return {"deleted": res.inputs["id"]}
