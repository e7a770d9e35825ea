"""The opt-in `azure_servicebus_geo_dr` provision kind against the fake ARM: it pairs the two Premium namespaces,
reads no drift after the failover step has moved the alias, breaks the pairing before deleting it, and is refused
at validation on Standard namespaces."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from multicloud_ctl.operations import provision

pytestmark = pytest.mark.integration
KINDS = ("azure_resource_group", "azure_servicebus_namespace", "azure_servicebus_geo_dr")
ALIAS = "mcctl-bus-geodr"


def roles(env: Any) -> dict[str, str | None]:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.providers.azure.servicebus_geo_dr import GeoDrAliases, NamespaceRef

    aliases = GeoDrAliases(Runtime(env, dry_run=True).azure)
    rg = env.azure.resource_group
    out = {}
    for group, name in ((rg, "mcctl-bus"), (f"{rg}-westus", "mcctl-bus-westus")):
        state = aliases.state(NamespaceRef(group, name), ALIAS)
        out[name] = None if state is None else state.role
    return out


def geo_spec(aws_spec: Any, sku: str = "Premium") -> Any:
    kinds = {"azure_servicebus_namespace": {"sku": sku}, "azure_servicebus_geo_dr": {"alias": ALIAS}}
    return aws_spec(*KINDS, kinds=kinds)


def test_the_alias_pairs_the_namespaces_and_a_failover_is_not_drift(cloud_env: Any, aws_spec: Any, arm: Any) -> None:
    from multicloud_ctl.config.specs.failover import FailoverSpec
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.busdr import geo_dr_steps, servicebus_geo_dr_failover

    spec = geo_spec(aws_spec)
    provision.apply(Runtime(cloud_env), spec)
    assert roles(cloud_env) == {"mcctl-bus": "Primary", "mcctl-bus-westus": "Secondary"}
    assert all(p.action == "noop" for p in provision.plan_resources(Runtime(cloud_env, dry_run=True), spec))

    fo = FailoverSpec.model_validate(
        {"to": "aws", "load_balancer": {"order": ["aws", "azure"]}, "servicebus_geo_dr": {"alias": ALIAS}}
    )
    (step,) = geo_dr_steps(Runtime(cloud_env, dry_run=True), fo)
    servicebus_geo_dr_failover(Runtime(cloud_env), {**step.params, "poll_seconds": 0.01})
    assert roles(cloud_env) == {"mcctl-bus": None, "mcctl-bus-westus": "PrimaryNotReplicating"}
    plan = provision.plan_resources(Runtime(cloud_env, dry_run=True), spec)
    assert all(p.action == "noop" for p in plan)  # the alias is in place, on the secondary: nothing re-created


def test_deleting_a_paired_alias_breaks_the_pairing_first(cloud_env: Any, aws_spec: Any, arm: Any) -> None:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.provision.registry import KINDS as REGISTRY

    spec = geo_spec(aws_spec)
    provision.apply(Runtime(cloud_env), spec)
    kind = REGISTRY["azure_servicebus_geo_dr"]
    (res,) = [
        p.resource
        for p in provision.plan_resources(Runtime(cloud_env, dry_run=True), spec)
        if p.resource.kind == kind.name
    ]
    kind.delete(Runtime(cloud_env), res)
    assert roles(cloud_env) == {"mcctl-bus": None, "mcctl-bus-westus": None}


def test_standard_namespaces_are_refused_at_validation(aws_spec: Any) -> None:
    with pytest.raises(ValidationError, match="Geo-DR needs Premium namespaces"):
        geo_spec(aws_spec, sku="Standard")
    assert aws_spec(*KINDS).kinds.azure_servicebus_geo_dr.alias is None  # opt-in: no alias, no pairing, no refusal
