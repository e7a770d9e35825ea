"""Builds the services of one process from a FunctionConfig; every piece is created on first use.

Lambda and the Functions host reuse a process across invocations, so `services()` caches one `Services` per
distinct configuration (tests that change the environment get a fresh one). Anything may be injected instead
(a payment provider, an e-mail sender, the backup core) by constructing `Services` directly.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from multicloud_ctl.functions.config import ConfigError, FunctionConfig, sql_create_schema
from multicloud_ctl.functions.domain.analytics import AnalyticsProcessor
from multicloud_ctl.functions.domain.backup import BackupCore, BackupService
from multicloud_ctl.functions.domain.clock import Env
from multicloud_ctl.functions.domain.inventory import InventoryService
from multicloud_ctl.functions.domain.notifications import NotificationService
from multicloud_ctl.functions.domain.orders import OrderService
from multicloud_ctl.functions.domain.payments import PaymentProcessor, PaymentProvider
from multicloud_ctl.functions.domain.products import ProductService
from multicloud_ctl.functions.domain.users import UserService

_engines: dict[str, Any] = {}
_engine_lock = threading.Lock()


def engine_for(cfg: FunctionConfig) -> Any:
    """One SQLAlchemy engine per URL per process; creates missing tables when configured to."""
    from multicloud_ctl.functions.adapters.secrets import resolve
    from multicloud_ctl.functions.adapters.sql_schema import create_all
    from multicloud_ctl.functions.adapters.sql_store import make_engine

    url = resolve(cfg.sql_url)
    with _engine_lock:
        if url not in _engines:
            engine = make_engine(url)
            if sql_create_schema(cfg):
                create_all(engine)
            _engines[url] = engine
        return _engines[url]


@dataclass
class Services:
    cfg: FunctionConfig
    env: Env = field(default_factory=Env)
    backup_core: BackupCore | None = None
    provider: PaymentProvider | None = None
    email: Any = None
    sms: Any = None
    bus_override: Any = None

    # --- stores -------------------------------------------------------------------------------------------
    @cached_property
    def engine(self) -> Any:
        return engine_for(self.cfg)

    @cached_property
    def stores(self) -> dict[str, Any]:
        if self.cfg.store == "sql":
            from multicloud_ctl.functions.adapters import sql_store as s

            e = self.engine
            return {
                "products": s.SqlProducts(e),
                "inventory": s.SqlInventory(e),
                "orders": s.SqlOrders(e),
                "users": s.SqlUsers(e),
                "idempotency": s.SqlIdempotency(e),
            }
        from multicloud_ctl.functions.adapters import dynamo_store as d

        c = self.cfg
        return {
            "products": d.DynamoProducts(c),
            "inventory": d.DynamoInventory(c),
            "orders": d.DynamoOrders(c),
            "users": d.DynamoUsers(c),
            "idempotency": d.DynamoIdempotency(c),
        }

    @cached_property
    def cache(self) -> Any:
        from multicloud_ctl.functions.adapters.cache import make_cache
        from multicloud_ctl.functions.adapters.secrets import resolve

        password = resolve(self.cfg.redis_password) if self.cfg.redis_password else None
        return make_cache(self.cfg.redis_url, password)

    @cached_property
    def bus(self) -> Any:
        from multicloud_ctl.functions.adapters.bus import make_bus

        return self.bus_override or make_bus(self.cfg)

    # --- HTTP-side services --------------------------------------------------------------------------------
    @cached_property
    def products(self) -> ProductService:
        images = None
        if self.cfg.cloud == "aws" or self.cfg.aws_endpoint:
            from multicloud_ctl.functions.adapters.aws import S3ImageUrls

            images = S3ImageUrls(self.cfg)
        return ProductService(
            self.stores["products"],
            self.cache,
            self.env,
            images=images,
            cache_ttl=self.cfg.cache_ttl,
            currency=self.cfg.currency,
        )

    @cached_property
    def inventory(self) -> InventoryService:
        return InventoryService(self.stores["inventory"])

    @cached_property
    def orders(self) -> OrderService:
        return OrderService(
            self.stores["orders"],
            self.stores["products"],
            self.inventory,
            self.stores["idempotency"],
            self.bus,
            self.env,
            source=f"order-service@{self.cfg.cloud}",
        )

    @cached_property
    def users(self) -> UserService:
        return UserService(self.stores["users"], self.env)

    @cached_property
    def verifier(self) -> Any:
        from multicloud_ctl.functions.adapters.auth import CognitoVerifier, JwksCache

        c = self.cfg
        if not ((c.jwks_url or c.jwks_json) and c.issuer and c.client_ids):
            return None  # every authenticated route answers 401
        try:
            pinned = json.loads(c.jwks_json) if c.jwks_json else None
        except ValueError as exc:
            raise ConfigError("MCCTL_FN_COGNITO_JWKS: not a JSON document") from exc
        return CognitoVerifier(
            JwksCache(c.jwks_url, pinned=pinned),
            issuer=c.issuer,
            client_ids=c.client_ids,
            token_use=c.token_use,
            cloud_claim=c.cloud_claim,
            cloud=c.cloud,
        )

    @cached_property
    def api_keys(self) -> Any:
        from multicloud_ctl.functions.adapters.auth import RefreshingApiKeys
        from multicloud_ctl.functions.adapters.secrets import resolve_list

        def load() -> list[str]:  # a stored secret may itself hold "current,previous"
            return [k.strip() for v in resolve_list(self.cfg.service_api_keys) for k in v.split(",") if k.strip()]

        return RefreshingApiKeys(load, self.cfg.api_keys_ttl)

    # --- bus consumers -----------------------------------------------------------------------------------
    @cached_property
    def payment_provider(self) -> PaymentProvider:
        if self.provider is not None:
            return self.provider
        if self.cfg.payment_provider == "stripe":
            from multicloud_ctl.functions.adapters.payments import StripeProvider
            from multicloud_ctl.functions.adapters.secrets import resolve

            return StripeProvider(resolve(self.cfg.stripe_api_key), api_base=self.cfg.stripe_api_base)
        from multicloud_ctl.functions.adapters.payments import SandboxProvider

        return SandboxProvider()

    @cached_property
    def payments(self) -> PaymentProcessor:
        from multicloud_ctl.functions.adapters.sql_ledger import SqlTransactions

        return PaymentProcessor(SqlTransactions(self.engine), self.payment_provider, self.bus, self.env)

    @cached_property
    def outbox(self) -> Any:
        from multicloud_ctl.functions.adapters.notify import Outbox

        return Outbox(self.cfg.outbox_dir)

    @cached_property
    def notifications(self) -> NotificationService:
        from multicloud_ctl.functions.adapters.notify import SmtpEmail
        from multicloud_ctl.functions.adapters.secrets import resolve
        from multicloud_ctl.functions.adapters.sql_ledger import SqlSeen

        c = self.cfg
        email = self.email or (
            SmtpEmail(
                c.smtp_host,
                c.smtp_port,
                c.smtp_from,
                self.outbox,
                c.smtp_user,
                resolve(c.smtp_password) if c.smtp_password else "",
                c.smtp_starttls,
            )
            if c.smtp_host
            else self.outbox
        )
        return NotificationService(email, self.sms or self.outbox, SqlSeen(self.engine))

    @cached_property
    def analytics(self) -> AnalyticsProcessor:
        from multicloud_ctl.functions.adapters.sql_ledger import SqlAnalytics

        return AnalyticsProcessor(SqlAnalytics(self.engine))

    @cached_property
    def backup(self) -> BackupService:
        return BackupService(self.backup_core, self.env)


_services: dict[FunctionConfig, Services] = {}
_services_lock = threading.Lock()


def services(cfg: FunctionConfig | None = None) -> Services:
    """The process-wide Services for `cfg` (default: read from the environment now)."""
    cfg = cfg or FunctionConfig.from_env()
    with _services_lock:
        if cfg not in _services:
            from multicloud_ctl.functions.observability import setup

            setup(cfg.cloud, cfg.region)  # JSON logs + tracer provider, once per process
            _services[cfg] = Services(cfg)
        return _services[cfg]


def install(svc: Services) -> Services:
    """Make `svc` the process-wide Services for its config (hosts inject a backup core or a provider)."""
    with _services_lock:
        _services[svc.cfg] = svc
    return svc
