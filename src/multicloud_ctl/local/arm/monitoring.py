"""Fake ARM Azure Monitor resources: Log Analytics workspaces and tables, data collection endpoints and rules,
diagnostic settings. The generic store keeps them; these actions add what the services do on a PUT.

After the gates every PUT passes (`rules.check_put`, the body against its vendored schema), each type gets
the read-only properties the service assigns, kept across later PUTs so that a re-apply changes none of them:
- workspace: `customerId` (the GUID the query API addresses), `createdDate`, `modifiedDate`;
- data collection endpoint: `immutableId` (`dce-<hex>`) and `logsIngestion` / `configurationAccess` /
  `metricsIngestion` `.endpoint`; in the cloud `https://<name>-<suffix>.<region>-1.ingest.monitor.azure.com`,
  here this fake's own URL, where the Logs Ingestion API is served (loganalytics.py);
- data collection rule: `immutableId` (`dcr-<32 hex>`), what the Logs Ingestion API is called with.
And it refuses what the services refuse ("Structure of a data collection rule", "Data collection endpoints",
"Add or delete tables and columns in Azure Monitor Logs", "Diagnostic settings in Azure Monitor",
learn.microsoft.com); the codes are the services' where known, the wording follows the documentation:
- a custom table whose name lacks `_CL`, or without a `TimeGenerated` column of type dateTime (400);
- a rule whose data flow reads a stream that is neither a `Microsoft-*` stream nor declared in its
  `streamDeclarations`, declares a stream not named `Custom-*`, sends to a destination it does not declare,
  names an endpoint or workspace that does not exist, or writes `Custom-<table>` to a workspace without that
  table (400 `InvalidPayload`, "Data collection rule is invalid", one `details` entry per finding);
- a diagnostic setting on a resource that does not exist (404), with no destination, naming a workspace that
  does not exist, a log category the resource type does not have (`Category 'X' is not supported.`), or
  sending a category to a workspace another setting of the resource already sends it to (400 `BadRequest`).
A diagnostic setting is an extension resource (`{scope}/providers/Microsoft.Insights/diagnosticSettings/{name}`,
no location, no tags, no provisioningState), so it is served here rather than by the generic store's routes.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from multicloud_ctl.engine.clock import default_clock, iso
from multicloud_ctl.local.arm.actions import ActionContext, action
from multicloud_ctl.local.jsonhttp import Response

GROUP = r"/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)/providers/"
WORKSPACE = GROUP + r"microsoft\.operationalinsights/workspaces/(?P<ws>[^/]+)"
TABLE = WORKSPACE + r"/tables/(?P<table>[^/]+)"
ENDPOINT = GROUP + r"microsoft\.insights/datacollectionendpoints/(?P<name>[^/]+)"
RULE = GROUP + r"microsoft\.insights/datacollectionrules/(?P<name>[^/]+)"
SETTING = (
    r"(?P<scope>/subscriptions/[^/]+/resourcegroups/[^/]+/providers/.+?)"
    r"/providers/microsoft\.insights/diagnosticsettings/(?P<name>[^/]+)"
)
SETTING_TYPE = "Microsoft.Insights/diagnosticSettings"
# Log categories per resource type ("Supported logs for Microsoft.Web/sites", learn.microsoft.com)
LOG_CATEGORIES = {
    "microsoft.web/sites": {
        "AppServiceAntivirusScanAuditLogs",
        "AppServiceAppLogs",
        "AppServiceAuditLogs",
        "AppServiceAuthenticationLogs",
        "AppServiceConsoleLogs",
        "AppServiceFileAuditLogs",
        "AppServiceHTTPLogs",
        "AppServiceIPSecAuditLogs",
        "AppServicePlatformLogs",
        "FunctionAppLogs",
    },
}
CATEGORY_GROUPS = {"allLogs", "audit"}
KNOWN_STREAMS = ("Microsoft-",)


def _error(status: int, code: str, message: str, details: list[str] | None = None) -> Response:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if details:
        body["error"]["details"] = [{"code": code, "message": d} for d in details]
    return Response(status, body)


def _gate(ctx: ActionContext) -> Response | None:
    """What every resource PUT passes first: the group, ARM's rules (`rules.py`) and the body's schema."""
    from multicloud_ctl.local.arm.rules import check_put
    from multicloud_ctl.local.arm.server import api_version, invalid_body

    if ctx.store.get_group(ctx.match["sub"], ctx.match["rg"]) is None:
        return _error(404, "ResourceGroupNotFound", f"Resource group '{ctx.match['rg']}' could not be found.")
    rid = ctx.request.path.rstrip("/")
    prov = rid.split("/providers/", 1)[1].split("/")
    return check_put(ctx.store, rid, prov, api_version(ctx.request)) or invalid_body(ctx.request.checked)


def _store(ctx: ActionContext, rtype: str, body: dict[str, Any], assigned: dict[str, Any]) -> Response:
    """Store the PUT's body with the read-only `assigned` properties (kept from an existing resource)."""
    from multicloud_ctl.local.arm.lro import put_answer

    rid = ctx.request.path.rstrip("/")
    existing = ctx.store.get_resource(rid)
    kept = (existing or {}).get("properties") or {}
    props = {**dict(body.get("properties") or {}), **{k: kept.get(k, v) for k, v in assigned.items()}}
    resource, created = ctx.store.put_resource(rid, rtype, {**body, "properties": props})
    return put_answer(ctx.store, ctx.base_url, ctx.match["sub"], resource, created)


