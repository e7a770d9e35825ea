"""Fake ARM behaviour of the Front Door WAF: what the Network and Cdn RPs add to and refuse of its two types.

The body is schema-checked first (`bodies.py`: Microsoft.Network.FrontDoor.json 2024-02-01 for the policy,
Microsoft.Cdn.json 2023-05-01 for the security policy); then, as the RPs do:
- FrontDoorWebApplicationFirewallPolicies: the location is `Global` (ARM's `LocationNotAvailableForResourceType`
  for any other); the SKU defaults to `Classic_AzureFrontDoor` (the schema's description); managed rule sets
  only on `Premium_AzureFrontDoor` ("Azure Web Application Firewall on Azure Front Door": managed rules and bot
  protection are Premium features; Standard takes custom rules only) and only the published set/version pairs
  ("Web Application Firewall DRS rule groups and rules"); a `RateLimitRule` needs a `rateLimitThreshold` and a
  `rateLimitDurationInMinutes` of 1 or 5 ("rate limiting for Azure Front Door": the window is one or five
  minutes); custom rule names and priorities are unique. The policy answers `resourceState` and its
  `securityPolicyLinks` (kept in step with the security policies that name it); one still linked is not deleted.
- profiles/securityPolicies: a `WebApplicationFirewall` policy whose `wafPolicy` exists and has the profile's SKU
  (a Standard profile takes a Standard policy, a Premium one a Premium policy: "Configure a WAF policy for Front
  Door", the SKUs must match), whose domains are endpoints or custom domains of this profile that exist and that
  no other security policy of the profile already protects (Front Door associates a domain with one policy).
  The answer carries `deploymentStatus` and each domain's `isActive`, as the Cdn RP does.
Codes: `LocationNotAvailableForResourceType` is ARM's; the Cdn RP answers its validation failures as `BadRequest`
with a message, so the fake does the same; the messages say what the RP requires.
"""

from __future__ import annotations

from typing import Any

from multicloud_ctl.local.arm.actions import ActionContext, action
from multicloud_ctl.local.jsonhttp import Response

RG = r"/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)/providers/"
WAF_TYPE = "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies"
SECURITY_TYPE = "Microsoft.Cdn/profiles/securityPolicies"
PREMIUM = "Premium_AzureFrontDoor"
# the managed rule sets Front Door (Standard/Premium tier) publishes: type -> versions
MANAGED_RULE_SETS = {
    "Microsoft_DefaultRuleSet": {"1.1", "2.0", "2.1"},
    "DefaultRuleSet": {"1.0"},
    "Microsoft_BotManagerRuleSet": {"1.0", "1.1"},
}


def _bad(message: str, code: str = "BadRequest") -> Response:
    return Response(400, {"error": {"code": code, "message": message}})


def _admitted(ctx: ActionContext, path: str) -> tuple[str, Response | None]:
    """The resource id, and ARM's refusal when the group, the rules or the schema refuse the PUT."""
    from multicloud_ctl.local.arm.rules import check_put, error
    from multicloud_ctl.local.arm.server import api_version, invalid_body

    m = ctx.match
    rid = f"/subscriptions/{m['sub']}/resourceGroups/{m['rg']}/providers/{path}"
    if ctx.store.get_group(m["sub"], m["rg"]) is None:
        return rid, error(404, "ResourceGroupNotFound", f"Resource group '{m['rg']}' could not be found.")
    prov = path.split("/")
    return rid, check_put(ctx.store, rid, prov, api_version(ctx.request)) or invalid_body(ctx.request.checked)


def _version_unlisted(ctx: ActionContext, rtype: str) -> Response | None:
    from multicloud_ctl.local.arm.rules import check_version_listed
    from multicloud_ctl.local.arm.server import api_version

    return check_version_listed(rtype, api_version(ctx.request))


def _store(ctx: ActionContext, rid: str, rtype: str, body: dict[str, Any]) -> Response:
    from multicloud_ctl.local.arm.lro import put_answer

    resource, created = ctx.store.put_resource(rid, rtype, body)
    return put_answer(ctx.store, ctx.base_url, ctx.match["sub"], resource, created)


