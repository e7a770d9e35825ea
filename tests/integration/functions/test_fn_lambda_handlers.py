"""The Lambda handlers with realistic API Gateway REST v1 events against moto (DynamoDB, S3, SQS, Cognito)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import boto3
import pytest
from fn_support import API_KEY, OLD_API_KEY, Shop, apigw_event

from multicloud_ctl.functions.aws_lambda import (
    inventory_service,
    order_service,
    product_service,
    user_service,
)
from multicloud_ctl.functions.aws_lambda.router import route

pytestmark = pytest.mark.integration
SVC = {"X-Api-Key": API_KEY}


def call(event: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
    resp = route(event)
    assert set(resp) >= {"statusCode", "headers", "body"}
    return resp["statusCode"], json.loads(resp["body"]) if resp["body"] else None, resp["headers"]


def new_product(name: str = "Mug", category: str = "kitchen", price: int = 1250, stock: int | None = 10) -> str:
    status, body, _ = call(
        apigw_event("POST", "/products", headers=SVC, body={"name": name, "category": category, "price_cents": price})
    )
    assert status == 201, body
    if stock is not None:
        assert (
            call(apigw_event("PUT", f"/inventory/{body['product_id']}", headers=SVC, body={"available": stock}))[0]
            == 200
        )
    return str(body["product_id"])


def test_health_says_which_cloud(shop: Shop) -> None:
    assert call(apigw_event("GET", "/health"))[:2] == (200, {"status": "ok", "cloud": "aws"})
    resp = product_service.handler(apigw_event("GET", "/health"), None)
    assert json.loads(resp["body"])["cloud"] == "aws"


def test_product_crud_is_persisted_in_dynamodb(shop: Shop) -> None:
    pid = new_product(stock=None)
    item = boto3.client("dynamodb", endpoint_url=shop.url, region_name="us-east-1").get_item(
        TableName="Products", Key={"product_id": {"S": pid}}
    )["Item"]
    assert item["name"]["S"] == "Mug" and item["price_cents"]["N"] == "1250"
    status, body, _ = call(apigw_event("PUT", f"/products/{pid}", headers=SVC, body={"price_cents": 999}))
    assert status == 200 and body["price_cents"] == 999 and body["name"] == "Mug"
    assert call(apigw_event("GET", f"/products/{pid}"))[1]["price_cents"] == 999  # cache was invalidated
    assert call(apigw_event("DELETE", f"/products/{pid}", headers=SVC))[0] == 204
    assert call(apigw_event("GET", f"/products/{pid}"))[0] == 404
    assert call(apigw_event("DELETE", f"/products/{pid}", headers=SVC))[0] == 404


def test_product_validation_and_writes_need_the_service_key(shop: Shop) -> None:
    status, body, _ = call(
        apigw_event("POST", "/products", headers=SVC, body={"name": "x", "category": "Bad Cat", "price_cents": 1})
    )
    assert status == 400 and "category" in body["error"]
    assert call(apigw_event("POST", "/products", headers=SVC, body="{not json"))[0] == 400
    assert call(apigw_event("POST", "/products", body={"name": "x", "category": "a", "price_cents": 1}))[0] == 401
    bad = {"X-Api-Key": "nope"}
    assert call(apigw_event("POST", "/products", headers=bad, body={"name": "x", "category": "a", "price_cents": 1}))[
        1
    ] == {"error": "unauthorized"}
    # the previous key still works during a rotation
    assert (
        call(
            apigw_event(
                "POST",
                "/products",
                headers={"X-Api-Key": OLD_API_KEY},
                body={"name": "x", "category": "a", "price_cents": 1},
            )
        )[0]
        == 201
    )


def test_listing_by_category_pages_with_a_cursor(shop: Shop) -> None:
    made = {new_product(f"Book {i}", "books", 500 + i, stock=None) for i in range(7)}
    new_product("Pan", "kitchen", stock=None)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = {"category": "books", "limit": "3", **({"cursor": cursor} if cursor else {})}
        status, body, _ = call(apigw_event("GET", "/products", query=query))
        assert status == 200 and len(body["items"]) <= 3
        seen += [p["product_id"] for p in body["items"]]
        assert all(p["category"] == "books" for p in body["items"])
        pages += 1
        cursor = body["cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(made) and pages >= 3
    assert call(apigw_event("GET", "/products", query={"cursor": "@@@"}))[0] == 400


def test_image_upload_and_download_through_presigned_urls(shop: Shop) -> None:
    pid = new_product(stock=None)
    assert call(apigw_event("GET", f"/products/{pid}/image-url"))[0] == 404
    status, up, _ = call(
        apigw_event("POST", f"/products/{pid}/image-upload-url", headers=SVC, body={"content_type": "image/png"})
    )
    assert status == 200 and up["method"] == "PUT"
    put = urllib.request.Request(up["url"], data=b"\x89PNG fake", method="PUT", headers={"Content-Type": "image/png"})
    urllib.request.urlopen(put, timeout=5).close()
    status, down, _ = call(apigw_event("GET", f"/products/{pid}/image-url"))
    assert status == 200
    with urllib.request.urlopen(down["url"], timeout=5) as resp:
        assert resp.read() == b"\x89PNG fake"


def test_inventory_reserve_and_release_never_go_negative(shop: Shop) -> None:
    pid = new_product(stock=2)
    handler = inventory_service.handler
    ok = handler(apigw_event("POST", f"/inventory/{pid}/reserve", headers=SVC, body={"quantity": 2}), None)
    assert json.loads(ok["body"]) == {"product_id": pid, "available": 0}
    out = handler(apigw_event("POST", f"/inventory/{pid}/reserve", headers=SVC, body={"quantity": 1}), None)
    assert out["statusCode"] == 409
    back = handler(apigw_event("POST", f"/inventory/{pid}/release", headers=SVC, body={"quantity": 1}), None)
    assert json.loads(back["body"])["available"] == 1
    assert (
        handler(apigw_event("POST", f"/inventory/{pid}/reserve", headers=SVC, body={"quantity": -1}), None)[
            "statusCode"
        ]
        == 400
    )
    assert handler(apigw_event("GET", "/inventory/nope"), None)["statusCode"] == 404
    # a service handler only serves its own prefix
    assert handler(apigw_event("GET", f"/products/{pid}"), None)["statusCode"] == 404


def test_place_order_reserves_persists_publishes_and_is_idempotent(shop: Shop) -> None:
    a, b = new_product("A", price=1000, stock=5), new_product("B", price=250, stock=1)
    auth = {**shop.bearer("alice"), "Idempotency-Key": "cart-42"}
    body = {"lines": [{"product_id": a, "quantity": 2}, {"product_id": b, "quantity": 1}]}
    resp = order_service.handler(apigw_event("POST", "/orders", headers=auth, body=body), None)
    assert resp["statusCode"] == 201, resp["body"]
    order = json.loads(resp["body"])
    assert order["status"] == "pending" and order["total_cents"] == 2250 and order["email"] == ""
    assert call(apigw_event("GET", f"/inventory/{a}"))[1]["available"] == 3
    again = order_service.handler(apigw_event("POST", "/orders", headers=auth, body=body), None)
    assert again["statusCode"] == 200 and json.loads(again["body"])["order_id"] == order["order_id"]
    assert again["headers"]["idempotent-replayed"] == "true"
    assert call(apigw_event("GET", f"/inventory/{a}"))[1]["available"] == 3  # not reserved twice
    sqs = boto3.client("sqs", endpoint_url=shop.url, region_name="us-east-1")
    msgs = sqs.receive_message(QueueUrl=shop.env["MCCTL_FN_QUEUE_URL_ORDERS"], MaxNumberOfMessages=10)["Messages"]
    assert len(msgs) == 1 and json.loads(msgs[0]["Body"])["data"]["order_id"] == order["order_id"]
    other = {"lines": [{"product_id": a, "quantity": 1}]}
    reused = order_service.handler(apigw_event("POST", "/orders", headers=auth, body=other), None)
    assert reused["statusCode"] == 409 and "different order" in reused["body"]
    # an out-of-stock line releases what the earlier lines reserved
    fail = {"lines": [{"product_id": a, "quantity": 1}, {"product_id": b, "quantity": 1}]}
    status, err, _ = call(apigw_event("POST", "/orders", headers=shop.bearer("alice"), body=fail))
    assert status == 409 and b in err["error"]
    assert call(apigw_event("GET", f"/inventory/{a}"))[1]["available"] == 3


def test_orders_belong_to_their_user_and_follow_valid_transitions(shop: Shop) -> None:
    pid = new_product(stock=3)
    _, order, _ = call(
        apigw_event(
            "POST",
            "/orders",
            headers=shop.bearer("alice"),
            body={"lines": [{"product_id": pid, "quantity": 1}]},
        )
    )
    oid = order["order_id"]
    assert call(apigw_event("GET", f"/orders/{oid}", headers=shop.bearer("alice")))[0] == 200
    assert call(apigw_event("GET", f"/orders/{oid}", headers=shop.bearer("bob")))[0] == 404
    assert call(apigw_event("GET", f"/orders/{oid}"))[0] == 401
    put = lambda s: call(apigw_event("PUT", f"/orders/{oid}/status", headers=SVC, body={"status": s}))  # noqa: E731
    assert put("shipped")[0] == 409
    assert put("paid")[1]["status"] == "paid"
    assert put("bogus")[0] == 400
    assert put("cancelled")[1]["status"] == "cancelled"
    assert call(apigw_event("GET", f"/inventory/{pid}"))[1]["available"] == 3  # cancel released the stock
    assert put("paid")[0] == 409


def test_user_profile_is_tied_to_the_cognito_sub(shop: Shop) -> None:
    h = user_service.handler
    me = json.loads(h(apigw_event("GET", "/users/me", headers=shop.bearer("carol")), None)["body"])
    assert me["display_name"] == "carol" and me["user_id"]
    upd = h(
        apigw_event(
            "PUT",
            "/users/me",
            headers=shop.bearer("carol"),
            body={"phone": "+14155550100", "display_name": "Carol C"},
        ),
        None,
    )
    assert upd["statusCode"] == 200
    again = json.loads(h(apigw_event("GET", "/users/me", headers=shop.bearer("carol")), None)["body"])
    assert again["user_id"] == me["user_id"] and again["display_name"] == "Carol C"
    other = json.loads(h(apigw_event("GET", "/users/me", headers=shop.bearer("dave")), None)["body"])
    assert other["user_id"] != me["user_id"]
    assert (
        h(apigw_event("PUT", "/users/me", headers=shop.bearer("carol"), body={"phone": "123"}), None)["statusCode"]
        == 400
    )
    assert h(apigw_event("GET", "/users/me"), None)["statusCode"] == 401


def test_unknown_routes_and_methods(shop: Shop) -> None:
    assert call(apigw_event("GET", "/nothing"))[0] == 404
    status, _, headers = call(apigw_event("PATCH", "/products"))
    assert status == 405 and "GET" in headers["allow"]


def test_deep_health_reads_the_store(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    status, body, _ = call(apigw_event("GET", "/health", query={"deep": "1"}))
    assert status == 200 and body["checks"] == {"store": "ok"}
    monkeypatch.setenv("MCCTL_FN_TABLE_PRODUCTS", "NoSuchTable")
    status, body, _ = call(apigw_event("GET", "/health", query={"deep": "1"}))
    assert status == 503 and body["status"] == "degraded" and body["checks"]["store"].startswith("failed")


def test_a_bus_outage_cancels_the_order_and_gives_the_stock_back(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    pid = new_product(stock=2)
    monkeypatch.setenv("MCCTL_FN_QUEUE_URL_ORDERS", shop.env["MCCTL_FN_QUEUE_URL_ORDERS"] + "-gone")
    status, body, _ = call(
        apigw_event(
            "POST",
            "/orders",
            headers={**shop.bearer("alice"), "Idempotency-Key": "k9"},
            body={"lines": [{"product_id": pid, "quantity": 2}]},
        )
    )
    assert status == 503 and "nothing was charged" in body["error"]
    assert call(apigw_event("GET", f"/inventory/{pid}"))[1]["available"] == 2
    monkeypatch.setenv("MCCTL_FN_QUEUE_URL_ORDERS", shop.env["MCCTL_FN_QUEUE_URL_ORDERS"])
    status, body, _ = call(
        apigw_event(
            "POST",
            "/orders",
            headers={**shop.bearer("alice"), "Idempotency-Key": "k9"},
            body={"lines": [{"product_id": pid, "quantity": 2}]},
        )
    )
    assert status == 201  # the key was released: the retry places the order


def test_order_email_falls_back_to_the_profile(shop: Shop) -> None:
    pid = new_product(stock=2)
    call(apigw_event("PUT", "/users/me", headers=shop.bearer("frank"), body={"email": "frank@shop.test"}))
    _, order, _ = call(
        apigw_event(
            "POST",
            "/orders",
            headers=shop.bearer("frank"),
            body={"lines": [{"product_id": pid, "quantity": 1}]},
        )
    )
    assert order["email"] == "frank@shop.test"  # moto's ID token has no email claim