@action("PUT", WORKSPACE)
def put_workspace(ctx: ActionContext) -> Response:
    refused = _gate(ctx)
    if refused is not None:
        return refused
    now = iso(default_clock().now())
    body = dict(ctx.request.body or {})
    body["properties"] = {**dict(body.get("properties") or {}), "modifiedDate": now}
    assigned = {"customerId": str(uuid.uuid4()), "createdDate": now}
    return _store(ctx, "Microsoft.OperationalInsights/workspaces", body, assigned)


@action("PUT", TABLE)
def put_table(ctx: ActionContext) -> Response:
    refused = _gate(ctx)
    if refused is not None:
        return refused
    body = dict(ctx.request.body or {})
    schema = dict((body.get("properties") or {}).get("schema") or {})
    table = ctx.match["table"]
    if schema.get("columns") is not None:
        if not table.endswith("_CL"):
            return _error(400, "InvalidParameter", f"Custom table name '{table}' must end with '_CL'.")
        columns = {str(c.get("name")): str(c.get("type")) for c in schema["columns"] if isinstance(c, dict)}
        if columns.get("TimeGenerated", "").lower() != "datetime":
            return _error(
                400, "InvalidParameter", f"Table '{table}' must have a 'TimeGenerated' column of type 'dateTime'."
            )
    return _store(ctx, "Microsoft.OperationalInsights/workspaces/tables", body, {"tableType": "CustomLog"})


@action("PUT", ENDPOINT)
def put_endpoint(ctx: ActionContext) -> Response:
    refused = _gate(ctx)
    if refused is not None:
        return refused
    # the sandbox's stand-in for https://<name>-<suffix>.<region>-1.ingest.monitor.azure.com: this fake
    assigned = {
        "immutableId": f"dce-{uuid.uuid4().hex}",
        "logsIngestion": {"endpoint": ctx.base_url},
        "configurationAccess": {"endpoint": ctx.base_url},
        "metricsIngestion": {"endpoint": ctx.base_url},
    }
    return _store(ctx, "Microsoft.Insights/dataCollectionEndpoints", dict(ctx.request.body or {}), assigned)


def rule_findings(ctx: ActionContext, props: dict[str, Any]) -> list[str]:
    """What makes a data collection rule invalid (see the module docstring); empty when it is valid."""
    found: list[str] = []
    declared = set((props.get("streamDeclarations") or {}).keys())
    found += [
        f"Stream declaration '{s}' must start with 'Custom-'." for s in sorted(declared) if not s.startswith("Custom-")
    ]
    destinations = props.get("destinations") or {}
    workspaces = {
        str(d.get("name")): str(d.get("workspaceResourceId", "")) for d in destinations.get("logAnalytics") or []
    }
    names = {str(d.get("name")) for kind in destinations.values() if isinstance(kind, list) for d in kind}
    endpoint = props.get("dataCollectionEndpointId")
    if endpoint and ctx.store.get_resource(str(endpoint)) is None:
        found.append(f"Data collection endpoint '{endpoint}' was not found.")
    for name, ws in sorted(workspaces.items()):
        if ctx.store.get_resource(ws) is None:
            found.append(f"Log Analytics workspace '{ws}' of destination '{name}' was not found.")
    for i, flow in enumerate(props.get("dataFlows") or []):
        for stream in flow.get("streams") or []:
            if not str(stream).startswith(KNOWN_STREAMS) and stream not in declared:
                found.append(f"dataFlows[{i}]: stream '{stream}' is not declared in streamDeclarations.")
        for dest in flow.get("destinations") or []:
            if dest not in names:
                found.append(f"dataFlows[{i}]: destination '{dest}' is not defined in destinations.")
        out = str(flow.get("outputStream") or "")
        if out.startswith("Custom-"):
            for target in [workspaces[d] for d in flow.get("destinations") or [] if d in workspaces]:
                if ctx.store.get_resource(target) and ctx.store.get_resource(f"{target}/tables/{out[7:]}") is None:
                    found.append(f"dataFlows[{i}]: table for output stream '{out}' is not available in '{target}'.")
    return found