def _rules_refusal(props: dict[str, Any], sku: str) -> str | None:
    sets = ((props.get("managedRules") or {}).get("managedRuleSets")) or []
    if sets and sku != PREMIUM:
        return f"Managed rule sets are supported on {PREMIUM} policies only; this policy's SKU is {sku}."
    for rule_set in sets:
        kind, version = str(rule_set.get("ruleSetType")), str(rule_set.get("ruleSetVersion"))
        if version not in MANAGED_RULE_SETS.get(kind, set()):
            return f"Managed rule set '{kind}' version '{version}' is not supported."
    rules = ((props.get("customRules") or {}).get("rules")) or []
    names = [str(r.get("name", "")) for r in rules]
    priorities = [r.get("priority") for r in rules]
    if len(set(names)) != len(names) or len(set(priorities)) != len(priorities):
        return "Custom rule names and priorities must be unique within a policy."
    for rule in rules:
        if rule.get("ruleType") != "RateLimitRule":
            continue
        if not rule.get("rateLimitThreshold"):
            return f"Rate limit rule '{rule.get('name')}' needs a rateLimitThreshold."
        if rule.get("rateLimitDurationInMinutes", 1) not in (1, 5):
            return f"Rate limit rule '{rule.get('name')}': rateLimitDurationInMinutes must be 1 or 5."
    return None


@action("PUT", RG + r"microsoft\.network/frontdoorwebapplicationfirewallpolicies/(?P<name>[^/]+)")
def put_waf_policy(ctx: ActionContext) -> Response:
    rid, refused = _admitted(ctx, f"{WAF_TYPE}/{ctx.match['name']}")
    if refused is not None:
        return refused
    body = dict(ctx.request.body or {})
    location = str(body.get("location") or "")
    if location.lower() != "global":
        return _bad(
            f"The provided location '{location}' is not available for resource type '{WAF_TYPE}'. "
            "List of available regions for the resource type is 'global'.",
            "LocationNotAvailableForResourceType",
        )
    sku = str((body.get("sku") or {}).get("name") or "Classic_AzureFrontDoor")
    props = dict(body.get("properties") or {})
    why = _rules_refusal(props, sku)
    if why is not None:
        return _bad(why)
    existing = ctx.store.get_resource(rid) or {}
    settings = {"enabledState": "Enabled", "mode": "Detection", **(props.get("policySettings") or {})}
    props.update(
        {
            "policySettings": settings,
            "resourceState": "Enabled" if settings["enabledState"] == "Enabled" else "Disabled",
            "securityPolicyLinks": (existing.get("properties") or {}).get("securityPolicyLinks") or [],
            "frontendEndpointLinks": [],
            "routingRuleLinks": [],
        }
    )
    return _store(ctx, rid, WAF_TYPE, {**body, "sku": {"name": sku}, "properties": props})


def _link(ctx: ActionContext, waf_id: str, policy_id: str, *, add: bool) -> None:
    waf = ctx.store.get_resource(waf_id)
    if waf is None:
        return
    links = [
        link
        for link in (waf.get("properties") or {}).get("securityPolicyLinks") or []
        if str(link.get("id", "")).lower() != policy_id.lower()
    ]
    if add:
        links.append({"id": policy_id})
    ctx.store.patch_resource(waf_id, {"properties": {"securityPolicyLinks": links}})


def _domains(props: dict[str, Any]) -> list[str]:
    associations = (props.get("parameters") or {}).get("associations") or []
    return [str(d.get("id", "")) for a in associations for d in a.get("domains") or []]


def _security_refusal(ctx: ActionContext, rid: str, profile: dict[str, Any], props: dict[str, Any]) -> str | None:
    params = props.get("parameters") or {}
    waf_id = str((params.get("wafPolicy") or {}).get("id") or "")
    waf = ctx.store.get_resource(waf_id) if waf_id else None
    if waf is None:
        return f"The WAF policy '{waf_id or '(none)'}' referenced by security policy {rid} was not found."
    waf_sku, profile_sku = (waf.get("sku") or {}).get("name"), (profile.get("sku") or {}).get("name")
    if waf_sku != profile_sku:
        return f"The WAF policy's SKU {waf_sku} does not match the profile's SKU {profile_sku}."
    domains = _domains(props)
    if not domains:
        return "A WebApplicationFirewall security policy needs at least one association with a domain."
    profile_id = str(profile["id"]).lower()
    others = [
        p for p in ctx.store.list_resources(str(profile["id"]), SECURITY_TYPE) if str(p["id"]).lower() != rid.lower()
    ]
    for domain in domains:
        low = domain.lower()
        parent, _, _ = low.rpartition("/")
        if parent.rsplit("/", 1)[0] != profile_id or parent.rsplit("/", 1)[1] not in ("afdendpoints", "customdomains"):
            return f"Domain {domain} is not an endpoint or a custom domain of profile {profile['id']}."
        if ctx.store.get_resource(domain) is None:
            return f"Domain {domain} referenced by security policy {rid} was not found."
        for other in others:
            if low in {d.lower() for d in _domains(other.get("properties") or {})}:
                return f"Domain {domain} is already associated with security policy {other['id']}."
    return None


