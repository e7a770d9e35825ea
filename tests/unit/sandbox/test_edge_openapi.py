"""The vendored Cloudflare OpenAPI subset and the fake edge's request validation built on it."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from multicloud_ctl.local.edge.openapi import RequestValidator, load_document

SCHEMAS = Path(__file__).resolve().parents[3] / "src/multicloud_ctl/local/edge/schemas"
ITEMS = {
    "/accounts/{account_id}/load_balancers/monitors": "{monitor_id}",
    "/accounts/{account_id}/load_balancers/pools": "{pool_id}",
    "/zones/{zone_id}/load_balancers": "{load_balancer_id}",
    "/zones/{zone_id}/dns_records": "{dns_record_id}",
}
BODY_OPERATIONS = {f"POST {c}" for c in ITEMS} | {f"{m} {c}/{i}" for c, i in ITEMS.items() for m in ("PUT", "PATCH")}


def test_the_vendored_subset_names_its_source_commit_and_licence() -> None:
    info = load_document()["info"]
    assert info["source"].startswith("https://github.com/cloudflare/api-schemas")
    assert re.fullmatch(r"[0-9a-f]{40}", info["commit"])
    assert info["commit"] in (SCHEMAS / "README.md").read_text()
    assert "BSD 3-Clause License" in (SCHEMAS / "LICENSE.txt").read_text()


def test_every_write_the_fake_serves_has_a_request_schema() -> None:
    ops = load_document()["operations"]
    assert set(ops) >= BODY_OPERATIONS
    assert all("requestBody" in ops[k] for k in BODY_OPERATIONS)
    assert "GET /accounts/{account_id}/load_balancers/pools/{pool_id}/health" in ops


def test_operations_are_matched_by_method_and_path() -> None:
    v = RequestValidator()
    assert v.operation("POST", "/accounts/a/load_balancers/monitors") == "account-load-balancer-monitors-create-monitor"
    assert v.operation("PATCH", "/zones/z/dns_records/r1") == "dns-records-for-a-zone-patch-dns-record"
    assert v.operation("GET", "/accounts/a/load_balancers/pools") is None
    assert v.violations("DELETE", "/zones/z/dns_records/r1", None) == []


def test_a_body_that_is_not_an_object_is_refused() -> None:
    assert [str(x) for x in RequestValidator().violations("POST", "/zones/z/dns_records", [1])] == [
        "the request body must be a JSON object"
    ]


def test_openapi_nullable_admits_null() -> None:
    body = {"name": "p", "origins": [], "check_regions": None, "notification_filter": None}
    assert RequestValidator().violations("PUT", "/accounts/a/load_balancers/pools/p1", body) == []


def test_dns_records_follow_their_types_schema_not_the_response_shape() -> None:
    v = RequestValidator()
    assert v.violations("POST", "/zones/z/dns_records", {"type": "CNAME", "name": "w", "content": "a.b"}) == []
    assert [str(x) for x in v.violations("POST", "/zones/z/dns_records", {"type": "A", "name": "w"})] == [
        "'content' is a required property"
    ]


def test_the_adjustments_refuse_a_document_they_do_not_recognise() -> None:
    doc = copy.deepcopy(load_document())
    op = doc["operations"]["POST /accounts/{account_id}/load_balancers/monitors"]
    op["requestBody"]["schema"]["allOf"][1] = {"required": ["type"]}
    with pytest.raises(ValueError, match="monitor adjustment"):
        RequestValidator(doc)
    doc = copy.deepcopy(load_document())
    del doc["components"]["schemas"]["dns-records_dns-record"]["required"]
    with pytest.raises(ValueError, match="DNS adjustment"):
        RequestValidator(doc)