@action("PUT", RULE)
def put_rule(ctx: ActionContext) -> Response:
    refused = _gate(ctx)
    if refused is not None:
        return refused
    body = dict(ctx.request.body or {})
    findings = rule_findings(ctx, dict(body.get("properties") or {}))
    if findings:
        # ARM's message is the first line; the findings are its `details` (and, here, the message's tail)
        return _error(400, "InvalidPayload", "Data collection rule is invalid: " + " ".join(findings), findings)
    assigned = {"immutableId": f"dcr-{uuid.uuid4().hex}"}
    return _store(ctx, "Microsoft.Insights/dataCollectionRules", body, assigned)


def _setting_id(ctx: ActionContext) -> str:
    return f"{ctx.match['scope']}/providers/{SETTING_TYPE}/{ctx.match['name']}"


def _setting_findings(ctx: ActionContext, scope: Any, props: dict[str, Any]) -> Response | None:
    sinks = ("workspaceId", "storageAccountId", "eventHubAuthorizationRuleId", "marketplacePartnerId")
    if not any(props.get(k) for k in sinks):
        return _error(400, "BadRequest", "At least one storage account, event hub, workspace or partner must be set.")
    ws = props.get("workspaceId")
    if ws and ctx.store.get_resource(str(ws)) is None:
        return _error(400, "BadRequest", f"The Log Analytics workspace '{ws}' could not be found.")
    known = LOG_CATEGORIES.get(str(scope["type"]).lower())
    logs = [entry for entry in props.get("logs") or [] if isinstance(entry, dict)]
    for entry in logs:
        category, group = entry.get("category"), entry.get("categoryGroup")
        if group is not None and group not in CATEGORY_GROUPS:
            return _error(400, "BadRequest", f"Category group '{group}' is not supported.")
        if group is None and (category is None or (known is not None and category not in known)):
            return _error(400, "BadRequest", f"Category '{category}' is not supported.")
    others = [
        s
        for s in ctx.store.list_resources(ctx.match["scope"], SETTING_TYPE)
        if s["id"].lower() != _setting_id(ctx).lower()
    ]
    mine = {str(e.get("category")) for e in logs if e.get("enabled")}
    for other in others:
        oprops = other.get("properties") or {}
        shared = mine & {str(e.get("category")) for e in oprops.get("logs") or [] if e.get("enabled")}
        if ws and str(oprops.get("workspaceId", "")).lower() == str(ws).lower() and shared:
            return _error(
                400,
                "BadRequest",
                f"Data sink '{ws}' is already used in diagnostic setting '{other['name']}' for category "
                f"'{sorted(shared)[0]}'. Data sinks can't be reused in different settings on the same category "
                "for the same resource.",
            )
    return None


def _setting_answer(found: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in found.items() if k in ("id", "name", "type", "properties")}
    out["properties"] = {k: v for k, v in (found.get("properties") or {}).items() if k != "provisioningState"}
    return out


@action("PUT", SETTING)
def put_setting(ctx: ActionContext) -> Response:
    from multicloud_ctl.local.arm.rules import check_version_listed, error
    from multicloud_ctl.local.arm.server import api_version, invalid_body

    refused = check_version_listed(SETTING_TYPE, api_version(ctx.request)) or invalid_body(ctx.request.checked)
    if refused is not None:
        return refused
    if not re.fullmatch(r"[^<>*%&:\\?+/]{1,260}", ctx.match["name"]):
        return error(400, "InvalidResourceName", f"The resource name '{ctx.match['name']}' is invalid.")
    scope = ctx.store.get_resource(ctx.match["scope"])
    if scope is None:
        return _error(404, "ResourceNotFound", f"The Resource '{ctx.match['scope']}' was not found.")
    props = dict((ctx.request.body or {}).get("properties") or {})
    refused = _setting_findings(ctx, scope, props)
    if refused is not None:
        return refused
    logs = [
        {"categoryGroup": None, "retentionPolicy": {"enabled": False, "days": 0}, **e} for e in props.get("logs") or []
    ]
    metrics = [{"retentionPolicy": {"enabled": False, "days": 0}, **m} for m in props.get("metrics") or []]
    stored, _ = ctx.store.put_resource(
        _setting_id(ctx), SETTING_TYPE, {"properties": {**props, "logs": logs, "metrics": metrics}}
    )
    return Response(200, _setting_answer(stored))


@action("GET", SETTING)
def get_setting(ctx: ActionContext) -> Response:
    from multicloud_ctl.local.arm.rules import check_version_listed
    from multicloud_ctl.local.arm.server import api_version

    refused = check_version_listed(SETTING_TYPE, api_version(ctx.request))
    if refused is not None:
        return refused
    found = ctx.store.get_resource(_setting_id(ctx))
    if found is None:
        return _error(404, "ResourceNotFound", f"The diagnostic setting '{ctx.match['name']}' doesn't exist.")
    return Response(200, _setting_answer(found))


@action("DELETE", SETTING)
def delete_setting(ctx: ActionContext) -> Response:
    found = ctx.store.delete_resource(_setting_id(ctx))
    return Response(200 if found else 204)