@action("PUT", RG + r"microsoft\.cdn/profiles/(?P<profile>[^/]+)/securitypolicies/(?P<name>[^/]+)")
def put_security_policy(ctx: ActionContext) -> Response:
    m = ctx.match
    rid, refused = _admitted(ctx, f"Microsoft.Cdn/profiles/{m['profile']}/securityPolicies/{m['name']}")
    if refused is not None:
        return refused
    profile = ctx.store.get_resource(rid.rsplit("/securityPolicies/", 1)[0]) or {}
    body = dict(ctx.request.body or {})
    props = dict(body.get("properties") or {})
    why = _security_refusal(ctx, rid, profile, props)
    if why is not None:
        return _bad(why)
    params = dict(props["parameters"])
    params["associations"] = [
        {**a, "domains": [{"id": d.get("id"), "isActive": True} for d in a.get("domains") or []]}
        for a in params.get("associations") or []
    ]
    props.update({"parameters": params, "deploymentStatus": "Succeeded", "profileName": profile.get("name")})
    old = ctx.store.get_resource(rid)
    old_waf = str((((old or {}).get("properties") or {}).get("parameters") or {}).get("wafPolicy", {}).get("id", ""))
    if old_waf and old_waf.lower() != str(params["wafPolicy"]["id"]).lower():
        _link(ctx, old_waf, rid, add=False)
    answer = _store(ctx, rid, SECURITY_TYPE, {**body, "properties": props})
    _link(ctx, str(params["wafPolicy"]["id"]), rid, add=True)
    return answer


@action("DELETE", RG + r"microsoft\.cdn/profiles/(?P<profile>[^/]+)/securitypolicies/(?P<name>[^/]+)")
def delete_security_policy(ctx: ActionContext) -> Response:
    from multicloud_ctl.local.arm.lro import delete_answer

    m = ctx.match
    if (unlisted := _version_unlisted(ctx, SECURITY_TYPE)) is not None:
        return unlisted
    rid = (
        f"/subscriptions/{m['sub']}/resourceGroups/{m['rg']}/providers/Microsoft.Cdn/profiles/{m['profile']}"
        f"/securityPolicies/{m['name']}"
    )
    found = ctx.store.get_resource(rid)
    if found is None:
        return Response(204)
    waf_id = str(((found.get("properties") or {}).get("parameters") or {}).get("wafPolicy", {}).get("id", ""))
    if waf_id:
        _link(ctx, waf_id, found["id"], add=False)
    return delete_answer(ctx.store, ctx.base_url, m["sub"], found["id"], SECURITY_TYPE)


@action("DELETE", RG + r"microsoft\.network/frontdoorwebapplicationfirewallpolicies/(?P<name>[^/]+)")
def delete_waf_policy(ctx: ActionContext) -> Response:
    from multicloud_ctl.local.arm.lro import delete_answer

    m = ctx.match
    if (unlisted := _version_unlisted(ctx, WAF_TYPE)) is not None:
        return unlisted
    rid = f"/subscriptions/{m['sub']}/resourceGroups/{m['rg']}/providers/{WAF_TYPE}/{m['name']}"
    found = ctx.store.get_resource(rid)
    if found is None:
        return Response(204)
    links = [
        link
        for link in (found.get("properties") or {}).get("securityPolicyLinks") or []
        if ctx.store.get_resource(str(link.get("id", ""))) is not None
    ]
    if links:
        return Response(
            409,
            {
                "error": {
                    "code": "Conflict",
                    "message": f"WAF policy {rid} is associated with security policies "
                    f"{', '.join(str(x['id']) for x in links)}; remove the associations first.",
                }
            },
        )
    return delete_answer(ctx.store, ctx.base_url, m["sub"], found["id"], WAF_TYPE)
