"""The demo steps of the functions: deploy both clouds, then drive shop traffic through the local hosts and show
payments, notifications and analytics following (registered in `local/demo.py`)."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import OperationFailed

if TYPE_CHECKING:
    from multicloud_ctl.local.demo import DemoContext

CATALOG = [("Desk lamp", "home", 2499), ("Coffee mug", "kitchen", 1299), ("Notebook", "office", 499)]
USERS = 3
PASSWORD = "Sandbox-Passw0rd!"  # demo users on moto only


def deploy(ctx: DemoContext) -> str:
    """`mcctl deploy` (canary, no bake) to moto's Lambda and the fake ARM + Azurite, then `deploy status`."""
    ctx.mcctl_json("--yes", "deploy", "--strategy", "canary10", "--bake", "0", "--no-vendor")
    rows = ctx.mcctl_json("deploy", "status")
    live = [r for r in rows if r["state"] == "live"]
    aws = sorted({r["version"] for r in live if r["cloud"] == "aws"})
    azure = sorted({r["version"] for r in live if r["cloud"] == "azure"})
    return (
        f"{len(live)}/{len(rows)} services live: Lambda alias live -> v{','.join(aws)}; "
        f"Azure apps run {','.join(azure)}"
    )


def traffic(ctx: DemoContext) -> str:
    """Sign up users, create products, place orders; wait until payments, e-mail and analytics caught up."""
    from multicloud_ctl.local.functions.bootstrap import current_service_key, ensure_pool
    from multicloud_ctl.local.functions.shopclient import ShopClient, sign_up

    env, runtime = ctx.environment, ctx.runtime()
    ends = env.endpoints()
    key = current_service_key(runtime)
    aws, azure = ShopClient(str(ends.functions_aws), key), ShopClient(str(ends.functions_azure), key)
    pool = ensure_pool(runtime.aws, env)
    idp = runtime.aws.client("cognito-idp")
    run = uuid.uuid4().hex[:6]
    tokens = [
        sign_up(idp, pool.client_id, f"shopper{i}-{run}@example.com", PASSWORD, pool.pool_id) for i in range(USERS)
    ]
    products = []
    for name, category, price in CATALOG:
        status, product = aws.call(
            "POST", "/products", {"name": name, "category": category, "price_cents": price}, service=True
        )
        _expect(status, 201, "create product", product)
        _expect(
            aws.call("PUT", f"/inventory/{product['product_id']}", {"available": 100}, service=True)[0],
            200,
            "set stock",
        )
        products.append(product)
    orders = []
    for i, token in enumerate(tokens):
        lines = [{"product_id": products[i % len(products)]["product_id"], "quantity": 1 + i}]
        status, order = aws.call(
            "POST",
            "/orders",
            {"lines": lines, "email": f"shopper{i}-{run}@example.com"},
            token=token,
            headers={"idempotency-key": f"{run}-{i}"},
        )
        _expect(status, 201, "place order", order)
        orders.append((order, token))
    paid = _wait(
        lambda: [
            o for o, t in orders if aws.call("GET", f"/orders/{o['order_id']}", token=t)[1].get("status") == "paid"
        ],
        len(orders),
    )
    payments = [azure.call("GET", f"/payments/{o['order_id']}", service=True) for o, _ in orders]
    charged = sum(p["amount_cents"] for s, p in payments if s == 200)
    mails = len(list((ctx.supervisor.directory / "outbox" / "smtp").glob("*.eml")))
    revenue = _analytics(env)
    return (
        f"{USERS} users signed up via Cognito, {len(products)} products, {len(orders)} orders -> "
        f"{len(paid)} paid ({charged / 100:.2f} USD charged on Azure), {mails} e-mails over SMTP, "
        f"analytics: {revenue}"
    )


def _analytics(env: Any) -> str:
    import sqlalchemy as sa

    from multicloud_ctl.local.functions.envfile import host_settings

    url = host_settings(env, "azure", None, state_dir=env.env_state_dir)["MCCTL_FN_SQL_URL"]
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text('SELECT metric, SUM(value) FROM "Analytics" GROUP BY metric')).all()
    finally:
        engine.dispose()
    return ", ".join(f"{m}={v}" for m, v in rows) or "no aggregates yet"


def _expect(status: int, want: int, what: str, body: Any = None) -> None:
    if status != want:
        raise OperationFailed(f"{what}: HTTP {status} {body if body is not None else ''}".strip())


def _wait(check: Any, want: int, timeout: float = 60.0) -> list[Any]:
    deadline = time.monotonic() + timeout
    got: list[Any] = []
    while time.monotonic() < deadline:
        got = check()
        if len(got) >= want:
            return got
        time.sleep(0.5)
    raise OperationFailed(
        f"only {len(got)} of {want} orders were paid within {timeout:.0f}s",
        hint="see the functions hosts' logs in the sandbox directory",
    )


STEPS = [("deploy", deploy), ("shop traffic", traffic)]
