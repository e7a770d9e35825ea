"""The contract every resource kind implements, and the context it builds its desired resources from.

A kind is one module under `kinds/` with one `ResourceKind` subclass and one `Settings` model (its playbook
knobs, part of the Provision JSON Schema). The engine needs exactly five things from it:

    desired(ctx)              -> the resources the config wants (pure: no cloud call)
    read(runtime, res)        -> the live attributes in the desired shape, or None when absent (read-only)
    create(runtime, res)      -> make it (then converge every attribute)
    update(runtime, res, changed_top_level_keys) -> converge those attributes
    delete(runtime, res)      -> remove it

`plan` and `drift` are `read` + diff; `apply` is create/update; `destroy` is delete after a tag check.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from multicloud_ctl.operations.provision.model import Resource

if TYPE_CHECKING:
    from multicloud_ctl.config.environment import Environment
    from multicloud_ctl.config.specs.provision import Features, ProvisionSpec
    from multicloud_ctl.engine.runtime import Runtime


class KindSettings(BaseModel):
    """Playbook knobs of one kind (`spec.kinds.<kind>`); every kind can be switched off."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True


@dataclass(frozen=True)
class DesiredContext:
    """What `desired()` may see: the environment, the playbook spec, resolved features, failover intent."""

    env: Environment
    spec: ProvisionSpec
    features: Features
    intended: dict[str, Any] = field(default_factory=dict)

    def settings(self, kind: str) -> Any:
        return self.spec.kind_settings(kind, self.env.name)

    @property
    def tags(self) -> dict[str, str]:
        return self.env.resource_tags()

    @property
    def regions(self) -> list[str]:
        """AWS regions to provision: primary, plus secondary when the feature is on."""
        aws = self.env.aws.regions
        return [aws.primary, aws.secondary] if self.features.secondary_region else [aws.primary]

    @property
    def azure_locations(self) -> list[str]:
        az = self.env.azure.regions
        return [az.primary, az.secondary] if self.features.secondary_region else [az.primary]

    def is_primary(self, region: str) -> bool:
        return region in (self.env.aws.regions.primary, self.env.azure.regions.primary)


class ResourceKind(ABC):
    """Base of every kind; see the module docstring."""

    name: ClassVar[str]
    provider: ClassVar[str]  # aws | azure | cloudflare | sql
    settings: ClassVar[type[KindSettings]] = KindSettings
    description: ClassVar[str] = ""
    # kinds whose resources must exist before any of this kind is created (and be deleted after them), beyond
    # each resource's own `depends_on`: what a parallel apply must not start too early
    after_kinds: ClassVar[tuple[str, ...]] = ()
    # rough seconds a create, update or delete of one resource takes on the real cloud, counting what the step
    # waits for (an ARM long-running operation, a cache becoming available): the step's `weight`, which orders a
    # parallel apply or destroy (longest chain first), never a time limit
    typical_s: ClassVar[float] = 2.0

    @abstractmethod
    def desired(self, ctx: DesiredContext) -> list[Resource]:
        """The resources of this kind the config wants."""

    @abstractmethod
    def read(self, runtime: Runtime, res: Resource) -> dict[str, Any] | None:
        """Live attributes (same shape as `res.attrs`), or None when the resource does not exist."""

    @abstractmethod
    def create(self, runtime: Runtime, res: Resource) -> Any:
        """Create the resource and converge all its attributes."""

    @abstractmethod
    def update(self, runtime: Runtime, res: Resource, changed: list[str]) -> Any:
        """Converge the named top-level attributes to `res.attrs`."""

    @abstractmethod
    def delete(self, runtime: Runtime, res: Resource) -> Any:
        """Delete the resource (the caller has checked its tags)."""

    def live_tags(self, runtime: Runtime, res: Resource) -> dict[str, str] | None:
        """The live resource's tags (None when it does not exist); destroy only removes ours."""
        live = self.read(runtime, res)
        return None if live is None else dict(live.get("tags") or {})

    def make(
        self,
        ctx: DesiredContext,
        name: str,
        attrs: dict[str, Any],
        *,
        region: str = "",
        inputs: dict[str, Any] | None = None,
        depends_on: tuple[str, ...] | list[str] = (),
    ) -> Resource:
        """A `Resource` of this kind."""
        return Resource(
            kind=self.name,
            name=name,
            attrs=attrs,
            region=region,
            inputs=dict(inputs or {}),
            depends_on=tuple(depends_on),
        )


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    """AWS `[{"Key", "Value"}]` from a dict, sorted (stable requests)."""
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def tag_dict(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags or []}


def only_keys(live: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    """`live` restricted to the keys of `wanted` (extra live tags are not drift)."""
    return {k: live[k] for k in wanted if k in live}
