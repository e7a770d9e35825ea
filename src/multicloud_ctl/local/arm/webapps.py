"""Fake ARM actions for function apps (Microsoft.Web/sites): the site itself, app settings and slot swap.

The site behaves as App Service does, not as its REST definition suggests:
- `PUT .../sites/{app}` with a `siteConfig` replaces the app's settings with `siteConfig.appSettings` (none
  sent = none left; a PUT with no `siteConfig` at all leaves configuration and settings alone): a site PUT is a
  full replacement and the Web RP treats appSettings as a plain property
  (Azure/azure-cli#11718, Azure/azure-quickstart-templates#8495). Whoever re-PUTs a site must send them.
- `GET .../sites/{app}` answers `siteConfig` with every value null: "SiteConfig is not part of Site API ...
  by design" (Azure/azure-powershell#14877; Azure/azure-rest-api-specs#12104). The configuration is read
  from `GET .../sites/{app}/config/web`, which answers it with `appSettings: null`.
- `PUT .../sites/{app}[/slots/{slot}]/config/appsettings` answers 200 (the SDK accepts only
  200 here, while the generic store would answer 201 on first write);
- `POST .../config/appsettings/list` returns the stored settings (ARM only lists settings through POST);
- `POST .../sites/{app}/slots/{slot}/slotsswap` swaps the slot's app settings with production's.
Used by `mcctl deploy` (WEBSITE_RUN_FROM_PACKAGE) and `mcctl deploy status`.
"""

from __future__ import annotations

from typing import Any

from multicloud_ctl.local.arm.actions import ActionContext, action
from multicloud_ctl.local.jsonhttp import Response

SITE = (
    r"/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)"
    r"/providers/microsoft\.web/sites/(?P<app>[^/]+)"
)
SLOT = r"(?:/slots/(?P<slot>[^/]+))?"
TYPE = "Microsoft.Web/sites/config"


def _site_id(ctx: ActionContext) -> str:
    m = ctx.match
    return f"/subscriptions/{m['sub']}/resourceGroups/{m['rg']}/providers/Microsoft.Web/sites/{m['app']}" + (
        f"/slots/{m['slot']}" if m.groupdict().get("slot") else ""
    )


def _settings(ctx: ActionContext, site_id: str) -> dict[str, Any]:
    found = ctx.store.get_resource(f"{site_id}/config/appsettings")
    props = dict((found or {}).get("properties") or {})
    props.pop("provisioningState", None)
    return props


def _answer(site_id: str, props: dict[str, Any]) -> Response:
    return Response(
        200, {"id": f"{site_id}/config/appsettings", "name": "appsettings", "type": TYPE, "properties": props}
    )


# the siteConfig keys a site GET names (all null); a sample of the real list, plus whatever was sent
NULLED_SITE_CONFIG = ("appSettings", "alwaysOn", "connectionStrings", "ftpsState", "http20Enabled", "linuxFxVersion")


@action("PUT", SITE + SLOT)
def put_site(ctx: ActionContext) -> Response:
    from multicloud_ctl.local.arm.lro import put_answer
    from multicloud_ctl.local.arm.rules import check_put, error
    from multicloud_ctl.local.arm.server import api_version, invalid_body

    site_id = _site_id(ctx)
    if ctx.store.get_group(ctx.match["sub"], ctx.match["rg"]) is None:
        return error(404, "ResourceGroupNotFound", f"Resource group '{ctx.match['rg']}' could not be found.")
    prov = site_id.split("/providers/", 1)[1].split("/")
    refused = check_put(ctx.store, site_id, prov, api_version(ctx.request)) or invalid_body(ctx.request.checked)
    if refused is not None:
        return refused
    body = dict(ctx.request.body or {})
    props = dict(body.get("properties") or {})
    sent = props.get("siteConfig")
    config = dict(sent or {})
    settings = config.pop("appSettings", None) or []
    if sent is None:  # no siteConfig at all: the configuration and the settings stay as they are
        known = (ctx.store.get_resource(f"{site_id}/config/web") or {}).get("properties") or {}
        config = {k: v for k, v in known.items() if k not in ("appSettings", "provisioningState")}
    props["siteConfig"] = dict.fromkeys((*NULLED_SITE_CONFIG, *config))
    site, created = ctx.store.put_resource(site_id, "Microsoft.Web/sites", {**body, "properties": props})
    ctx.store.put_resource(f"{site_id}/config/web", TYPE, {"properties": {**config, "appSettings": None}})
    if sent is not None or created:
        kept = {str(i["name"]): str(i["value"]) for i in settings if isinstance(i, dict) and "name" in i}
        ctx.store.put_resource(f"{site_id}/config/appsettings", TYPE, {"properties": kept})
    return put_answer(ctx.store, ctx.base_url, ctx.match["sub"], site, created)


@action("PUT", SITE + SLOT + r"/config/appsettings")
def put_settings(ctx: ActionContext) -> Response:
    from multicloud_ctl.local.arm.server import invalid_body

    if (refused := invalid_body(ctx.request.checked)) is not None:
        return refused
    site_id = _site_id(ctx)
    if ctx.store.get_resource(site_id) is None:
        return Response(404, {"error": {"code": "ResourceNotFound", "message": f"site {site_id} not found"}})
    props = dict((ctx.request.body or {}).get("properties") or {})
    ctx.store.put_resource(f"{site_id}/config/appsettings", TYPE, {"properties": props})
    return _answer(site_id, props)


@action("POST", SITE + SLOT + r"/config/appsettings/list")
def list_settings(ctx: ActionContext) -> Response:
    site_id = _site_id(ctx)
    if ctx.store.get_resource(site_id) is None:
        return Response(404, {"error": {"code": "ResourceNotFound", "message": f"site {site_id} not found"}})
    return _answer(site_id, _settings(ctx, site_id))


@action("POST", SITE + r"/slots/(?P<slot>[^/]+)/slotsswap")
def swap(ctx: ActionContext) -> Response:
    slot_id = _site_id(ctx)
    prod_id = slot_id.rsplit("/slots/", 1)[0]
    target = str((ctx.request.body or {}).get("targetSlot") or "production")
    if target.lower() != "production":
        return Response(400, {"error": {"code": "BadRequest", "message": "only swaps into production are served"}})
    slot_settings, prod_settings = _settings(ctx, slot_id), _settings(ctx, prod_id)
    ctx.store.put_resource(f"{prod_id}/config/appsettings", TYPE, {"properties": slot_settings})
    ctx.store.put_resource(f"{slot_id}/config/appsettings", TYPE, {"properties": prod_settings})
    return Response(200, None)
