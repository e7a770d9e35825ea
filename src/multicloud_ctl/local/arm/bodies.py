"""What a PUT/PATCH body must look like: the published ARM schemas of the resource types mcctl writes.

`schemas/<api-version>/<Provider>.json` are trimmed copies of Azure/azure-resource-manager-schemas (the JSON
schemas ARM generates from Azure/azure-rest-api-specs; see `schemas/README.md` for the paths and the commit,
`tools/arm-schemas/vendor.py` for how they are cut), and `schemas/api-versions.json` lists, per type, the
api-versions the fake accepts: the vendored ones plus those our SDKs send without a published schema.

`check_body` answers a `Checked` for every write: `operation` reads `Microsoft.Storage/storageAccounts@2023-05-01`,
or `... (no schema)` when no vendored schema covers that type and api-version (recorded, never silently
passed as checked); `violations` are `path: message` lines from Draft 4 validation (the schemas' dialect).
A PATCH is validated without the top-level `required` list: it sends only what changes.
`supported_versions` answers ARM's "supported api-versions" for a type, or None when the fake has no list.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from multicloud_ctl.local.jsonhttp import Checked

SCHEMAS = Path(__file__).with_name("schemas")
DRAFT4 = "http://json-schema.org/draft-04/schema#"
CONFIG_TYPES = {"microsoft.web/sites/config", "microsoft.web/sites/slots/config"}
# Types whose bodies are another type's: in the REST spec (specification/web/resource-manager/Microsoft.Web/
# stable/2023-12-01/WebApps.json) WebApps_CreateOrUpdateSlot takes the same `Site` envelope as
# WebApps_CreateOrUpdate, and the slot config operations the same bodies as the site's (StringDictionary for
# appsettings, SiteConfigResource for web); the deployment schemas have no separate slot definitions we vendor.
SAME_BODY = {
    "microsoft.web/sites/slots": "microsoft.web/sites",
    "microsoft.web/sites/slots/config": "microsoft.web/sites/config",
}


@cache
def _catalog() -> dict[tuple[str, str], tuple[str, str]]:
    """(type lower-case [#config], api-version) -> (schema file, resource definition key)."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for path in sorted(SCHEMAS.glob("*/*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for key in doc["resourceDefinitions"]:
            out[(key.lower(), path.parent.name)] = (str(path), key)
    return out


@cache
def _api_versions() -> dict[str, tuple[str, ...]]:
    listing = json.loads((SCHEMAS / "api-versions.json").read_text(encoding="utf-8"))
    return {rtype.lower(): tuple(versions) for rtype, versions in listing.items()}


@cache
def _validator(path: str, key: str, partial: bool) -> Any:
    from jsonschema import Draft4Validator

    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    schema = {"$schema": DRAFT4, **doc["resourceDefinitions"][key], "definitions": doc["definitions"]}
    if partial:
        schema.pop("required", None)
    return Draft4Validator(schema)


def supported_versions(rtype: str) -> tuple[str, ...] | None:
    """The api-versions the fake serves for `rtype` (newest first), or None when it keeps no list for it."""
    return _api_versions().get(rtype.lower())


def _key(rtype: str, name: str) -> str:
    # Microsoft.Web/sites/config is one type whose body depends on the config's name (appsettings, web...)
    base = SAME_BODY.get(rtype.lower(), rtype.lower())
    return f"{base}#{name}".lower() if rtype.lower() in CONFIG_TYPES else base


def check_body(method: str, rtype: str, name: str, api_version: str, body: Any) -> Checked:
    """Validate a PUT/PATCH body of `rtype` at `api_version` against the vendored schema (see the docstring)."""
    operation = f"{rtype}@{api_version}"
    found = _catalog().get((_key(rtype, name), api_version))
    if found is None:
        return Checked(operation=f"{operation} (no schema)")
    if body is None:
        body = {}
    validator = _validator(found[0], found[1], method == "PATCH")
    violations = []
    for err in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path)):
        where = ".".join(str(p) for p in err.absolute_path) or "(body)"
        violations.append(f"{where}: {_short(err)}")
    return Checked(operation=operation, violations=tuple(violations))


def _short(err: Any) -> str:
    """jsonschema's message, without a page-long repr of the instance for `oneOf`/`anyOf` failures."""
    if err.validator in ("oneOf", "anyOf") and err.context:
        best = min(err.context, key=lambda e: len(list(e.absolute_path)) * -1)
        return str(best.message)
    return str(err.message)
