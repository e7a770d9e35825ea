"""Cloudflare objects as plain JSON for provision: monitors, pools, load balancers, DNS records, the
zone's rate-limiting ruleset and zone settings. Uses the guarded SDK of `client.CloudflareClient` (same dry-run guard,
retries and error mapping); provision needs every field (descriptions, region pools, comments), so it
reads and writes the API's JSON rather than the typed models the failover code uses.

Rulesets: `rulesets.phases.get|update("http_ratelimit", zone_id=...)` is the real API call; the sandbox
edge (`local/edge`) does not serve `/rulesets`, so there it answers 404 and reads as "no rules".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from multicloud_ctl.errors import NotFound
from multicloud_ctl.providers.cloudflare.client import MONITOR_SDK_FIELDS, cloudflare_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.cloudflare.client import CloudflareClient

RATELIMIT_PHASE: Literal["http_ratelimit"] = "http_ratelimit"


# Body fields the SDK renames because they clash with its own keyword arguments (`timeout` is the request
# timeout in every SDK method; the monitor's probe timeout goes as `load_balancer_monitor_timeout`).
SDK_FIELD_NAMES = {"monitors": MONITOR_SDK_FIELDS}


def _sdk_body(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    renames = SDK_FIELD_NAMES.get(kind, {})
    return {renames.get(k, k): v for k, v in body.items()}


def _json(obj: Any) -> dict[str, Any]:
    if hasattr(obj, "to_dict"):
        return dict(obj.to_dict())
    if hasattr(obj, "model_dump"):
        return dict(obj.model_dump(exclude_none=True))
    return dict(obj)


@dataclass
class CloudflareResources:
    """List/create/update/delete of the load-balancing and DNS objects, as JSON."""

    client: CloudflareClient

    def _api(self, kind: str) -> tuple[Any, dict[str, str]]:
        sdk = self.client.sdk
        account = {"account_id": self.client.account_id}
        zone = {"zone_id": self.client.zone_id}
        return {
            "monitors": (sdk.load_balancers.monitors, account),
            "pools": (sdk.load_balancers.pools, account),
            "load_balancers": (sdk.load_balancers, zone),
            "dns_records": (sdk.dns.records, zone),
        }[kind]

    def items(self, kind: str) -> list[dict[str, Any]]:
        """The whole collection, listed once per run (`ListingCache`): provision reads every resource of a
        kind from it, and 104 resources each listing their collection cost a list call apiece."""
        cache = self.client.listings
        with cache.single_flight(kind):
            cached, generation = cache.get(kind)
            if cached is not None:
                return [dict(item) for item in cached]
            api, scope = self._api(kind)
            with cloudflare_errors(f"list {kind}"):
                listed = [_json(item) for item in api.list(**scope)]
            cache.put(kind, listed, generation)
        return [dict(item) for item in listed]

    def create(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        api, scope = self._api(kind)
        try:
            with cloudflare_errors(f"create {kind[:-1]} {body.get('name') or body.get('description', '')}"):
                return _json(api.create(**scope, **_sdk_body(kind, body)))
        finally:
            self.client.listings.invalidate(kind)

    def update(self, kind: str, item_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """PATCH only the fields provision owns (`edit`): fields others set (the failover's session
        affinity, for one) survive."""
        api, scope = self._api(kind)
        try:
            with cloudflare_errors(f"update {kind[:-1]} {item_id}"):
                return _json(api.edit(item_id, **scope, **_sdk_body(kind, body)))
        finally:
            self.client.listings.invalidate(kind)

    def delete(self, kind: str, item_id: str) -> None:
        api, scope = self._api(kind)
        try:
            with cloudflare_errors(f"delete {kind[:-1]} {item_id}"):
                api.delete(item_id, **scope)
        except NotFound:
            return
        finally:
            self.client.listings.invalidate(kind)

    # ---- the zone's rate-limiting phase ruleset ---------------------------------------------------
    def ratelimit_rules(self) -> list[dict[str, Any]] | None:
        """The rules of the zone's `http_ratelimit` entrypoint ruleset; None when it does not exist."""
        try:
            with cloudflare_errors("get http_ratelimit ruleset"):
                ruleset = self.client.sdk.rulesets.phases.get(RATELIMIT_PHASE, zone_id=self.client.zone_id)
        except NotFound:
            return None
        return [_json(r) for r in (getattr(ruleset, "rules", None) or [])]

    def put_ratelimit_rules(self, rules: list[dict[str, Any]]) -> None:
        """Replace the rules of the zone's `http_ratelimit` entrypoint ruleset."""
        with cloudflare_errors("update http_ratelimit ruleset"):
            self.client.sdk.rulesets.phases.update(RATELIMIT_PHASE, zone_id=self.client.zone_id, rules=rules)  # type: ignore[arg-type]

    # ---- zone settings (GET / PATCH /zones/{zone_id}/settings/{setting_id}) ------------------------------
    def setting(self, setting_id: str) -> Any:
        """The zone setting's current value (None when the zone does not have it)."""
        try:
            with cloudflare_errors(f"get zone setting {setting_id}"):
                got = self.client.sdk.zones.settings.get(setting_id, zone_id=self.client.zone_id)
        except NotFound:
            return None
        return None if got is None else _json(got).get("value")

    def set_setting(self, setting_id: str, value: Any) -> None:
        """PATCH one zone setting with `{"value": value}` (the setting is named by the path)."""
        with cloudflare_errors(f"edit zone setting {setting_id}"):
            self.client.sdk.zones.settings.edit(setting_id, zone_id=self.client.zone_id, value=value)
