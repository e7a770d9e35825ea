"""The Front Door WAF's desired bodies: the policy follows the profile's SKU, managed rules only on Premium."""

from __future__ import annotations

from pathlib import Path

from multicloud_ctl.config.loader import load_environment
from multicloud_ctl.config.specs.provision import ProvisionSpec
from multicloud_ctl.operations.provision.arm_kind import ArmSpec
from multicloud_ctl.operations.provision.kind import DesiredContext
from multicloud_ctl.operations.provision.kinds.azure_frontdoor_waf import AzureFrontDoorWaf

REPO = Path(__file__).resolve().parents[3]


def _specs(**kinds: dict[str, object]) -> list[ArmSpec]:
    env = load_environment("local", REPO / "config")
    spec = ProvisionSpec.model_validate({"kinds": kinds})
    return AzureFrontDoorWaf().arm(DesiredContext(env=env, spec=spec, features=spec.features_for("local")))


def test_the_policy_takes_the_profile_sku_and_managed_rules_only_on_premium() -> None:
    waf, security = _specs()
    assert waf.name.isalnum() and waf.body["location"] == "global"
    assert waf.body["sku"] == {"name": "Standard_AzureFrontDoor"}
    assert waf.body["properties"]["managedRules"] == {"managedRuleSets": []}
    params = security.body["properties"]["parameters"]
    assert params["wafPolicy"]["id"] == waf.id
    assert params["associations"][0]["domains"][0]["id"].endswith("/afdEndpoints/static")
    assert security.id.endswith("/securityPolicies/waf")

    waf, _ = _specs(azure_frontdoor={"sku": "Premium_AzureFrontDoor"}, azure_frontdoor_waf={"mode": "Detection"})
    body = waf.body
    assert body["sku"] == {"name": "Premium_AzureFrontDoor"}
    assert [s["ruleSetType"] for s in body["properties"]["managedRules"]["managedRuleSets"]] == [
        "Microsoft_DefaultRuleSet",
        "Microsoft_BotManagerRuleSet",
    ]
    assert body["properties"]["policySettings"]["mode"] == "Detection"
    [rule] = body["properties"]["customRules"]["rules"]
    assert rule["groupBy"] == [{"variableName": "SocketAddr"}] and rule["rateLimitDurationInMinutes"] == 1
