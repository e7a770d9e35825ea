"""The failover workflow's `sql_failover_group` step against the fake ARM and azure-mgmt-sql: the group is one
resource seen from both servers, a failover swaps their roles, the rollback swaps them back, a dry run
changes nothing, and provision reads no drift after a failover."""

from __future__ import annotations

from typing import Any

import pytest

from multicloud_ctl.errors import McctlError, UsageError
from multicloud_ctl.operations import provision

pytestmark = pytest.mark.integration
KINDS = ("azure_resource_group", "azure_sql_server", "azure_sql_database", "azure_sql_failover_group")
FG = "mcctl-sql-fg"


@pytest.fixture
def geo_env(cloud_env: Any) -> Any:
    sql = cloud_env.azure.sql.model_copy(update={"geo_replica": True})
    return cloud_env.model_copy(update={"azure": cloud_env.azure.model_copy(update={"sql": sql})})


def spec_with(target: dict[str, Any] | None, **extra: Any) -> Any:
    from multicloud_ctl.config.specs.failover import FailoverSpec

    body: dict[str, Any] = {"to": "aws", "load_balancer": {"order": ["aws", "azure"]}, **extra}
    if target is not None:
        body["sql_failover_group"] = target
    return FailoverSpec.model_validate(body)


def roles(env: Any) -> dict[str, str | None]:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.providers.azure.sql_failover import ServerRef, SqlFailoverGroups

    groups = SqlFailoverGroups(Runtime(env, dry_run=True).azure)
    rg = env.azure.resource_group
    return {
        "mcctl-sql": groups.role(ServerRef(rg, "mcctl-sql"), FG),
        "mcctl-sql-westus": groups.role(ServerRef(f"{rg}-westus", "mcctl-sql-westus"), FG),
    }


def run_steps(env: Any, steps: list[Any], *, dry_run: bool = False) -> Any:
    import multicloud_ctl.operations.failover.actions  # noqa: F401  (registers the actions)
    from multicloud_ctl.engine.plan import Plan
    from multicloud_ctl.engine.run import Operation, run
    from multicloud_ctl.engine.runtime import Runtime

    rt = Runtime(env, dry_run=dry_run)
    return run(rt, Operation("failover", lambda _rt: Plan("failover", tuple(steps))))


def test_a_failover_to_the_secondary_swaps_the_roles_and_its_rollback_swaps_them_back(
    geo_env: Any, aws_spec: Any, arm: Any
) -> None:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.switch import sql_failover_steps

    spec = aws_spec(*KINDS)
    provision.apply(Runtime(geo_env), spec)
    assert roles(geo_env) == {"mcctl-sql": "Primary", "mcctl-sql-westus": "Secondary"}

    fo = spec_with({"primary": "secondary"})
    steps = sql_failover_steps(Runtime(geo_env, dry_run=True), fo)
    assert [s.id for s in steps] == ["sql-failover-group"] and steps[0].rollback is not None
    assert "mcctl-sql-westus (westus)" in steps[0].description

    dry = run_steps(geo_env, steps, dry_run=True)
    assert dry.status == "ok" and roles(geo_env)["mcctl-sql"] == "Primary"  # a plan, nothing sent

    done = run_steps(geo_env, steps)
    assert done.status == "ok", done.error
    assert roles(geo_env) == {"mcctl-sql": "Secondary", "mcctl-sql-westus": "Primary"}
    # provision sees the same group (a failover is not drift) and the next plan has nothing to switch
    assert all(p.action == "noop" for p in provision.plan_resources(Runtime(geo_env, dry_run=True), spec))
    assert sql_failover_steps(Runtime(geo_env, dry_run=True), fo) == []

    back = run_steps(geo_env, [steps[0].rollback])
    assert back.status == "ok" and roles(geo_env)["mcctl-sql"] == "Primary"


def test_a_forced_failover_uses_force_failover_allow_data_loss(geo_env: Any, aws_spec: Any, arm: Any) -> None:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.switch import sql_failover_steps

    provision.apply(Runtime(geo_env), aws_spec(*KINDS))
    steps = sql_failover_steps(
        Runtime(geo_env, dry_run=True), spec_with({"primary": "secondary", "allow_data_loss": True})
    )
    assert steps[0].params["allow_data_loss"] is True and "forced" in steps[0].description
    done = run_steps(geo_env, steps)
    assert done.status == "ok" and done.execution.steps[0].output["forced"] is True
    assert roles(geo_env)["mcctl-sql-westus"] == "Primary"


def test_refusals_are_one_clear_line(geo_env: Any, cloud_env: Any, aws_spec: Any, arm: Any) -> None:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.switch import sql_failover_steps

    with pytest.raises(UsageError, match="geo_replica is off"):
        sql_failover_steps(Runtime(cloud_env, dry_run=True), spec_with({"primary": "secondary"}))
    with pytest.raises(McctlError, match="does not exist"):  # not provisioned yet
        sql_failover_steps(Runtime(geo_env, dry_run=True), spec_with({"primary": "secondary"}))
    with pytest.raises(ValueError, match="no sql_failover_group"):
        spec_with(
            None,
            workflow=[
                {"id": "lb", "do": "load_balancer"},
                {"id": "sql", "do": "sql_failover_group"},
                {"id": "record", "do": "record_intended"},
            ],
        )
    assert sql_failover_steps(Runtime(geo_env, dry_run=True), spec_with(None)) == []
