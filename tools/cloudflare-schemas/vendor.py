"""Vendor the parts of Cloudflare's published OpenAPI document that the sandbox edge serves.

    python tools/cloudflare-schemas/vendor.py OPENAPI_JSON COMMIT COMMIT_DATE > \
        src/multicloud_ctl/local/edge/schemas/cloudflare-openapi-subset.json

OPENAPI_JSON is `openapi.json` of https://github.com/cloudflare/api-schemas at COMMIT. The output keeps,
for each operation `local/edge/api.py` implements, the request body schema (and, for pool health, the
200 response with its example), plus every `components.schemas` entry those reach. Upstream text is kept
as published except that `example`s (other than the pool-health one) and `x-*` extensions are dropped;
the adjustments the fake makes (OpenAPI 3.0 `nullable`, and so on) live in `local/edge/openapi.py`.
"""

from __future__ import annotations

import json
import sys
from typing import Any

OPERATIONS = [
    ("POST", "/accounts/{account_id}/load_balancers/monitors"),
    ("PUT", "/accounts/{account_id}/load_balancers/monitors/{monitor_id}"),
    ("PATCH", "/accounts/{account_id}/load_balancers/monitors/{monitor_id}"),
    ("POST", "/accounts/{account_id}/load_balancers/pools"),
    ("PUT", "/accounts/{account_id}/load_balancers/pools/{pool_id}"),
    ("PATCH", "/accounts/{account_id}/load_balancers/pools/{pool_id}"),
    ("GET", "/accounts/{account_id}/load_balancers/pools/{pool_id}/health"),
    ("POST", "/zones/{zone_id}/load_balancers"),
    ("PUT", "/zones/{zone_id}/load_balancers/{load_balancer_id}"),
    ("PATCH", "/zones/{zone_id}/load_balancers/{load_balancer_id}"),
    ("POST", "/zones/{zone_id}/dns_records"),
    ("PUT", "/zones/{zone_id}/dns_records/{dns_record_id}"),
    ("PATCH", "/zones/{zone_id}/dns_records/{dns_record_id}"),
    ("POST", "/accounts/{account_id}/d1/database"),
    ("POST", "/accounts/{account_id}/d1/database/{database_id}/query"),
    ("PATCH", "/zones/{zone_id}/settings/{setting_id}"),
]
REF = "#/components/schemas/"


def trim(node: Any, *, keep_example: bool = False) -> Any:
    if isinstance(node, dict):
        return {
            k: trim(v, keep_example=keep_example)
            for k, v in node.items()
            if not k.startswith("x-") and (keep_example or k != "example")
        }
    if isinstance(node, list):
        return [trim(v, keep_example=keep_example) for v in node]
    return node


def refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"][len(REF) :]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(refs(v) for v in node))
    return set()


def main(path: str, commit: str, date: str) -> None:
    with open(path, encoding="utf-8") as fh:
        spec = json.load(fh)
    schemas = spec["components"]["schemas"]
    operations: dict[str, Any] = {}
    for method, route in OPERATIONS:
        op = spec["paths"][route][method.lower()]
        entry: dict[str, Any] = {"operationId": op["operationId"], "summary": op.get("summary", "")}
        if method == "GET":
            entry["response"] = trim(op["responses"]["200"]["content"]["application/json"]["schema"])
        else:
            body = op["requestBody"]
            entry["requestBody"] = {
                "required": bool(body.get("required")),
                "schema": trim(body["content"]["application/json"]["schema"]),
            }
        operations[f"{method} {route}"] = entry
    wanted, todo = set(), refs(operations)
    while todo:
        name = todo.pop()
        wanted.add(name)
        keep = name == "load-balancing_health_details"
        todo |= refs(trim(schemas[name], keep_example=keep)) - wanted
    out = {
        "info": {
            "title": "Cloudflare API: the load-balancing, DNS, D1 and zone-settings operations the mcctl sandbox edge "
            "serves",
            "source": "https://github.com/cloudflare/api-schemas (openapi.json)",
            "commit": commit,
            "commit_date": date,
            "upstream_openapi": spec["openapi"],
            "upstream_version": spec["info"].get("version", ""),
            "license": "BSD-3-Clause, Copyright (c) 2022, Cloudflare (see LICENSE.txt beside this file)",
        },
        "operations": operations,
        "components": {
            "schemas": {n: trim(schemas[n], keep_example=n == "load-balancing_health_details") for n in sorted(wanted)}
        },
    }
    json.dump(out, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
