"""Spec of the Provision playbook kind: which resource kinds, per-environment toggles, intended drift.

`kinds` is assembled from the resource-kind registry (`operations/provision/registry.py`): every kind
contributes its `Settings` model, so a new kind appears in `mcctl playbook schema` with no edit here.

    spec:
      features: {secondary_region: true, geo_steering: false, service_routing: false, sql_schema: true}
      kinds:
        s3_bucket: {infrequent_access_days: 30}
        cloudfront_distribution: {enabled: false}
      environments:
        prod: {features: {geo_steering: true}}
        local: {disable: [vpn_gateway]}
      allow_drift: ["cf_load_balancer/api:default_pools"]
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationInfo, create_model, field_validator, model_validator

from multicloud_ctl.config.specs.base import Spec


class Features(Spec):
    """Switches that change which resources exist."""

    secondary_region: bool = Field(default=True, description="Provision the secondary AWS and Azure regions too")
    geo_steering: bool = Field(default=False, description="Cloudflare geographic steering with region pools")
    service_routing: bool = Field(default=False, description="One Cloudflare load balancer per service hostname")
    sql_schema: bool = Field(default=True, description="Apply the SQL migrations as part of provision")


class FeatureOverrides(Spec):
    secondary_region: bool | None = None
    geo_steering: bool | None = None
    service_routing: bool | None = None
    sql_schema: bool | None = None


class EnvironmentOverrides(Spec):
    """What one environment changes: feature switches, kind settings, resources left out (`KIND[/NAME]` globs)."""

    features: FeatureOverrides = FeatureOverrides()
    kinds: dict[str, dict[str, Any]] = Field(default={}, description="Per-kind settings for this environment")
    disable: list[str] = []


class ServiceRoute(Spec):
    """A service hostname with its own load balancer (service-based routing)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9-]{0,40}$")
    hostname: str = Field(description="Host name relative to the zone (e.g. `orders`) or fully qualified")
    pools: list[str] = ["aws", "azure"]


def _kinds_model() -> type[Spec]:
    from multicloud_ctl.operations.provision.registry import KINDS

    fields: dict[str, Any] = {name: (kind.settings, kind.settings()) for name, kind in KINDS.items()}
    model: type[Spec] = create_model("ProvisionKinds", __base__=Spec, **fields)
    return model


ProvisionKinds = _kinds_model()


