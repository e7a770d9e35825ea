"""Request validation for the fake Cloudflare API, driven by Cloudflare's published OpenAPI document.

`schemas/cloudflare-openapi-subset.json` is a trimmed copy of `openapi.json` from
github.com/cloudflare/api-schemas (the commit is in its `info` and in `schemas/README.md`): the request
bodies of the operations `api.py` serves, the pool-health response, and the component schemas they
reach. `RequestValidator.violations(method, path, body)` checks a request body against its operation's
schema (JSON Schema 2020-12 semantics plus the `ipv4`/`ipv6` formats) and says what is wrong.

The document is used as published, except for these adjustments (made here, in code, so the vendored
file stays a faithful copy):

- OpenAPI 3.0 `nullable: true` becomes "the type also admits null" (JSON Schema has no `nullable`).
- `steering_policy`'s enum spells the empty string as the two-character string `""` (a quoting slip
  upstream; the description means an empty value, which maps to `geo` or `off`): `""` is accepted too.
- Monitors: the document requires `expected_codes` on every create, replace and patch, whatever the
  `type`; its own field description and Cloudflare's documentation say the field only applies to HTTP
  and HTTPS monitors (and later SDKs generated from the document no longer mark it required). The fake
  requires it on create and replace when the type is `http` or `https` (an absent type is `http`, the
  default), and not on a patch, which keeps the stored monitor's codes.
- DNS records: the document reuses the record (response) schema for request bodies, whose top-level
  `required` names server-assigned fields (`id`, `proxiable`, `created_on`, `modified_on`) and `content`
  even for record types that take `data`; OpenAPI says required read-only fields bind responses only. That
  list is dropped: each record type's own `required` list (`type`, `name`, `content` or `data`) applies.
- Zone settings (`PATCH /zones/{zone_id}/settings/{setting_id}`): the document gives the request body as
  `zones_setting`, a oneOf of every setting's response shape, each requiring `id` and `value`. The setting is
  named by the path, the API and the SDK send `{"value": ...}` alone, and one body would match many branches.
  So the body is checked against the branch the path names: `value` is required and must match that
  setting's own value schema (`zones_<setting>_value`); a setting the document does not list is refused.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

SUBSET = "cloudflare-openapi-subset.json"
DNS_RECORD = "dns-records_dns-record"
DNS_RESPONSE_ONLY = {"id", "proxiable", "created_on", "modified_on"}
HTTP_MONITOR_RULE = {
    "if": {"properties": {"type": {"enum": ["http", "https"]}}},
    "then": {"required": ["expected_codes"]},
}


@dataclass(frozen=True)
class Violation:
    """One way a request body breaks its schema: the field path (`origins.0.weight`) and the reason."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}" if self.field else self.reason


def load_document() -> dict[str, Any]:
    """The vendored OpenAPI subset, as published (see the module docstring for what the fake adjusts)."""
    text = resources.files("multicloud_ctl.local.edge").joinpath("schemas", SUBSET).read_text(encoding="utf-8")
    return dict(json.loads(text))


