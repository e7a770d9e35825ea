"""Vendor the parts of the Azure Resource Manager schemas that the sandbox ARM validates PUT bodies against.

    python tools/arm-schemas/vendor.py SCHEMAS_CHECKOUT COMMIT OUT_DIR
    # e.g. OUT_DIR = src/multicloud_ctl/local/arm/schemas

SCHEMAS_CHECKOUT is a checkout (or a bare git directory) of https://github.com/Azure/azure-resource-manager-schemas
at COMMIT; the files are read with `git show COMMIT:schemas/<api-version>/<file>`. For each (api-version, file)
in TARGETS the output `OUT_DIR/<api-version>/<file>` keeps the resource definitions of the listed types (keyed
by their ARM type) and every `definitions` entry they reach, as published, with these changes that turn a
deployment-template schema into a REST body schema:
- the `{"$ref": ".../common/definitions.json#/definitions/expression"}` alternatives are dropped (a template
  may put `[parameters('x')]` anywhere; a REST body is the value itself), and a `oneOf` left with one member
  is replaced by that member;
- a polymorphic type (a `oneOf` of variants, e.g. metric alert criteria) loses the `additionalProperties` the
  generator copies next to its `oneOf` (with empty `properties`) from the REST definition's open base type: in
  draft 4 it applies to the variants' own members (`odata.type`, `allOf`) and would refuse every valid body;
  the same holds for the other shape the generator writes for a discriminated type (an `allOf` of the base,
  `additionalProperties: false` with only the discriminator property, and a `oneOf` of the variants, one variant left once collapsed: Front
  Door's security policy `parameters`): the base keeps its discriminator check and loses the
  `additionalProperties`, which would refuse `wafPolicy` and `associations` on every security policy;
- the template-only members of a resource (`name`, `type`, `apiVersion`, `resources`, `dependsOn`...) go, and
  the resource's `required` keeps only body members other than `properties`: the template generator marks the
  `properties` envelope required on most types, the REST definitions do not (ARM's own example creates a
  resource group with `{"location": ...}` alone; ResourceGroup requires only `location` in the REST spec).
- description text naming the all-zeros IPv4 address (the SQL firewall's "all Azure-internal addresses" rule)
  says "the all-zeros address 0-0-0-0" instead of the dotted literal: descriptions do not validate anything,
  and the house check refuses that literal anywhere under src/ (the sandbox binds loopback only).
- an extensible enum that the template generator closed is opened again (OPEN_ENUMS): the REST definition
  marks it `x-ms-enum: {modelAsString: true}`, so the service takes values beyond the listed ones. A data
  flow's `streams` are the case: the REST API takes custom streams (`Custom-*`, declared in the rule's
  `streamDeclarations`; Azure Monitor's "Logs Ingestion API" documentation sends them), and Bicep's types
  generated from the same REST definition read `('Microsoft-Event' | ... | string)[]`; the template schema
  lists only the five Microsoft streams and would refuse every such rule.
A `Microsoft.Web/sites/config`-style definition that is a `oneOf` over config names keeps the variants named
in CONFIG_NAMES, keyed `<type>#<name>`.
It also writes `OUT_DIR/api-versions.json`: per type, the vendored api-versions plus those mcctl sends
without a vendored schema (USED_WITHOUT_SCHEMA), newest first.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

TARGETS: dict[tuple[str, str], list[str]] = {
    ("2025-04-01", "Microsoft.Resources.json"): ["Microsoft.Resources/resourceGroups"],
    ("2023-05-01", "Microsoft.Storage.json"): [
        "Microsoft.Storage/storageAccounts",
        "Microsoft.Storage/storageAccounts/blobServices",
        "Microsoft.Storage/storageAccounts/blobServices/containers",
        "Microsoft.Storage/storageAccounts/managementPolicies",
    ],
    ("2024-01-01", "Microsoft.ServiceBus.json"): [
        "Microsoft.ServiceBus/namespaces",
        "Microsoft.ServiceBus/namespaces/queues",
        "Microsoft.ServiceBus/namespaces/topics",
        "Microsoft.ServiceBus/namespaces/topics/subscriptions",
        "Microsoft.ServiceBus/namespaces/disasterRecoveryConfigs",
    ],
    ("2021-11-01", "Microsoft.Sql.json"): [
        "Microsoft.Sql/servers",
        "Microsoft.Sql/servers/databases",
        "Microsoft.Sql/servers/firewallRules",
        "Microsoft.Sql/servers/databases/transparentDataEncryption",
        "Microsoft.Sql/servers/failoverGroups",
    ],
    ("2023-05-01", "Microsoft.Cdn.json"): [
        "Microsoft.Cdn/profiles",
        "Microsoft.Cdn/profiles/afdEndpoints",
        "Microsoft.Cdn/profiles/afdEndpoints/routes",
        "Microsoft.Cdn/profiles/originGroups",
        "Microsoft.Cdn/profiles/originGroups/origins",
        "Microsoft.Cdn/profiles/securityPolicies",
    ],
    ("2023-12-01", "Microsoft.Web.json"): [
        "Microsoft.Web/serverfarms",
        "Microsoft.Web/sites",
        "Microsoft.Web/sites/config",
    ],
    ("2023-09-01", "Microsoft.Network.NRP.json"): [
        "Microsoft.Network/virtualNetworks",
        "Microsoft.Network/publicIPAddresses",
        "Microsoft.Network/virtualNetworkGateways",
        "Microsoft.Network/localNetworkGateways",
        "Microsoft.Network/connections",
        "Microsoft.Network/privateEndpoints",
        "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
    ],
    ("2024-06-01", "Microsoft.Network.privateDns.json"): [
        "Microsoft.Network/privateDnsZones",
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
    ],
    ("2018-03-01", "Microsoft.Insights.json"): ["Microsoft.Insights/metricAlerts"],
    ("2022-04-01", "Microsoft.Authorization.json"): ["Microsoft.Authorization/roleAssignments"],
    ("2022-10-01", "Microsoft.OperationalInsights.json"): [
        "Microsoft.OperationalInsights/workspaces",
        "Microsoft.OperationalInsights/workspaces/tables",
    ],
    ("2023-03-11", "Microsoft.Insights.json"): [
        "Microsoft.Insights/dataCollectionEndpoints",
        "Microsoft.Insights/dataCollectionRules",
    ],
    # an extension resource (on the function apps): checked whatever it is attached to, like role assignments
    ("2021-05-01-preview", "Microsoft.Insights.json"): ["Microsoft.Insights/diagnosticSettings"],
    ("2023-07-01", "Microsoft.KeyVault.json"): ["Microsoft.KeyVault/vaults"],
    ("2024-02-01", "Microsoft.Network.FrontDoor.json"): ["Microsoft.Network/FrontDoorWebApplicationFirewallPolicies"],
    ("2024-11-01", "Microsoft.Cache.json"): ["Microsoft.Cache/redis"],
}
CONFIG_NAMES = ("appsettings", "web")
# definition -> array properties whose item enum is extensible in the REST definition (see the docstring)
OPEN_ENUMS: dict[str, list[str]] = {"DataFlow": ["streams"]}
# api-versions mcctl sends (the azure-mgmt SDKs' defaults) for which the schemas repo publishes no schema file
USED_WITHOUT_SCHEMA: dict[str, list[str]] = {
    "Microsoft.Web/sites": ["2025-05-01"],
    "Microsoft.Web/sites/config": ["2025-05-01"],
    # slots take the site's bodies (local/arm/bodies.py SAME_BODY), so they are checked at the sites' versions
    "Microsoft.Web/sites/slots": ["2025-05-01", "2023-12-01"],
    "Microsoft.Web/sites/slots/config": ["2025-05-01", "2023-12-01"],
}
EXPRESSION = "https://schema.management.azure.com/schemas/common/definitions.json#/definitions/expression"
TEMPLATE_ONLY = {"name", "type", "apiVersion", "resources", "dependsOn", "scope", "comments", "condition", "copy"}
_LOCAL_REF = re.compile(r"^#/definitions/(.+)$")


def strip_expressions(node: Any) -> Any:
    """The node with expression alternatives removed and one-member `oneOf`s collapsed."""
    if isinstance(node, list):
        return [strip_expressions(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: strip_expressions(v) for k, v in node.items()}
    if "oneOf" in out and "additionalProperties" in out and not out.get("properties"):
        del out["additionalProperties"]
    if isinstance(out.get("allOf"), list) and any(
        isinstance(m, dict) and ("oneOf" in m or "allOf" in m) for m in out["allOf"]
    ):
        out["allOf"] = [_open_base(m) for m in out["allOf"]]
    if "oneOf" in out:
        members = [m for m in out["oneOf"] if not (isinstance(m, dict) and m.get("$ref") == EXPRESSION)]
        if len(members) == 1:
            del out["oneOf"]
            merged = dict(members[0])
            if "description" in out and "description" not in merged and "$ref" not in merged:
                merged["description"] = out["description"]
            rest = {k: v for k, v in out.items() if k != "description"}
            return {**rest, **merged} if "$ref" not in merged else {**merged}
        out["oneOf"] = members
    return out


def _open_base(member: Any) -> Any:
    """A discriminated type's base member without the `additionalProperties: false` (see the docstring)."""
    if isinstance(member, dict) and member.get("additionalProperties") is False and "oneOf" not in member:
        return {k: v for k, v in member.items() if k != "additionalProperties"}
    return member


