"""Meta-test of the resource-kind registry, plus the pure parts: diff, ordering, matching, allow_drift."""

from __future__ import annotations

import inspect

import pytest

from multicloud_ctl.config.playbook import playbook_json_schema
from multicloud_ctl.config.specs.provision import ProvisionSpec
from multicloud_ctl.engine.actions import ACTIONS
from multicloud_ctl.operations.provision.drift import allowed
from multicloud_ctl.operations.provision.kind import ResourceKind
from multicloud_ctl.operations.provision.model import Resource, diff
from multicloud_ctl.operations.provision.planner import matches, order
from multicloud_ctl.operations.provision.registry import KIND_CLASSES, KINDS


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_kind_has_plan_apply_drift_destroy_and_a_schema(name: str) -> None:
    kind = KINDS[name]
    cls = type(kind)
    for method in ("desired", "read", "create", "update", "delete"):  # plan+drift = read; apply; destroy
        impl = getattr(cls, method)
        assert not getattr(impl, "__isabstractmethod__", False), f"{name}.{method} is abstract"
        assert impl is not getattr(ResourceKind, method, None), f"{name}.{method} not implemented"
    assert cls.provider in {"aws", "azure", "cloudflare", "sql"}
    assert cls.__doc__ or inspect.getmodule(cls).__doc__, f"{name} has no docstring"
    schema = playbook_json_schema()
    kinds = schema["$defs"]["ProvisionKinds"]["properties"]
    assert name in kinds, f"{name} missing from the Provision JSON Schema"


def test_registry_names_are_unique_and_actions_registered() -> None:
    import multicloud_ctl.operations.provision.actions  # noqa: F401

    assert len({c.name for c in KIND_CLASSES}) == len(KIND_CLASSES)
    assert {"provision.create", "provision.update", "provision.delete"} <= set(ACTIONS.handlers)


def test_default_spec_builds_every_resource_without_cloud_calls() -> None:
    from pathlib import Path

    from multicloud_ctl.config.loader import load_environment
    from multicloud_ctl.operations.provision.kind import DesiredContext

    env = load_environment("local", Path(__file__).resolve().parents[3] / "config")
    spec = ProvisionSpec()
    ctx = DesiredContext(env=env, spec=spec, features=spec.features_for("local"))
    resources = [r for k in KINDS.values() for r in k.desired(ctx)]
    addresses = [r.address for r in resources]
    assert len(addresses) == len(set(addresses))
    ordered = [r.address for r in order(resources)]
    for r in resources:  # every dependency comes first
        for dep in r.depends_on:
            assert dep in addresses, f"{r.address} depends on unknown {dep}"
            assert ordered.index(dep) < ordered.index(r.address)
    tagged = [r for r in resources if "tags" in r.attrs]
    assert all(r.attrs["tags"]["managed-by"] == "mcctl" and r.attrs["tags"]["environment"] == "local" for r in tagged)


def test_diff_names_nested_paths_and_ignores_extra_live_keys() -> None:
    desired = {"tags": {"a": "1"}, "rules": [{"Name": "r", "Limit": 5}], "pools": ["aws", "azure"]}
    live = {
        "tags": {"a": "1", "extra": "x"},
        "rules": [{"Name": "r", "Limit": 6, "Other": 1}],
        "pools": ["azure", "aws"],
        "id": "123",
    }
    assert [c.path for c in diff(desired, live)] == ["rules[0].Limit", "pools"]
    assert diff({"n": 1}, {"n": 1.0}) == [] and diff({"b": True}, {"b": 1}) == []


def test_matching_and_allow_drift() -> None:
    addr = "dynamodb_table/Products@us-east-1"
    assert matches(addr, ["dynamodb_table"]) and matches(addr, ["dynamodb_table/Products"])
    assert matches(addr, ["dynamodb_table/*@us-east-1"]) and not matches(addr, ["s3_bucket"])
    assert allowed("cf_pool/aws", "enabled", ["cf_pool/*:enabled"])
    assert allowed("cf_load_balancer/api.x", "default_pools", ["cf_load_balancer/api.x"])
    assert not allowed("cf_pool/aws", "origins", ["cf_pool/*:enabled"])


def test_resource_round_trips_through_frozen_step_params() -> None:
    from multicloud_ctl.engine.plan import Step

    res = Resource(
        "s3_bucket",
        "b",
        {"tags": {"a": "b"}, "lifecycle": [{"x": 1}]},
        region="us-east-1",
        inputs={"bucket": "b"},
        depends_on=("x/y",),
    )
    step = Step(id="s", action="provision.create", description="d", params={"resource": res.to_dict()})
    assert Resource.from_dict(step.params["resource"]) == res


def test_global_tables_give_replicas_instead_of_secondary_tables() -> None:
    from pathlib import Path

    from multicloud_ctl.config.loader import load_environment
    from multicloud_ctl.operations.provision.kind import DesiredContext

    env = load_environment("local", Path(__file__).resolve().parents[3] / "config")
    env = env.model_copy(update={"aws": env.aws.model_copy(update={"global_tables": True})})
    spec = ProvisionSpec()
    ctx = DesiredContext(env=env, spec=spec, features=spec.features_for("local"))
    tables = KINDS["dynamodb_table"].desired(ctx)
    assert {t.region for t in tables} == {"us-east-1"}
    assert all(t.attrs["replicas"] == ["us-west-2"] and t.attrs["stream"] == "NEW_AND_OLD_IMAGES" for t in tables)


def test_per_environment_overrides() -> None:
    spec = ProvisionSpec.model_validate(
        {
            "environments": {"prod": {"features": {"geo_steering": True}, "disable": ["vpn_gateway"]}},
            "kinds": {"cloudfront_distribution": {"enabled": False}},
        }
    )
    assert spec.features_for("prod").geo_steering and not spec.features_for("local").geo_steering
    assert set(spec.disabled_for("prod")) == {"cloudfront_distribution", "vpn_gateway"}
    assert spec.disabled_for("local") == ["cloudfront_distribution"]


def test_environment_kind_settings_override_and_are_validated() -> None:
    from pydantic import ValidationError

    spec = ProvisionSpec.model_validate({"environments": {"local": {"kinds": {"cf_monitor": {"interval": 2}}}}})
    assert spec.kind_settings("cf_monitor", "local").interval == 2
    assert spec.kind_settings("cf_monitor", "prod").interval == 60
    with pytest.raises(ValidationError):
        ProvisionSpec.model_validate({"environments": {"local": {"kinds": {"nosuch": {}}}}})
    with pytest.raises(ValidationError):
        ProvisionSpec.model_validate({"environments": {"local": {"kinds": {"cf_monitor": {"bogus": 1}}}}})


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ("*", "is not KIND/NAME"),
        ("*/*", "name the kind"),
        ("cf_loadbalancer/api:default_pools", "matches no resource kind"),
        ("cf_pool/", "is not KIND/NAME"),
    ],
)
def test_allow_drift_patterns_must_name_a_kind(pattern: str, says: str) -> None:
    from pydantic import ValidationError

    from multicloud_ctl.config.specs.provision import ProvisionSpec

    with pytest.raises(ValidationError, match=says):
        ProvisionSpec(allow_drift=[pattern])
    assert ProvisionSpec(allow_drift=["cf_*/api:default_pools", "cf_pool/*:enabled"]).allow_drift


@pytest.mark.parametrize("port", [0, -1, 70000])
def test_sandbox_ports_must_be_ports(port: int) -> None:
    from pydantic import ValidationError

    from multicloud_ctl.config.environment import LocalPorts

    with pytest.raises(ValidationError, match="moto"):
        LocalPorts(moto=port)
