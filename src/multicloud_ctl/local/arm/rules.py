"""What ARM refuses before a resource provider sees a PUT, so the sandbox refuses it too.

- A malformed `api-version` is 400 `InvalidApiVersionParameter`; a well-formed one dated after today (on the
  sandbox clock) cannot be a published version: 400 `NoRegisteredProviderFound`, as ARM answers for a version the
  provider does not register; so is a version missing from the type's list in `schemas/api-versions.json` (the
  vendored versions plus those our SDKs send; a type with no list there is only date-checked).
- A resource namespace ARM does not know is 400 `InvalidResourceNamespace`; the fake knows the providers mcctl
  and its tests use.
- A child whose parent does not exist is 404 `ParentResourceNotFound` ("Can not perform requested operation on
  nested resource. Parent resource '...' not found."). Singleton sub-resources that exist with their parent
  (`blobServices/default`, `config/web`, `transparentDataEncryption/current`...) count as existing.
- Names break the type's naming rule: "Naming rules and restrictions for Azure resources" (Microsoft Learn,
  azure-resource-manager/management/resource-name-rules): storage accounts 3-24 lower-case letters and digits
  (`AccountNameInvalid`), Service Bus namespaces 6-50, SQL servers 1-63 lower-case, sites 2-60, key vaults 3-24,
  Log Analytics workspaces 4-63, Front Door WAF policies 1-128 letters and digits, Azure Cache for Redis 1-63
  (no consecutive hyphens);
  and no name may contain `<>%&:\\?/` or end with a period or a space (`InvalidResourceName`).
"""

from __future__ import annotations

import re
from typing import Any

from multicloud_ctl.engine.clock import default_clock
from multicloud_ctl.local.jsonhttp import Response

KNOWN_NAMESPACES = {
    "microsoft.authorization",
    "microsoft.cache",
    "microsoft.cdn",
    "microsoft.costmanagement",
    "microsoft.insights",
    "microsoft.keyvault",
    "microsoft.managedidentity",
    "microsoft.network",
    "microsoft.operationalinsights",
    "microsoft.resources",
    "microsoft.servicebus",
    "microsoft.sql",
    "microsoft.storage",
    "microsoft.web",
}
IMPLICIT_SINGLETONS = {"default", "current", "web", "appsettings", "connectionstrings", "logs"}
_API_VERSION = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(-(preview|privatepreview|alpha|beta))?$", re.IGNORECASE)
_FORBIDDEN = re.compile(r"[<>%&:\\?/]")

# type (lower case) -> (pattern, rule text, error code)
NAME_RULES: dict[str, tuple[re.Pattern[str], str, str]] = {
    "microsoft.storage/storageaccounts": (
        re.compile(r"^[a-z0-9]{3,24}$"),
        "Storage account name must be between 3 and 24 characters in length and use numbers and lower-case "
        "letters only.",
        "AccountNameInvalid",
    ),
    "microsoft.servicebus/namespaces": (
        re.compile(r"^[A-Za-z][A-Za-z0-9-]{4,48}[A-Za-z0-9]$"),
        "The namespace name can contain only letters, numbers, and hyphens, must start with a letter, end with a "
        "letter or number, and be between 6 and 50 characters long.",
        "InvalidResourceName",
    ),
    "microsoft.sql/servers": (
        re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"),
        "Server names can contain only lower-case letters, numbers and '-', cannot start or end with '-', and "
        "can be at most 63 characters long.",
        "InvalidResourceName",
    ),
    "microsoft.web/sites": (
        re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,58}[A-Za-z0-9])$"),
        "Site names must be 2 to 60 characters of letters, numbers and hyphens, not starting or ending with a hyphen.",
        "InvalidResourceName",
    ),
    "microsoft.operationalinsights/workspaces": (
        re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$"),
        "Workspace names must be 4 to 63 characters of letters, numbers and hyphens, and start and end with a "
        "letter or number.",
        "InvalidResourceName",
    ),
    # "Naming rules and restrictions": Front Door WAF policies 1-128 letters or digits, starting with a letter
    "microsoft.network/frontdoorwebapplicationfirewallpolicies": (
        re.compile(r"^[A-Za-z][A-Za-z0-9]{0,127}$"),
        "Front Door WAF policy names must be 1 to 128 letters or digits and start with a letter.",
        "InvalidResourceName",
    ),
    "microsoft.keyvault/vaults": (
        re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{1,22}[A-Za-z0-9]$"),
        "Vault names must be 3 to 24 characters of letters, numbers and hyphens, start with a letter, end with a "
        "letter or digit, and not contain consecutive hyphens.",
        "VaultNameNotValid",
    ),
    "microsoft.cache/redis": (
        re.compile(r"^[A-Za-z0-9](?!.*--)[A-Za-z0-9-]{0,61}[A-Za-z0-9]$|^[A-Za-z0-9]$"),
        "Cache names must be 1 to 63 characters of letters, numbers and hyphens, start and end with a letter or "
        "number, and not contain consecutive hyphens.",
        "InvalidResourceName",
    ),
}


