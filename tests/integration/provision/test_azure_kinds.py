"""Every Azure kind against the fake ARM through azure-mgmt-resource: converge, no-op, drift, destroy."""

from __future__ import annotations

from typing import Any

import pytest

from multicloud_ctl.operations import provision
from multicloud_ctl.operations.provision.registry import KINDS

pytestmark = pytest.mark.integration
AZURE_KINDS = [name for name, kind in KINDS.items() if kind.provider == "azure"]


def pending(plans: list[Any]) -> dict[str, Any]:
    return {p.address: [str(c) for c in p.changes] or p.action for p in plans if p.action != "noop"}


def test_azure_apply_converges_and_destroys(cloud_runtime: Any, aws_spec: Any, arm: Any) -> None:
    spec = aws_spec(*AZURE_KINDS)
    first = provision.plan_resources(cloud_runtime(dry_run=True), spec)
    assert {p.action for p in first} == {"create"}
    assert arm.server.store.resources == {}  # planning made nothing
    provision.apply(cloud_runtime(), spec)
    assert pending(provision.plan_resources(cloud_runtime(dry_run=True), spec)) == {}
    store = arm.server.store
    ids = {r["id"].lower() for r in store.resources.values()}
    assert any(i.endswith("/blobservices/default/containers/backups") for i in ids)
    assert any(i.endswith("/managementpolicies/default") for i in ids)
    rt = cloud_runtime()
    destroy = provision.destroy_plan(rt, spec)
    from multicloud_ctl.engine.executor import Executor

    assert Executor(rt, rt.journal("provision destroy")).run(destroy).status == "ok"
    assert store.resources == {} and store.groups == {}
