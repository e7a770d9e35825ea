"""Orders during a drill: the shopper and product the order stream uses, and the check that none was lost.

Where an order lives: the AWS side's order service writes DynamoDB (`Orders`), the Azure side's writes the SQL
`orders` table directly (functions/adapters/sql_schema.py), and the CDC sync brings DynamoDB's changes into that
same SQL table. Nothing copies SQL back into DynamoDB. So after a drill's fail-back SQL is the one store that
should hold every order acknowledged on either side, and it is where `orders-check` looks: an acknowledged order
id missing there is lost. (The orders placed on Azure during the failover are in SQL only: the AWS side serves
without them after the fail-back; the report's `placed_on` counts them.)

The sync is made to catch up first, as the drill's spec says: `run` applies the streams once (a nested `sync
run`, under the sync lock, journaled), `wait` waits up to a bound for a sync already running (`sync run
--follow`, or the CDC Lambda in the clouds). The lookups are read-only; the ids of lost orders are journaled.

The shopper is a Cognito user signed up in the sandbox's pool (an ID token: what API Gateway's Cognito
authorizer takes on the shop's signed-in routes). Orders traffic is for the sandbox only: a drill never places
orders in a real shop.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import McctlError, OperationFailed, SafetyRefused

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.engine import Engine

    from multicloud_ctl.config.specs.failover import OrdersTraffic
    from multicloud_ctl.engine.runtime import Runtime

STOCK = 1_000_000  # the inventory domain's largest quantity (domain/inventory.py MAX_QTY)
PASSWORD = "Drill-Passw0rd!"  # a throwaway shopper in the sandbox's moto Cognito pool, not a secret
MAX_JOURNALED_IDS = 1000
LOOKUP_CHUNK = 500  # ids per `IN (...)`: under SQL Server's 2100 parameters and SQLite's 32766


@dataclass(frozen=True)
class Shopper:
    token: str
    email: str
    product_id: str


@dataclass
class OrdersCheck:
    """`orders-check`'s finding: which acknowledged orders SQL holds after the sync caught up."""

    acknowledged: int
    found: int
    lost_ids: list[str]
    sync: dict[str, Any] = field(default_factory=dict)
    duplicated_keys: list[str] = field(default_factory=list)  # one Idempotency-Key, more than one order in SQL

    @property
    def lost(self) -> int:
        return len(self.lost_ids)

    def to_dict(self) -> dict[str, Any]:
        return {
            "acknowledged": self.acknowledged,
            "found": self.found,
            "lost": self.lost,
            "lost_ids": self.lost_ids[:MAX_JOURNALED_IDS],
            "duplicated": len(self.duplicated_keys),
            "duplicated_keys": self.duplicated_keys[:MAX_JOURNALED_IDS],
            "sync": self.sync,
        }


def orders_verdict(orders: dict[str, Any], max_lost: int) -> bool | None:
    """Pass when the orders lost are within `max_lost`; None without an order stream or before the check ran."""
    lost = orders.get("lost")
    return None if lost is None else int(lost) <= max_lost


def require_sandbox(runtime: Runtime) -> None:
    if not runtime.environment.is_local:
        raise SafetyRefused(
            f"drill orders traffic is for the local sandbox only, not the {runtime.environment.name} environment",
            hint="remove traffic.orders from the drill playbook for a real environment",
        )


def prepare_shopper(runtime: Runtime, spec: OrdersTraffic, *, edge: str, host: str | None) -> Shopper:
    """Sign a shopper up in the sandbox's pool; create and stock a product through the edge unless the spec
    names one."""
    from multicloud_ctl.local.functions.bootstrap import ensure_pool
    from multicloud_ctl.local.functions.shopclient import sign_up_id_token

    require_sandbox(runtime)
    run = uuid.uuid4().hex[:10]
    email = f"drill-{run}@example.com"
    pool = ensure_pool(runtime.aws, runtime.environment)
    try:
        token = sign_up_id_token(runtime.aws.client("cognito-idp"), pool.client_id, email, PASSWORD, pool.pool_id)
    except Exception as exc:  # botocore's ClientError or a connection error: one line either way
        raise OperationFailed(f"could not sign the drill's shopper up in Cognito: {exc}") from None
    product_id = spec.product_id or _create_product(runtime, edge, host, spec.timeout_seconds)
    return Shopper(token, email, product_id)


def _create_product(runtime: Runtime, edge: str, host: str | None, timeout: float) -> str:
    from multicloud_ctl.local.functions.bootstrap import current_service_key
    from multicloud_ctl.local.functions.shopclient import ShopClient

    client = ShopClient(edge, current_service_key(runtime), timeout)
    headers = {"Host": host} if host else {}
    body = {"name": "Drill widget", "category": "drill", "price_cents": 100}
    status, product = client.call("POST", "/products", body, service=True, headers=headers)
    if status != 201 or not isinstance(product, dict):
        raise OperationFailed(f"could not create the drill's product through the edge: HTTP {status}")
    pid = str(product["product_id"])
    status, _ = client.call("PUT", f"/inventory/{pid}", {"available": STOCK}, service=True, headers=headers)
    if status != 200:
        raise OperationFailed(f"could not stock the drill's product {pid} through the edge: HTTP {status}")
    return pid


