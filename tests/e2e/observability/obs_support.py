"""Helpers of the observability e2e tests: both functions hosts with bus triggers, span and log files in
the environment's state dir, the fake ARM (Logs Ingestion + Log Analytics query), and one placed order."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KEY = {"x-api-key": "sandbox-service-key"}  # the sandbox's literal-dev service key (not a secret)


@dataclass
class Shop:
    env: Any
    config_dir: Path
    aws_url: str
    azure_url: str
    pool_id: str
    client_id: str
    procs: list[subprocess.Popen[bytes]]


def call(
    url: str, method: str = "GET", body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any, dict[str, str]]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        url, data=data, method=method, headers={"content-type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(req, timeout=15) as resp:
            return resp.status, json.loads(resp.read() or b"null"), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null"), dict(exc.headers)


def start_host(cloud: str, port: int, env_file: Path, log: Path) -> subprocess.Popen[bytes]:
    from multicloud_ctl.local.functions.component import host_command
    from multicloud_ctl.local.processes import wait_http

    cmd = host_command(cloud, port, env_file, "--visibility", "1")
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    wait_http(f"http://127.0.0.1:{port}/_admin/health", proc=proc, timeout=60)
    return proc


def eventually(check: Any, timeout: float = 45.0, every: float = 0.3) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(every)


def place_order(shop: Shop, boto: Any) -> tuple[str, str]:
    """(order id, trace id) of an order placed on the AWS side and paid by the Azure side."""
    status, product, _ = call(
        f"{shop.aws_url}/products", "POST", {"name": "Mug", "category": "kitchen", "price_cents": 1200}, KEY
    )
    assert status == 201, product
    pid = product["product_id"]
    assert call(f"{shop.aws_url}/inventory/{pid}", "PUT", {"available": 5}, KEY)[0] == 200
    email = f"buyer-{uuid.uuid4().hex[:6]}@example.com"
    idp = boto("cognito-idp")
    idp.admin_create_user(
        UserPoolId=shop.pool_id,
        Username=email,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    idp.admin_set_user_password(UserPoolId=shop.pool_id, Username=email, Password="Passw0rd!long", Permanent=True)
    token = idp.initiate_auth(
        ClientId=shop.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": "Passw0rd!long"},
    )["AuthenticationResult"]["AccessToken"]
    auth = {"authorization": f"Bearer {token}", "idempotency-key": uuid.uuid4().hex}
    status, order, headers = call(
        f"{shop.aws_url}/orders", "POST", {"lines": [{"product_id": pid, "quantity": 2}], "email": email}, auth
    )
    assert status == 201, order
    trace_id = headers["traceresponse"].split("-")[1]
    eventually(
        lambda: (
            call(f"{shop.aws_url}/orders/{order['order_id']}", headers={"authorization": f"Bearer {token}"})[1].get(
                "status"
            )
            == "paid"
        )
    )
    return str(order["order_id"]), trace_id
