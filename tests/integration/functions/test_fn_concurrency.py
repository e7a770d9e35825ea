"""N parallel orders for the last K units: exactly K succeed, stock ends at 0 and never goes negative.

Run on each store the API is served from: DynamoDB (moto, the AWS side), SQLite and PostgreSQL (the Azure
standby side). moto itself is not atomic under concurrent conditional writes, so the DynamoDB case runs on a
moto that serializes requests (see serial_moto.py); the SQL cases need no such help.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fn_support import API_KEY, Shop, apigw_event, make_shop

from multicloud_ctl.functions.aws_lambda.router import route
from multicloud_ctl.functions.azure.api import handle_http
from multicloud_ctl.local.processes import free_port, stop_process, wait_http

pytestmark = pytest.mark.integration
N, K = 20, 5
SVC = {"X-Api-Key": API_KEY}


def lambda_call(method: str, path: str, headers: dict[str, str], body: Any = None) -> tuple[int, Any]:
    resp = route(apigw_event(method, path, headers=headers, body=body))
    return resp["statusCode"], json.loads(resp["body"]) if resp["body"] else None


def azure_call(method: str, path: str, headers: dict[str, str], body: Any = None) -> tuple[int, Any]:
    status, _, text = handle_http(method, path, headers, {}, json.dumps(body) if body is not None else None)
    return status, json.loads(text) if text else None


def race(shop: Shop, call: Any) -> None:
    status, product = call("POST", "/products", SVC, {"name": "Last ones", "category": "sale", "price_cents": 100})
    assert status == 201
    pid = product["product_id"]
    assert call("PUT", f"/inventory/{pid}", SVC, {"available": K})[0] == 200
    headers = [shop.bearer(f"buyer{i % 4}") for i in range(N)]  # tokens first: the race is the orders only
    gate = threading.Barrier(N)

    def buy(i: int) -> tuple[int, Any]:
        gate.wait()
        return call("POST", "/orders", headers[i], {"lines": [{"product_id": pid, "quantity": 1}]})

    with ThreadPoolExecutor(N) as pool:
        results = list(pool.map(buy, range(N)))
    statuses = sorted(s for s, _ in results)
    assert statuses.count(201) == K, results
    assert statuses.count(409) == N - K, results
    assert call("GET", f"/inventory/{pid}", {})[1]["available"] == 0
    order_ids = {b["order_id"] for s, b in results if s == 201}
    assert len(order_ids) == K
    for oid in order_ids:
        assert call("GET", f"/orders/{oid}", SVC)[1]["status"] == "pending"


@pytest.fixture
def serial_aws(tmp_path: Path) -> Iterator[str]:
    """A moto server of our own that serializes requests like DynamoDB serializes writes to one item."""
    port = free_port()
    log = open(tmp_path / "serial-moto.log", "wb")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("serial_moto.py")), str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/moto-api/", proc=proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(proc)
        log.close()


def test_last_units_on_dynamodb(serial_aws: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    race(make_shop(serial_aws, tmp_path, monkeypatch), lambda_call)


def test_last_units_on_sqlite_standby(aws: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    race(make_shop(aws, tmp_path, monkeypatch, cloud="azure"), azure_call)


def test_last_units_on_postgresql_standby(
    aws: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    race(make_shop(aws, tmp_path, monkeypatch, cloud="azure", sql_url=postgres_url), azure_call)