def find_ids(engine: Engine, table: Table, column: str, ids: list[str]) -> set[str]:
    """Which of `ids` are live rows of `table` (not marked deleted by the sync); read-only."""
    from sqlalchemy import select

    from multicloud_ctl.functions.adapters.sql_rows import live

    col = table.c[column]
    found: set[str] = set()
    with engine.connect() as conn:
        for i in range(0, len(ids), LOOKUP_CHUNK):
            chunk = ids[i : i + LOOKUP_CHUNK]
            found.update(str(r[0]) for r in conn.execute(select(col).where(col.in_(chunk), live(table))))
    return found


def duplicated_keys(engine: Engine, table: Table, key_prefix: str) -> list[str]:
    """The drill's Idempotency-Keys (`<key_prefix>-<n>`) that more than one live order in SQL carries: an order
    whose answer was lost, resent with its key and placed again on the other side (each side keeps its own
    idempotency records). Read-only."""
    from sqlalchemy import func, select

    from multicloud_ctl.functions.adapters.sql_rows import live

    key = table.c.idempotency_key
    stmt = (
        select(key).where(key.like(f"{key_prefix}-%"), live(table)).group_by(key).having(func.count() > 1).order_by(key)
    )
    with engine.connect() as conn:
        return [str(r[0]) for r in conn.execute(stmt)]


def run_sync_once(runtime: Runtime, timeout: float) -> dict[str, Any]:
    """`mcctl sync run` once (nested: its own journal, the sync lock), within `timeout` seconds."""
    from multicloud_ctl.engine.events import RunStatus
    from multicloud_ctl.engine.run import run
    from multicloud_ctl.operations.sync.runs import run_operation

    outcome = run(runtime, run_operation(None, follow=False, max_seconds=timeout, batch_size=None))
    if outcome.status is RunStatus.INTERRUPTED:
        raise KeyboardInterrupt
    outcome.raise_for_status()
    out = dict(outcome.result or {})
    return {"journal": outcome.run_id, "records": out.get("records"), "seconds": out.get("seconds")}


def bring_to_sql(
    runtime: Runtime,
    table: Table,
    column: str,
    ids: list[str],
    spec: OrdersTraffic,
    *,
    engine: Engine | None = None,
    sync_once: Callable[[Runtime, float], dict[str, Any]] = run_sync_once,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[set[str], dict[str, Any]]:
    """Let the sync catch up as `spec.sync` says, then which of `ids` SQL holds, and what the sync did.

    `run`: one sync run; its failure (the sync lock held by a follower, a table never backfilled) is recorded
    and the lookup still made. `wait`: look every half second until all are there or `sync_timeout_seconds`.
    """
    if engine is None:
        from multicloud_ctl.operations.sync.context import open_context

        engine = open_context(runtime).engine
    started = time.monotonic()
    info: dict[str, Any] = {"mode": spec.sync}
    if spec.sync == "run":
        try:
            info.update(sync_once(runtime, spec.sync_timeout_seconds))
        except McctlError as exc:
            info["error"] = str(exc)
        found = find_ids(engine, table, column, ids)
    else:
        while True:
            found = find_ids(engine, table, column, ids)
            if len(found) >= len(set(ids)) or time.monotonic() - started >= spec.sync_timeout_seconds:
                break
            sleep(0.5)
    info["seconds"] = round(time.monotonic() - started, 3)
    return found, info


def check_orders(
    runtime: Runtime,
    acknowledged: list[str],
    spec: OrdersTraffic,
    *,
    engine: Engine | None = None,
    sync_once: Callable[[Runtime, float], dict[str, Any]] = run_sync_once,
    key_prefix: str | None = None,
) -> OrdersCheck:
    """Every acknowledged order id looked up in SQL's `orders` after the sync caught up (see the module doc);
    with the stream's `key_prefix`, also the keys that were placed twice."""
    from multicloud_ctl.functions.adapters.sql_schema import orders

    if engine is None:
        from multicloud_ctl.operations.sync.context import open_context

        engine = open_context(runtime).engine
    ids = list(dict.fromkeys(acknowledged))
    found, info = bring_to_sql(runtime, orders, "order_id", ids, spec, engine=engine, sync_once=sync_once)
    twice = duplicated_keys(engine, orders, key_prefix) if key_prefix else []
    return OrdersCheck(len(ids), len(found), [i for i in ids if i not in found], info, twice)