class ProvisionSpec(Spec):
    """The Provision playbook: everything `mcctl provision` stands up, per environment."""

    features: Features = Features()
    kinds: ProvisionKinds = ProvisionKinds()  # type: ignore[valid-type]
    environments: dict[str, EnvironmentOverrides] = {}
    allow_drift: list[str] = Field(default=[], description="`KIND/NAME[:attr.path]` globs of intended drift")
    services: list[ServiceRoute] = []
    geo_regions: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "ENAM": ["aws", "azure"],
            "WNAM": ["aws", "azure"],
            "WEU": ["azure", "aws"],
            "EEU": ["azure", "aws"],
        },
        description="Cloudflare region code -> pool order, used when geo_steering is on",
    )

    @field_validator("environments")
    @classmethod
    def _environments_exist(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        """A misspelt environment (`prdo:`) silently applied nothing to `prod`. With the config directory's
        names in the validation context (the CLI passes them), a key that is not one of them but reads like a
        typo of one is refused. A name unlike any of them is accepted: a playbook may be shared with config
        directories that hold other environments (a checkout with only `local.yaml`, a CI runner's)."""
        import difflib

        known: set[str] = set((info.context or {}).get("environments") or ())
        for key in sorted(value) if known else []:
            close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
            if key not in known and close:
                raise ValueError(
                    f"no environment {key!r} in the config directory: did you mean {close[0]!r}? "
                    f"(it has: {', '.join(sorted(known))})"
                )
        return value

    @field_validator("allow_drift")
    @classmethod
    def _drift_patterns_name_kinds(cls, patterns: list[str]) -> list[str]:
        """`KIND/NAME[:attr.path]` whose KIND glob matches a resource kind: `*` alone (every drift allowed,
        drift detection off) or a misspelt kind (allowing nothing, silently) is refused."""
        import fnmatch

        kinds = sorted(ProvisionKinds.model_fields)
        for pattern in patterns:
            kind, slash, name = pattern.partition("/")
            if not slash or not kind or not name.split(":", 1)[0]:
                raise ValueError(f"{pattern!r} is not KIND/NAME[:attr.path] (e.g. cf_load_balancer/api:default_pools)")
            if not fnmatch.filter(kinds, kind):
                raise ValueError(f"{pattern!r}: {kind!r} matches no resource kind (see spec.kinds)")
            if kind.strip("*?") == "":
                raise ValueError(f"{pattern!r}: name the kind; allowing drift of every kind turns drift detection off")
        return patterns

    @model_validator(mode="after")
    def _check_environment_kinds(self) -> ProvisionSpec:
        for env_name, over in self.environments.items():
            for kind, settings in over.kinds.items():
                if kind not in type(self.kinds).model_fields:  # type: ignore[attr-defined]
                    raise ValueError(f"environments.{env_name}.kinds: unknown kind {kind!r}")
                self.kind_settings(kind).model_validate({**self.kind_settings(kind).model_dump(), **settings})
        return self

    @model_validator(mode="after")
    def _address_spaces_do_not_overlap(self) -> ProvisionSpec:
        """The AWS VPC, Azure VNet and VPN tunnel address spaces, per environment (operations/provision/
        address_space.py); the error names the overlapping field."""
        from multicloud_ctl.operations.provision.address_space import raise_overlaps

        raise_overlaps(self, type(self).__name__)
        return self

    @model_validator(mode="after")
    def _waf_managed_rules_need_premium(self) -> ProvisionSpec:
        """Front Door's managed WAF rule sets exist on a Premium profile only (kinds/azure_frontdoor_waf.py)."""
        from multicloud_ctl.operations.provision.kinds.azure_frontdoor_waf import managed_rules_refusal

        if not hasattr(self.kinds, "azure_frontdoor_waf"):
            return self
        for env_name in [None, *self.environments]:
            waf = self.kind_settings("azure_frontdoor_waf", env_name)
            why = managed_rules_refusal(waf, self.kind_settings("azure_frontdoor", env_name).sku)
            if why is not None:
                where = f"environments.{env_name}.kinds" if env_name else "kinds"
                raise ValueError(f"{where}.azure_frontdoor_waf.managed_rule_sets: {why}")
        return self

    @model_validator(mode="after")
    def _bus_private_endpoint_needs_premium(self) -> ProvisionSpec:
        """A Service Bus private endpoint (kinds/azure_private_endpoint.py) or Geo-DR alias
        (kinds/azure_servicebus_geo_dr.py) asked for on a non-Premium namespace."""
        from pydantic import ValidationError
        from pydantic_core import PydanticCustomError

        from multicloud_ctl.operations.provision.kinds.azure_private_endpoint import bus_sku_refusals
        from multicloud_ctl.operations.provision.kinds.azure_servicebus_geo_dr import sku_refusals

        found = bus_sku_refusals(self) + sku_refusals(self)
        if found:
            errors: list[Any] = [
                {"type": PydanticCustomError("private_endpoint_sku", message), "loc": loc, "input": None}
                for loc, message in found
            ]
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self

    def kind_settings(self, kind: str, env_name: str | None = None) -> Any:
        """A kind's settings; with `env_name`, that environment's overrides applied."""
        base = getattr(self.kinds, kind)
        over = self.environments.get(env_name or "")
        if over is None or kind not in over.kinds:
            return base
        return type(base).model_validate({**base.model_dump(), **over.kinds[kind]})

    def features_for(self, env_name: str) -> Features:
        over = self.environments.get(env_name)
        if over is None:
            return self.features
        changes = {k: v for k, v in over.features.model_dump().items() if v is not None}
        return self.features.model_copy(update=changes)

    def disabled_for(self, env_name: str) -> list[str]:
        disabled = [
            name
            for name in type(self.kinds).model_fields  # type: ignore[attr-defined]
            if not self.kind_settings(name).enabled
        ]
        over = self.environments.get(env_name)
        return disabled + (list(over.disable) if over else [])