def body_schema(definition: dict[str, Any]) -> dict[str, Any]:
    """A resource definition without its template-only members."""
    out = dict(definition)
    out["properties"] = {k: v for k, v in definition.get("properties", {}).items() if k not in TEMPLATE_ONLY}
    required = [r for r in definition.get("required", []) if r not in TEMPLATE_ONLY and r != "properties"]
    if required:
        out["required"] = required
    else:
        out.pop("required", None)
    return out


def refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and (m := _LOCAL_REF.match(ref)):
            found.add(m.group(1))
        for v in node.values():
            found |= refs(v)
    elif isinstance(node, list):
        for v in node:
            found |= refs(v)
    return found


def resource_definitions(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every resource definition of a schema file (any scope), keyed by the ARM type it describes."""
    out: dict[str, dict[str, Any]] = {}
    for key in ("resourceDefinitions", "subscription_resourceDefinitions"):
        for definition in doc.get(key, {}).values():
            variants = definition.get("oneOf", [definition])
            for variant in variants:
                rtype = (variant.get("properties", {}).get("type", {}).get("enum") or [definition.get("description")])[
                    0
                ]
                name = variant.get("properties", {}).get("name", {})
                pattern = name.get("pattern") or next(
                    (m.get("pattern") for m in name.get("oneOf", []) if "pattern" in m), None
                )
                if "oneOf" in definition:
                    config = (pattern or "").removeprefix("^.*/").removesuffix("$")
                    if config in CONFIG_NAMES:
                        out[f"{definition['description']}#{config}"] = variant
                elif rtype:
                    out[rtype] = variant
    return out


ALL_ZEROS = ".".join("0" * 4)  # built, not written: see the docstring


def reword(node: Any) -> Any:
    """Every `description` that names the all-zeros address, reworded (see the module docstring)."""
    if isinstance(node, dict):
        return {
            k: v.replace(f"'{ALL_ZEROS}'", "the all-zeros address 0-0-0-0").replace(ALL_ZEROS, "0-0-0-0")
            if k == "description" and isinstance(v, str)
            else reword(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [reword(v) for v in node]
    return node


def open_enums(definitions: dict[str, Any]) -> dict[str, Any]:
    """`definitions` with the OPEN_ENUMS item enums turned into any string (known values kept in the text)."""
    out = dict(definitions)
    for name, props in OPEN_ENUMS.items():
        if name not in out:
            continue
        definition = json.loads(json.dumps(out[name]))
        for prop in props:
            items = definition["properties"][prop]["items"]
            known = ", ".join(items.pop("enum"))
            items["description"] = f"An extensible enum: any string; the known values are {known}."
        out[name] = definition
    return out


def trim(doc: dict[str, Any], types: list[str]) -> dict[str, Any]:
    found = resource_definitions(doc)
    chosen = {k: body_schema(strip_expressions(v)) for k, v in found.items() if k.split("#")[0] in types}
    missing = set(types) - {k.split("#")[0] for k in chosen}
    if missing:
        raise SystemExit(f"not in the schema file: {sorted(missing)}")
    definitions: dict[str, Any] = {}
    todo = set().union(*(refs(v) for v in chosen.values()))
    while todo:
        name = todo.pop()
        if name in definitions:
            continue
        definitions[name] = strip_expressions(doc["definitions"][name])
        todo |= refs(definitions[name]) - set(definitions)
    return {
        "id": doc["id"],
        "title": doc.get("title"),
        "$schema": doc["$schema"],
        "resourceDefinitions": dict(sorted(chosen.items())),
        "definitions": dict(sorted(open_enums(definitions).items())),
    }


def main(argv: list[str]) -> None:
    checkout, commit, out_dir = argv[1], argv[2], Path(argv[3])
    versions: dict[str, set[str]] = {}
    for (api, name), types in TARGETS.items():
        raw = subprocess.check_output(["git", "-C", checkout, "show", f"{commit}:schemas/{api}/{name}"])
        trimmed = reword(trim(json.loads(raw), types))
        target = out_dir / api / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(trimmed, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        for rtype in types:
            versions.setdefault(rtype, set()).add(api)
    for rtype, extra in USED_WITHOUT_SCHEMA.items():
        versions.setdefault(rtype, set()).update(extra)
    listing = {t: sorted(v, reverse=True) for t, v in sorted(versions.items())}
    (out_dir / "api-versions.json").write_text(json.dumps(listing, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv)
