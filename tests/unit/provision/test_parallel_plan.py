"""Provision by graph: which steps a parallel apply or destroy lets each step wait for."""

from __future__ import annotations

import multicloud_ctl.operations.provision.actions  # noqa: F401  (registers the step actions)
from multicloud_ctl.engine.plan import critical_heights, dependencies
from multicloud_ctl.operations.provision.model import Resource, ResourcePlan
from multicloud_ctl.operations.provision.planner import engine_plan, step_prerequisites
from multicloud_ctl.operations.provision.registry import KINDS


def rp(kind: str, name: str, action: str, *deps: str) -> ResourcePlan:
    return ResourcePlan(Resource(kind, name, {}, depends_on=deps), action)  # type: ignore[arg-type]


PLANS = [
    rp("azure_resource_group", "rg", "create"),
    rp("azure_sql_server", "srv", "noop", "azure_resource_group/rg"),
    rp("azure_sql_database", "srv/db", "update", "azure_sql_server/srv"),
    rp("sql_schema", "db", "create"),  # no depends_on: its kind waits for every database
    rp("sqs_queue", "q-dlq", "create"),
    rp("sqs_queue", "q", "create", "sqs_queue/q-dlq"),
    rp("dynamodb_table", "t", "create"),
]


def test_a_step_waits_for_its_changed_dependencies_also_through_unchanged_ones() -> None:
    waits = step_prerequisites(PLANS)
    assert waits["azure_sql_database/srv/db"] == ("create:azure_resource_group/rg",)  # through the noop server
    assert waits["sql_schema/db"] == (  # after_kinds, and what the database waits for
        "create:azure_resource_group/rg",
        "update:azure_sql_database/srv/db",
    )
    assert waits["sqs_queue/q"] == ("create:sqs_queue/q-dlq",)
    assert waits["dynamodb_table/t"] == () and waits["azure_resource_group/rg"] == ()
    assert "azure_sql_server/srv" not in waits  # no step


def test_a_delete_waits_for_the_deletes_of_what_depends_on_it() -> None:
    plans = [
        rp("azure_resource_group", "rg", "delete"),
        rp("azure_sql_server", "srv", "delete", "azure_resource_group/rg"),
        rp("azure_sql_database", "srv/db", "delete", "azure_sql_server/srv"),
        rp("sqs_queue", "q", "delete"),
    ]
    waits = step_prerequisites(plans)
    assert waits["azure_resource_group/rg"] == (
        "delete:azure_sql_database/srv/db",
        "delete:azure_sql_server/srv",
    )
    assert waits["azure_sql_database/srv/db"] == () and waits["sqs_queue/q"] == ()


def test_parallelism_one_keeps_the_old_sequential_plan() -> None:
    sequential = engine_plan("provision apply", PLANS, 1)
    assert not sequential.is_workflow and all(s.after is None for s in sequential.steps)
    parallel = engine_plan("provision apply", PLANS, 10)
    assert parallel.is_workflow and parallel.parallelism == 10
    assert "update:azure_sql_database/srv/db" in {s.id: s.after for s in parallel.steps}["create:sql_schema/db"]


def test_a_step_weighs_what_its_kind_typically_takes_so_a_long_chain_starts_first() -> None:
    plan = engine_plan("provision apply", PLANS, 10)
    weights = {s.id: s.weight for s in plan.steps}
    assert weights["create:azure_resource_group/rg"] == KINDS["azure_resource_group"].typical_s
    assert weights["update:azure_sql_database/srv/db"] == KINDS["azure_sql_database"].typical_s
    heights = critical_heights(dependencies(plan.steps), weights)
    # the resource group heads group -> database -> schema: minutes of ARM operations, against a queue's seconds
    assert heights["create:azure_resource_group/rg"] == (
        weights["create:azure_resource_group/rg"]
        + weights["update:azure_sql_database/srv/db"]
        + weights["create:sql_schema/db"]
    )
    assert heights["create:azure_resource_group/rg"] > heights["create:sqs_queue/q-dlq"] > heights["create:sqs_queue/q"]
    deletes = engine_plan("provision destroy", [rp("azure_vpn_gateway", "gw", "delete")], 10)
    assert deletes.steps[0].weight == KINDS["azure_vpn_gateway"].typical_s
