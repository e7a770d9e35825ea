"""Fake ARM actions for function apps (Microsoft.Web/sites): app settings and slot swap (azure-mgmt-web).

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


@action("PUT", SITE + SLOT + r"/config/appsettings")
def put_settings(ctx: ActionContext) -> Response:
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