def _adapt(node: Any) -> Any:
    """OpenAPI 3.0 schema objects as JSON Schema: `nullable`, and the `""` spelling of the empty string."""
    if isinstance(node, list):
        return [_adapt(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _adapt(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    if '""' in (out.get("enum") or []):
        out["enum"] = [*out["enum"], ""]
    return out


def _monitor_body(schema: dict[str, Any], method: str) -> dict[str, Any]:
    """Replace the document's unconditional `required: [expected_codes]` with the HTTP(S)-only rule."""
    parts = schema.get("allOf") or []
    if len(parts) != 2 or parts[1] != {"required": ["expected_codes"]}:
        raise ValueError(f"unexpected monitor request schema in {SUBSET}: re-check the monitor adjustment")
    return {"allOf": [parts[0]] if method == "PATCH" else [parts[0], HTTP_MONITOR_RULE]}


def _dns_record_request(schemas: dict[str, Any]) -> None:
    """Drop the response-only top-level `required` list of the DNS record schema (see the module docstring)."""
    record = schemas[DNS_RECORD]
    if not set(record.get("required") or ()) >= DNS_RESPONSE_ONLY or "oneOf" not in record:
        raise ValueError(f"unexpected {DNS_RECORD} schema in {SUBSET}: re-check the DNS adjustment")
    del record["required"]


@dataclass(frozen=True)
class ZoneSetting:
    """One zone setting of the document: its value before anyone set it, and the PATCH body's validator."""

    default: Any
    validator: Any


def _zone_settings(components: dict[str, Any], checker: Any) -> dict[str, ZoneSetting]:
    """setting id -> ZoneSetting, from the branches of `zones_setting` (see the module docstring)."""
    from jsonschema import Draft202012Validator

    schemas = components["schemas"]
    out: dict[str, ZoneSetting] = {}
    for branch in schemas["zones_setting"]["oneOf"]:
        schema = schemas[branch["$ref"].rsplit("/", 1)[1]]
        for part in schema.get("allOf") or [schema]:
            props = part.get("properties") or {}
            ids = (props.get("id") or {}).get("enum") or []
            if len(ids) != 1 or "value" not in props:
                continue
            ref = props["value"].get("$ref", "")
            value_schema = schemas.get(ref.rsplit("/", 1)[1], {}) if ref else props["value"]
            body = {"type": "object", "required": ["value"], "properties": {"value": props["value"]}}
            out[ids[0]] = ZoneSetting(
                schema.get("default", value_schema.get("default")),  # None where the document states none
                Draft202012Validator({**body, "components": components}, format_checker=checker),
            )
    if "min_tls_version" not in out:
        raise ValueError(f"unexpected zones_setting schema in {SUBSET}: re-check the zone-settings adjustment")
    return out


class RequestValidator:
    """Validates request bodies for the operations in the vendored document."""

    def __init__(self, document: dict[str, Any] | None = None) -> None:
        from jsonschema import Draft202012Validator, FormatChecker

        doc = document if document is not None else load_document()
        components = _adapt(copy.deepcopy(doc["components"]))
        _dns_record_request(components["schemas"])
        checker = FormatChecker(formats=("ipv4", "ipv6"))
        self.info: dict[str, Any] = dict(doc.get("info") or {})
        self._routes: list[tuple[str, re.Pattern[str], str, Any]] = []
        self._settings: dict[str, ZoneSetting] = {}
        for key, op in doc["operations"].items():
            if "requestBody" not in op:
                continue
            method, template = key.split(" ", 1)
            if template.endswith("/settings/{setting_id}"):
                self._settings = _zone_settings(components, checker)
                pattern = re.compile(re.sub(r"\{[^}]+\}", "[^/]+", template))
                self._routes.append((method, pattern, op["operationId"], None))
                continue
            schema = _adapt(copy.deepcopy(op["requestBody"]["schema"]))
            if "/load_balancers/monitors" in template:
                schema = _monitor_body(schema, method)
            validator = Draft202012Validator({**schema, "components": components}, format_checker=checker)
            pattern = re.compile(re.sub(r"\{[^}]+\}", "[^/]+", template))
            self._routes.append((method, pattern, op["operationId"], validator))

    def zone_setting(self, setting: str) -> ZoneSetting | None:
        """The document's zone setting `setting` (its default and validator), None when it has no such setting."""
        return self._settings.get(setting)

    def operation(self, method: str, path: str) -> str | None:
        """The operationId that `method path` (under `/client/v4`) is, if it has a request schema."""
        route = self._route(method, path)
        return route[2] if route else None

    def _route(self, method: str, path: str) -> tuple[str, re.Pattern[str], str, Any] | None:
        return next((r for r in self._routes if r[0] == method and r[1].fullmatch(path)), None)

    def violations(self, method: str, path: str, body: Any) -> list[Violation]:
        """What is wrong with `body` for `method path` (empty when valid or when the operation has no schema)."""
        route = self._route(method, path)
        if route is None:
            return []
        if not isinstance(body, dict):
            return [Violation("", "the request body must be a JSON object")]
        validator = route[3]
        if validator is None:  # a zone setting: the branch the path names
            setting = path.rsplit("/", 1)[1]
            known = self._settings.get(setting)
            if known is None:
                return [Violation("", f"unknown zone setting {setting!r}")]
            validator = known.validator
        return [_violation(e) for e in sorted(validator.iter_errors(body), key=lambda e: list(e.path))]


def _violation(error: Any) -> Violation:
    """The most telling leaf of a (possibly `oneOf`) error: for DNS records, the branch of the record's type."""
    chosen = _branch_error(error)
    field = ".".join(str(p) for p in chosen.absolute_path)
    reason = chosen.message
    description = chosen.schema.get("description") if isinstance(chosen.schema, dict) else None
    if chosen.validator in ("oneOf", "anyOf") and description:
        reason = f"{reason} ({description})"  # "not valid under any of the given schemas" alone says little
    return Violation(field, reason)


def _branch_error(error: Any) -> Any:
    from jsonschema.exceptions import best_match

    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return error
    branches: dict[Any, list[Any]] = {}
    for sub in error.context:
        branches.setdefault(sub.schema_path[0] if sub.schema_path else None, []).append(sub)
    # The branch whose `type` discriminator matched (no error on the `type` field) is the one meant.
    meant = [errs for errs in branches.values() if not any(list(e.path) == ["type"] for e in errs)]
    if len(meant) == 1:
        return _branch_error(best_match(meant[0]))
    return error


@cache
def default_validator() -> RequestValidator:
    """One validator over the vendored document, shared by every API server in the process."""
    return RequestValidator()
