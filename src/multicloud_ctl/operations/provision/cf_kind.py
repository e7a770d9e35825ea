"""Shared helpers of the Cloudflare kinds: ownership marker, name <-> id translation, read/create/update/delete.

Cloudflare load-balancing objects carry no tags, so ownership is written into their `description`
(DNS records: `comment`) as `<logical name> | managed-by=mcctl environment=<env>`; destroy parses it back.
"""

from __future__ import annotations

from typing import Any

from multicloud_ctl.operations.provision.kind import DesiredContext, ResourceKind


def marker(ctx: DesiredContext, logical: str) -> str:
    return f"{logical} | managed-by=mcctl environment={ctx.env.name}"


def marker_tags(text: str | None) -> dict[str, str]:
    """The `k=v` tags after the `|` of a marker (empty when there is none)."""
    if not text or "|" not in text:
        return {}
    pairs = (p.split("=", 1) for p in text.split("|", 1)[1].split() if "=" in p)
    return {k: v for k, v in pairs}


def lb_hostname(ctx: DesiredContext, host: str) -> str:
    zone = ctx.env.cloudflare.zone_name
    return host if host.endswith(zone) else f"{host}.{zone}"


class CfKind(ResourceKind):
    """Base of the Cloudflare kinds."""

    provider = "cloudflare"
    collection: str = ""
    marker_field = "description"

    def cf(self, runtime: Any) -> Any:
        from multicloud_ctl.providers.cloudflare.resources import CloudflareResources

        return CloudflareResources(runtime.cloudflare)

    def find(self, runtime: Any, res: Any) -> dict[str, Any] | None:
        """The live object this resource is (matched by `match_key` in inputs)."""
        key, value = res.inputs["match"]
        return next((o for o in self.cf(runtime).items(self.collection) if o.get(key) == value), None)

    def must_find(self, runtime: Any, res: Any) -> dict[str, Any]:
        live = self.find(runtime, res)
        if live is None:
            from multicloud_ctl.errors import NotFound

            raise NotFound(f"{res.address} disappeared during apply", provider="cloudflare", operation="find")
        return live

    def body(self, runtime: Any, res: Any) -> dict[str, Any]:
        """The API body for `res` (kinds that refer to other objects by name put their ids in here)."""
        return dict(res.attrs)

    def read(self, runtime: Any, res: Any) -> dict[str, Any] | None:
        live = self.find(runtime, res)
        return None if live is None else pick(live, res.attrs)

    def create(self, runtime: Any, res: Any) -> Any:
        return {"id": self.cf(runtime).create(self.collection, self.body(runtime, res))["id"]}

    def update(self, runtime: Any, res: Any, changed: list[str]) -> Any:
        live = self.must_find(runtime, res)
        self.cf(runtime).update(self.collection, live["id"], self.body(runtime, res))
        return {"updated": changed}

    def live_tags(self, runtime: Any, res: Any) -> dict[str, str] | None:
        live = self.find(runtime, res)
        return None if live is None else marker_tags(live.get(self.marker_field))

    def delete(self, runtime: Any, res: Any) -> Any:
        live = self.find(runtime, res)
        if live:
            self.cf(runtime).delete(self.collection, live["id"])
        return {"deleted": res.address}


def pick(live: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    return {k: live.get(k) for k in wanted}
