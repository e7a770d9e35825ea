"""Reads the sandbox fakes' conformance records (see `multicloud_ctl.local.jsonhttp`) and says what is wrong.

A record is one request a fake received: method, path, the operation or resource type its body was checked
against (None: nothing checked it), the violations found and the status answered. `problems(records,
validated)` lists every violation, and every mutating request to a `validated` service that nothing checked:
a request the clouds would judge but our fake let through unexamined is as bad as a violation, because
the sandbox then proves nothing about it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MUTATING = ("POST", "PUT", "PATCH")


def read_log(directory: Path) -> list[dict[str, Any]]:
    """Every record the fakes of a sandbox run appended under `directory` (MCCTL_CONFORMANCE_LOG)."""
    records: list[dict[str, Any]] = []
    for path in sorted(directory.glob("*.jsonl")):
        records += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return records


# What must have been checked, per fake: the methods and the path prefix of the requests whose bodies the
# published definitions describe (Cloudflare: every body under /client/v4; ARM: resource PUT/PATCH bodies).
VALIDATED: dict[str, tuple[tuple[str, ...], str]] = {
    "mcctl-edge-api": (MUTATING, "/client/v4/"),
    "mcctl-arm": (("PUT", "PATCH"), "/subscriptions/"),
    "mcctl-streams-fake": (("POST",), "/"),  # every call, checked against botocore's published models
}
# Writes no published schema describes (the fake records them as "<type>@<version> (no schema)"), each with why.
# Anything else recorded that way fails the check: vendor its schema (tools/arm-schemas/vendor.py).
KNOWN_UNSCHEMED: dict[str, str] = {}
NO_SCHEMA = " (no schema)"


def problems(
    records: list[dict[str, Any]], validated: dict[str, tuple[tuple[str, ...], str]] | None = None
) -> list[str]:
    """Violations, and requests that `validated` says must have been checked but were not."""
    rules = VALIDATED if validated is None else validated
    found = []
    for r in records:
        where = f"{r['service']} {r['method']} {r['path']}"
        if r["violations"]:
            found.append(f"{where} ({r['operation']}) -> {r['status']}: {'; '.join(r['violations'])}")
        methods, prefix = rules.get(r["service"], ((), ""))
        if r["method"] not in methods or not r["path"].startswith(prefix):
            continue
        operation = r["operation"] or ""
        unschemed = operation.endswith(NO_SCHEMA) and operation[: -len(NO_SCHEMA)] not in KNOWN_UNSCHEMED
        if not operation or unschemed:
            found.append(f"{where} ({operation or '-'}) -> {r['status']}: no published schema checked this request")
    return found


def checked_operations(records: list[dict[str, Any]], service: str) -> set[str]:
    return {r["operation"] for r in records if r["service"] == service and r["operation"]}
