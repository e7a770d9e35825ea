"""Every AWS kind against moto: apply from empty converges, second plan is all no-op, destroy removes."""

from __future__ import annotations

from typing import Any

import pytest

from multicloud_ctl.operations import provision
from multicloud_ctl.operations.provision.registry import KINDS

pytestmark = pytest.mark.integration
# the VPN's AWS side needs the Azure gateway's public IP: tested with both clouds in test_vpn_kinds.py
CROSS_CLOUD = {"customer_gateway", "vpn_connection"}
AWS_KINDS = [name for name, kind in KINDS.items() if kind.provider == "aws" and name not in CROSS_CLOUD]


def pending(plans: list[Any]) -> dict[str, Any]:
    return {p.address: [str(c) for c in p.changes] or p.action for p in plans if p.action != "noop"}


@pytest.mark.slow
def test_all_aws_kinds_converge_and_destroy(runtime_for: Any, aws_spec: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCCTL_REDIS_AUTH_TOKEN", "Session-cache-token-for-tests")  # elasticache_replication_group
    spec = aws_spec(*AWS_KINDS)
    provision.apply(runtime_for(), spec)
    assert pending(provision.plan_resources(runtime_for(dry_run=True), spec)) == {}
    destroy = provision.destroy_plan(runtime_for(dry_run=True), spec)
    provision_kinds = {s.resource.split("/")[0] for s in destroy.steps}
    assert provision_kinds == set(AWS_KINDS)
    from multicloud_ctl.engine.run import Operation, run

    rt = runtime_for()
    result = run(rt, Operation("provision destroy", lambda _rt: destroy))
    assert result.status == "ok", result.error
    after = provision.plan_resources(runtime_for(dry_run=True), spec)
    assert {p.action for p in after} == {"create"}