def error(status: int, code: str, message: str) -> Response:
    return Response(status, {"error": {"code": code, "message": message}})


def check_api_version(value: str, rtype: str) -> Response | None:
    """None when `value` could be a published api-version of `rtype`, else ARM's refusal."""
    m = _API_VERSION.match(value)
    if m is None:
        return error(400, "InvalidApiVersionParameter", f"The api-version '{value}' is invalid.")
    stamp = f"{m[1]}-{m[2]}-{m[3]}"
    if stamp > default_clock().today().isoformat():
        return error(
            400,
            "NoRegisteredProviderFound",
            f"No registered resource provider found for API version '{value}' for type '{rtype}'.",
        )
    return None


def check_put(store: Any, rid: str, prov: list[str], api_version: str) -> Response | None:
    """None when ARM would pass a PUT of `rid` (`prov` = [namespace, type, name, child-type, child...]) on."""
    namespace = prov[0]
    if namespace.lower() not in KNOWN_NAMESPACES:
        return error(400, "InvalidResourceNamespace", f"The resource namespace '{namespace}' is invalid.")
    rtype = "/".join([namespace, *prov[1::2]])
    refused = check_api_version(api_version, rtype) or check_version_listed(rtype, api_version)
    if refused is not None:
        return refused
    name = prov[-1]
    if _FORBIDDEN.search(name) or name.endswith((".", " ")):
        return error(400, "InvalidResourceName", f"The resource name '{name}' is invalid.")
    rule = NAME_RULES.get(rtype.lower())
    if rule is not None and not rule[0].match(name):
        return error(400, rule[2], f"'{name}' is not a valid name for {rtype}. {rule[1]}")
    if len(prov) > 3 and not _exists(store, rid.rsplit("/", 2)[0]):
        parent = rid.rsplit("/", 2)[0]
        return error(
            404,
            "ParentResourceNotFound",
            f"Can not perform requested operation on nested resource. Parent resource '{parent}' not found.",
        )
    return None


def _exists(store: Any, rid: str) -> bool:
    if store.get_resource(rid) is not None:
        return True
    parent, _, name = rid.rsplit("/", 2)
    if name.lower() in IMPLICIT_SINGLETONS and "/providers/" in parent and parent.count("/") > 6:
        return _exists(store, parent)
    return False


def check_version_listed(rtype: str, api_version: str) -> Response | None:
    """ARM's refusal of an api-version the provider does not publish for `rtype` (None: listed, or no list kept).

    Worded as ARM words it (seen in Azure/azure-cli#7075, Azure/azure-powershell#14395): "No registered resource
    provider found for location '...' and API version '...' for type '...'. The supported api-versions are
    '...'." The fake keeps no location lists, so the location and the supported locations are not named.
    """
    from multicloud_ctl.local.arm.bodies import supported_versions

    listed = supported_versions(rtype)
    if listed is None or api_version in listed:
        return None
    short = rtype.split("/", 1)[1] if "/" in rtype else rtype
    return error(
        400,
        "NoRegisteredProviderFound",
        f"No registered resource provider found for API version '{api_version}' for type '{short}'. "
        f"The supported api-versions are '{', '.join(listed)}'.",
    )
