"""The Front Door WAF: a WAF policy (managed rule sets and a per-client rate limit) and the security policy that
associates it with the Front Door endpoint.

Two ARM types: `Microsoft.Network/FrontDoorWebApplicationFirewallPolicies` (api 2024-02-01, location `global`,
a name of letters and digits only) and the profile's child `Microsoft.Cdn/profiles/securityPolicies` (api
2023-05-01, `WebApplicationFirewall` parameters naming the policy and the endpoint, `patternsToMatch: ["/*"]`).
The policy's SKU must be the profile's (`azure_frontdoor.sku`), and managed rule sets (the Default Rule Set,
the Bot Manager) exist only on Premium_AzureFrontDoor ("Azure Web Application Firewall on Azure Front Door",
Microsoft Learn): by default the policy carries them on a Premium profile and none on a Standard one, and an
explicit `managed_rule_sets` with a Standard profile is refused at validate time. The rate-limit rule counts
every request (`RequestUri` with the `Any` operator) per client socket address (`groupBy SocketAddr`) over one
or five minutes, as the AWS web ACL's rate-based rule counts per IP.

Front Door is global: one policy and one association, homed in the primary resource group. The security policy
has no tags; the profile's govern its destroy, and it is deleted before the WAF policy (which Azure keeps while an
association names it).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec, arm_id
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_frontdoor import AzureFrontDoor, endpoint_name, profile_name
from multicloud_ctl.operations.provision.kinds.azure_resource_group import group_address

API = "2024-02-01"
CDN_API = AzureFrontDoor.api_version
PREMIUM = "Premium_AzureFrontDoor"


class ManagedRuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str = Field(description="ruleSetType, e.g. Microsoft_DefaultRuleSet, Microsoft_BotManagerRuleSet")
    version: str = Field(description="ruleSetVersion, e.g. 2.1 (Default Rule Set), 1.1 (Bot Manager)")
    action: Literal["Block", "Log", "Redirect"] = "Block"


PREMIUM_DEFAULT = (
    ManagedRuleSet(type="Microsoft_DefaultRuleSet", version="2.1"),
    ManagedRuleSet(type="Microsoft_BotManagerRuleSet", version="1.1"),
)


class Settings(KindSettings):
    mode: Literal["Prevention", "Detection"] = Field(default="Prevention", description="Detection only logs")
    request_body_check: bool = Field(default=True, description="Inspect request bodies (requestBodyCheck)")
    managed_rule_sets: list[ManagedRuleSet] | None = Field(
        default=None,
        description="Default: the Default Rule Set 2.1 and the Bot Manager 1.1 on a Premium profile, none on a "
        "Standard one (managed rules are Premium-only)",
    )
    rate_limit_threshold: int = Field(default=1000, ge=1, description="Requests per client IP per window")
    rate_limit_duration_minutes: Literal[1, 5] = Field(default=1, description="The rate-limit window: 1 or 5")


def policy_name(ctx: DesiredContext) -> str:
    """`mcctl<env>waf`: a Front Door WAF policy's name is letters and digits only."""
    return "mcctl" + "".join(c for c in ctx.env.name if c.isalnum()) + "waf"


def rule_sets(settings: Settings, sku: str) -> list[ManagedRuleSet]:
    """The managed rule sets the policy carries (see the module docstring)."""
    if settings.managed_rule_sets is not None:
        return list(settings.managed_rule_sets)
    return list(PREMIUM_DEFAULT) if sku == PREMIUM else []


def managed_rules_refusal(waf: Settings, frontdoor_sku: str) -> str | None:
    """Why the playbook's WAF settings cannot work with the profile's SKU, or None."""
    if waf.enabled and waf.managed_rule_sets and frontdoor_sku != PREMIUM:
        return (
            f"managed rule sets need azure_frontdoor.sku {PREMIUM} (the profile is {frontdoor_sku}); "
            "set it, or managed_rule_sets: []"
        )
    return None


class AzureFrontDoorWaf(ArmKind):
    name = "azure_frontdoor_waf"
    api_version = API
    settings = Settings
    description = "Front Door WAF policy (managed rule sets, per-IP rate limit) associated with the endpoint"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        s: Settings = ctx.settings(self.name)
        sku = ctx.settings(AzureFrontDoor.name).sku
        rg = ctx.env.azure.resource_group
        profile, endpoint = profile_name(ctx), endpoint_name()
        pid = arm_id(ctx, rg, f"Microsoft.Cdn/profiles/{profile}")
        waf = policy_name(ctx)
        wid = arm_id(ctx, rg, f"Microsoft.Network/FrontDoorWebApplicationFirewallPolicies/{waf}")
        rate_rule = {
            "name": "RateLimitPerClientIp",
            "priority": 100,
            "enabledState": "Enabled",
            "ruleType": "RateLimitRule",
            "rateLimitDurationInMinutes": s.rate_limit_duration_minutes,
            "rateLimitThreshold": s.rate_limit_threshold,
            "matchConditions": [{"matchVariable": "RequestUri", "operator": "Any", "matchValue": []}],
            "groupBy": [{"variableName": "SocketAddr"}],
            "action": "Block",
        }
        managed = [
            {"ruleSetType": r.type, "ruleSetVersion": r.version, "ruleSetAction": r.action} for r in rule_sets(s, sku)
        ]
        security = "waf"
        return [
            ArmSpec(
                waf,
                wid,
                {
                    "location": "global",
                    "tags": ctx.tags,
                    "sku": {"name": sku},
                    "properties": {
                        "policySettings": {
                            "enabledState": "Enabled",
                            "mode": s.mode,
                            "requestBodyCheck": "Enabled" if s.request_body_check else "Disabled",
                        },
                        "customRules": {"rules": [rate_rule]},
                        "managedRules": {"managedRuleSets": managed},
                    },
                },
                depends_on=(group_address(ctx, ctx.env.azure.regions.primary),),
            ),
            ArmSpec(
                f"{profile}/{security}",
                f"{pid}/securityPolicies/{security}",
                {
                    "properties": {
                        "parameters": {
                            "type": "WebApplicationFirewall",
                            "wafPolicy": {"id": wid},
                            "associations": [
                                {"domains": [{"id": f"{pid}/afdEndpoints/{endpoint}"}], "patternsToMatch": ["/*"]}
                            ],
                        }
                    }
                },
                depends_on=(f"{self.name}/{waf}", f"{AzureFrontDoor.name}/{profile}/{endpoint}"),
                owner=pid,
                extra={"api_version": CDN_API, "owner_api_version": CDN_API},
            ),
        ]
