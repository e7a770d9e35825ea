"""Which permissions failover readiness checks for each plan action (the catalog's names), and ARM's matching
rules for the Azure side (actions minus the same role's notActions, `*` wildcard, case-insensitive)."""

from __future__ import annotations

from typing import Any

from multicloud_ctl.engine.plan import Step
from multicloud_ctl.operations.failover.readiness import _calls_of, azure_needs
from multicloud_ctl.providers.azure.permissions_list import allowed, matches

FAILOVER = "Microsoft.Sql/servers/failoverGroups/failover/action"


def test_arm_wildcards_match_any_run_of_characters_ignoring_case() -> None:
    assert matches(FAILOVER, ["*"])
    assert matches(FAILOVER, ["microsoft.sql/*"])
    assert matches(FAILOVER, ["Microsoft.Sql/servers/*/action"])
    assert matches("Microsoft.Sql/servers/failoverGroups/read", ["*/read"])
    assert not matches(FAILOVER, ["*/read", "Microsoft.Sql/servers/read", "Microsoft.Sql/servers/failoverGroups"])
    assert not matches(FAILOVER, ["Microsoft.Sql.Other/*"])  # a dot is a dot, not any character


def test_not_actions_subtract_within_their_role_and_data_actions_are_separate() -> None:
    role = {"actions": ["Microsoft.Sql/*"], "notActions": ["Microsoft.Sql/servers/failoverGroups/*/action"]}
    assert not allowed(FAILOVER, [role])
    assert allowed("Microsoft.Sql/servers/failoverGroups/read", [role])
    assert allowed(FAILOVER, [role, {"actions": [FAILOVER]}])  # another role grants it: notActions is no deny
    assert not allowed(FAILOVER, [{"dataActions": ["*"]}])
    assert allowed("Microsoft.KeyVault/vaults/secrets/getSecret/action", [{"dataActions": ["*"]}], data=True)
    assert not allowed(FAILOVER, [])


def test_the_aws_warm_up_scan_is_checked_on_the_aws_side_only() -> None:
    assert _calls_of("failover.cache_warmup", "aws") == ("aws", ("dynamodb:Scan",))
    assert _calls_of("failover.cache_warmup", "azure") is None  # a SQL database grant, not an IAM action
    provider, names = _calls_of("lambda.set_concurrency", "aws") or ("", ())
    assert provider == "aws" and "lambda:PutProvisionedConcurrencyConfig" in names
    assert _calls_of("failover.record_intended", None) is None


def runtime() -> Any:
    class Azure:
        subscription_id = "sub-1"

    class Env:
        azure = Azure()

    class Rt:
        environment = Env()

    return Rt()


def test_azure_steps_need_the_catalogs_actions_on_the_resource_they_act_on() -> None:
    params = {"group": "rg-westus", "server": "sql-westus", "name": "sql-fg", "allow_data_loss": False}
    step = Step("sql-failover-group", "azure.sql_failover", "switch", provider="azure", params=params)
    needs = azure_needs(runtime(), step)
    scope = "/subscriptions/sub-1/resourceGroups/rg-westus/providers/Microsoft.Sql/servers/sql-westus"
    assert [(n.step, n.action, n.scope) for n in needs] == [
        ("sql-failover-group", FAILOVER, scope),
        ("sql-failover-group", "Microsoft.Sql/servers/failoverGroups/read", scope),
    ]
    forced = Step("f", "azure.sql_failover", "force", provider="azure", params={**params, "allow_data_loss": True})
    assert azure_needs(runtime(), forced)[0].action == (
        "Microsoft.Sql/servers/failoverGroups/forceFailoverAllowDataLoss/action"
    )
    bus = Step(
        "servicebus-geo-dr",
        "azure.servicebus_geo_dr_failover",
        "alias",
        provider="azure",
        params={"group": "rg-westus", "namespace": "bus-westus", "alias": "a"},
    )
    assert [n.action for n in azure_needs(runtime(), bus)] == [
        "Microsoft.ServiceBus/namespaces/disasterRecoveryConfigs/failover/action",
        "Microsoft.ServiceBus/namespaces/disasterRecoveryConfigs/read",
    ]
    assert azure_needs(runtime(), Step("x", "cloudflare.set_pool", "p", provider="cloudflare")) == []
