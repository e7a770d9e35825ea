"""Pure parts of the functions: configuration, secrets, cache, API keys, domain rules, templates."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects import mssql, postgresql, sqlite
from sqlalchemy.schema import CreateTable

from multicloud_ctl.functions.adapters import sql_schema
from multicloud_ctl.functions.adapters.auth import ApiKeys
from multicloud_ctl.functions.adapters.bus import decode_body
from multicloud_ctl.functions.adapters.cache import InProcessCache
from multicloud_ctl.functions.adapters.secrets import resolve, resolve_list
from multicloud_ctl.functions.config import ConfigError, FunctionConfig, sql_create_schema
from multicloud_ctl.functions.domain.analytics import Increment, increments_for
from multicloud_ctl.functions.domain.errors import Invalid, Unauthorized
from multicloud_ctl.functions.domain.events import FANOUT, Event
from multicloud_ctl.functions.domain.notifications import render
from multicloud_ctl.functions.domain.orders import TRANSITIONS, parse_lines
from multicloud_ctl.functions.domain.products import validate_fields


def test_config_defaults_and_overrides() -> None:
    cfg = FunctionConfig.from_env({})
    assert (cfg.cloud, cfg.store, cfg.bus_kind, cfg.max_deliveries, cfg.token_use) == (
        "aws",
        "dynamodb",
        "sqs",
        5,
        "any",
    )
    azure = FunctionConfig.from_env(
        {
            "MCCTL_FN_CLOUD": "azure",
            "MCCTL_FN_COGNITO_CLIENT_ID": "a, b",
            "MCCTL_FN_QUEUE_URL_ORDERS": "http://q/orders",
            "MCCTL_FN_QUEUE_PAYMENTS": "sb-payments",
            "AWS_REGION": "eu-west-1",
        }
    )
    assert azure.store == "sql" and azure.client_ids == ("a", "b") and azure.region == "eu-west-1"
    assert azure.queue_url("orders") == "http://q/orders" and azure.queue_name("payments") == "sb-payments"
    with pytest.raises(ConfigError, match="MCCTL_FN_QUEUE_URL_ANALYTICS"):
        azure.queue_url("analytics")
    with pytest.raises(ConfigError, match="MCCTL_FN_BUS_KIND"):
        FunctionConfig.from_env({"MCCTL_FN_BUS_KIND": "kafka"})
    with pytest.raises(ConfigError, match="MCCTL_FN_SMTP_PORT"):
        FunctionConfig.from_env({"MCCTL_FN_SMTP_PORT": "twenty-five"})
    assert hash(cfg) != hash(azure)  # a cache key
    assert sql_create_schema(cfg, {}) is True
    assert sql_create_schema(FunctionConfig.from_env({"MCCTL_FN_SQL_URL": "postgresql://x/y"}), {}) is False


def test_secret_references_resolve_without_echoing_values() -> None:
    env = {"API_KEY_NOW": "k1", "API_KEY_OLD": "k0"}
    assert resolve("env:API_KEY_NOW", env=env) == "k1"
    assert resolve("literal-dev:testing", env=env) == "testing"
    assert resolve("plain-value", env=env) == "plain-value"
    assert resolve_list("env:API_KEY_NOW, env:API_KEY_OLD", env=env) == ["k1", "k0"]
    assert resolve("aws-secretsmanager:arn:x#key", aws_lookup=lambda ref: f"looked up {ref}") == "looked up arn:x#key"
    with pytest.raises(ConfigError, match="env:MISSING"):
        resolve("env:MISSING", env=env)

    def failing(ref: str) -> str:
        raise RuntimeError("s3cr3t in message")

    with pytest.raises(ConfigError) as err:
        resolve("aws-secretsmanager:arn:aws:secretsmanager:us-east-1:1:secret:x", aws_lookup=failing)
    assert "s3cr3t" not in str(err.value)


def test_in_process_cache_expires_and_is_bounded() -> None:
    now = [0.0]
    cache = InProcessCache(max_items=2, clock=lambda: now[0])
    cache.set("a", "1", ttl=10)
    assert cache.get("a") == "1"
    now[0] = 11
    assert cache.get("a") is None
    cache.set("b", "2", 10)
    cache.set("c", "3", 10)
    cache.set("d", "4", 10)
    assert cache.get("b") is None and cache.get("d") == "4"
    cache.delete("d")
    assert cache.get("d") is None


def test_the_redis_cache_speaks_tls_with_the_auth_token_its_reference_names(monkeypatch: pytest.MonkeyPatch) -> None:
    from multicloud_ctl.functions.adapters.cache import RedisCache
    from multicloud_ctl.functions.wiring import Services

    monkeypatch.setenv("SESSION_TOKEN", "a-token-from-the-secret")
    cfg = FunctionConfig.from_env(
        {"MCCTL_FN_REDIS_URL": "rediss://cache.example:6380/0", "MCCTL_FN_REDIS_PASSWORD": "env:SESSION_TOKEN"}
    )
    assert cfg.redis_password == "env:SESSION_TOKEN"  # the reference: resolved only when the cache is built
    cache = Services(cfg).cache
    assert isinstance(cache, RedisCache)  # built lazily: no connection is made here
    pool = cache.redis.connection_pool
    assert pool.connection_class.__name__ == "SSLConnection"
    assert pool.connection_kwargs["password"] == "a-token-from-the-secret"
    plain = Services(FunctionConfig.from_env({"MCCTL_FN_REDIS_URL": "redis://127.0.0.1:6379/0"})).cache
    assert plain.redis.connection_pool.connection_kwargs.get("password") is None


def test_api_keys_accept_current_and_previous_only() -> None:
    keys = ApiKeys(["new-key", "old-key"])
    keys.check("new-key")
    keys.check("old-key")
    for wrong in ("", None, "new-ke", "new-key ", "NEW-KEY"):
        with pytest.raises(Unauthorized):
            keys.check(wrong)
    assert keys.outbound == "new-key"
    with pytest.raises(Unauthorized):
        ApiKeys([]).check("")


def test_product_validation() -> None:
    assert validate_fields({"name": " Mug ", "category": "kitchen", "price_cents": 5})["name"] == "Mug"
    for bad in (
        {"name": "", "category": "a", "price_cents": 1},
        {"name": "x", "category": "A B", "price_cents": 1},
        {"name": "x", "category": "a", "price_cents": -1},
        {"name": "x", "category": "a", "price_cents": True},
        {"name": "x", "category": "a", "price_cents": 1, "admin": True},
        {"name": "x", "category": "a"},
    ):
        with pytest.raises(Invalid):
            validate_fields(bad)
    assert validate_fields({"price_cents": 7}, partial=True) == {"price_cents": 7}


def test_order_lines_and_transitions() -> None:
    assert parse_lines({"lines": [{"product_id": "a", "quantity": 1}, {"product_id": "a", "quantity": 2}]}) == {"a": 3}
    for bad in (
        {},
        {"lines": []},
        {"lines": [{"product_id": "a", "quantity": 0}]},
        {"lines": [{"quantity": 1}]},
    ):
        with pytest.raises(Invalid):
            parse_lines(bad)
    assert "shipped" not in TRANSITIONS["pending"] and TRANSITIONS["delivered"] == frozenset()
    reachable = {s for targets in TRANSITIONS.values() for s in targets}
    assert reachable | {"pending"} == set(TRANSITIONS)


def test_events_templates_and_analytics() -> None:
    placed = Event.from_dict(
        {
            "id": "e1",
            "type": "OrderPlaced",
            "occurred_at": "2026-11-25T10:00:00Z",
            "source": "t",
            "data": {
                "order_id": "o1",
                "total_cents": 1234,
                "currency": "usd",
                "lines": [{"product_id": "p1", "quantity": 2}, {"product_id": "p2", "quantity": 1}],
            },
        }
    )
    mail = render(placed, "a@example.com")
    assert mail is not None and mail.subject == "Order o1 received" and "12.34 USD" in mail.body
    assert "3 item(s)" in mail.body
    assert increments_for(placed) == [
        Increment("orders", "*", "2026-11-25", 1),
        Increment("units", "p1", "2026-11-25", 2),
        Increment("units", "p2", "2026-11-25", 1),
    ]
    paid = Event("e2", "PaymentSucceeded", "2026-11-26T00:00:01Z", "t", {"amount_cents": 99, "currency": "eur"})
    assert increments_for(paid) == [Increment("revenue_cents", "eur", "2026-11-26", 99)]
    assert FANOUT["OrderPlaced"] == ("notifications", "analytics", "orders")  # payment last
    with pytest.raises(Invalid):
        Event.from_dict({"id": "x", "type": "OrderPlaced"})
    assert decode_body(b"[1, 2]") == {"_raw": "[1, 2]"} and decode_body('{"a": 1}') == {"a": 1}


@pytest.mark.parametrize("dialect", [mssql.dialect(), postgresql.dialect(), sqlite.dialect()], ids=lambda d: d.name)
def test_the_sql_schema_compiles_for_every_target(dialect: object) -> None:
    for table in sql_schema.metadata.sorted_tables:
        ddl = str(CreateTable(table).compile(dialect=dialect))  # type: ignore[arg-type]
        assert table.name in ddl
    ddl = str(CreateTable(sql_schema.transactions).compile(dialect=mssql.dialect()))
    assert "uq_transactions_order_id" in ddl and "UNIQUE (order_id)" in ddl


def test_the_stock_guard_compiles_to_one_conditional_update_on_sql_server() -> None:
    from sqlalchemy import update

    c = sql_schema.inventory.c
    stmt = update(sql_schema.inventory).where(c.product_id == "p", c.available >= 2).values(available=c.available - 2)
    sql = str(stmt.compile(dialect=mssql.dialect()))
    assert sql.startswith("UPDATE inventory SET available=(inventory.available - ")
    assert "WHERE inventory.product_id = " in sql and "inventory.available >= " in sql
