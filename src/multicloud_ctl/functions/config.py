"""Runtime configuration of the service functions: environment variables only (Lambda env, app settings).

Every value below may be a literal or, where marked (ref), a secret reference resolved by
`adapters.secrets.resolve`: `env:NAME`, `literal-dev:VALUE` (public emulator keys only),
`aws-secretsmanager:ARN[#json-key]`, `azure-keyvault:SECRET-URL` (read with the managed identity).
On Azure, Key Vault references (`@Microsoft.KeyVault(...)`) are resolved by the platform before we see them.

General
    MCCTL_FN_CLOUD              aws | azure (default aws): the cloud this process is (health, cloud claim)
    MCCTL_FN_STORE              dynamodb | sql (default: dynamodb on aws, sql on azure): where products,
                                inventory, orders, users and idempotency keys live
    MCCTL_FN_REGION             AWS region (default $AWS_REGION, $AWS_DEFAULT_REGION, us-east-1)
    MCCTL_FN_AWS_ENDPOINT       endpoint override for every AWS call (the sandbox's moto); empty = real AWS
AWS data
    MCCTL_FN_TABLE_PRODUCTS     default Products      MCCTL_FN_TABLE_INVENTORY   default Inventory
    MCCTL_FN_TABLE_ORDERS       default Orders        MCCTL_FN_TABLE_USERS       default Users
    MCCTL_FN_TABLE_IDEMPOTENCY  default Idempotency
    MCCTL_FN_BUCKET_IMAGES      default product-images
    MCCTL_FN_PRESIGN_TTL        seconds a presigned image URL lives (default 900)
SQL (Azure SQL in the cloud; SQLite or PostgreSQL in the sandbox)
    MCCTL_FN_SQL_URL (ref)      SQLAlchemy URL (default sqlite:///mcctl-functions.db)
    MCCTL_FN_SQL_CREATE_SCHEMA  1 = create missing tables at start-up (default: 1 for SQLite, else 0)
Bus
    MCCTL_FN_BUS_KIND           sqs | servicebus (default sqs)
    MCCTL_FN_QUEUE_URL_ORDERS, _PAYMENTS, _NOTIFICATIONS, _ANALYTICS
                                SQS queue URLs per logical queue (sqs kind)
    MCCTL_FN_QUEUE_ORDERS, _PAYMENTS, _NOTIFICATIONS, _ANALYTICS
                                Service Bus queue names per logical queue (default: the logical name)
    MCCTL_FN_SERVICEBUS_CONNECTION__fullyQualifiedNamespace
                                <namespace>.servicebus.windows.net: connect with Microsoft Entra ID (the
                                app's managed identity), the way the Functions host's Service Bus trigger
                                reads an identity-based connection named MCCTL_FN_SERVICEBUS_CONNECTION
    MCCTL_FN_SERVICEBUS_CONNECTION__credential  managedidentity (optional; with __clientId for a
                                user-assigned identity)     MCCTL_FN_SERVICEBUS_CONNECTION__clientId
    MCCTL_FN_SERVICEBUS_CONNECTION (ref)  a connection string instead (emulators only: the namespace is
                                provisioned with local auth disabled, so the service refuses SAS); it wins
                                over the identity settings when both are set, as in the Functions host
    MCCTL_FN_MAX_LOCK_RENEWAL   seconds a consumer keeps renewing a message's lock while its handler runs
                                (default 300, as the Functions host's maxAutoLockRenewalDuration)
    MCCTL_FN_MAX_DELIVERIES     deliveries before a message is dead-lettered (default 5)
    MCCTL_FN_QUEUE_URL_<NAME>_DLQ  optional explicit SQS dead-letter queue URL (default: from RedrivePolicy)
Cache
    MCCTL_FN_REDIS_URL          e.g. rediss://HOST:6380/0 (rediss = TLS: ElastiCache with encryption in transit,
                                Azure Cache for Redis); redis://127.0.0.1:6379/0 on the sandbox; empty = in-process
    MCCTL_FN_REDIS_PASSWORD (ref)  the Redis AUTH password (ElastiCache's AUTH token); empty = none
    MCCTL_FN_CACHE_TTL          seconds for hot catalog reads (default 30)
Auth
    MCCTL_FN_COGNITO_JWKS_URL   the user pool's JWKS URL (moto: http://HOST:PORT/<pool-id>/.well-known/jwks.json)
    MCCTL_FN_COGNITO_JWKS       optional pinned JWKS document (JSON): always trusted, so the standby validates
                                tokens while the JWKS URL is unreachable
    MCCTL_FN_COGNITO_ISSUER     expected `iss` (https://cognito-idp.<region>.amazonaws.com/<pool-id>)
    MCCTL_FN_COGNITO_CLIENT_ID  accepted app client id(s), comma separated (checked as `aud` or `client_id`)
    MCCTL_FN_COGNITO_TOKEN_USE  access | id | any (default any)
    MCCTL_FN_CLOUD_CLAIM        optional cross-cloud claim name (e.g. custom:clouds): when set the token must
                                carry it and it must list MCCTL_FN_CLOUD (comma/space separated)
    MCCTL_FN_SERVICE_API_KEYS (ref)  current[,previous] service API keys (header X-Api-Key); the first one is
                                also what we send on outbound service calls
    MCCTL_FN_API_KEYS_TTL       seconds between re-reads of the service API keys' references (default 60; 0 = read
                                once): a key rotation reaches running instances without a restart
    MCCTL_FN_PEER_API_URL       base URL of the other cloud's API for synchronous calls (optional)
Payments
    MCCTL_FN_PAYMENT_PROVIDER   sandbox | stripe (default sandbox)
    MCCTL_FN_STRIPE_API_KEY (ref)  Stripe secret key       MCCTL_FN_STRIPE_API_BASE  Stripe API base override
    MCCTL_FN_CURRENCY           default usd
Notifications
    MCCTL_FN_SMTP_HOST          empty = e-mail goes to the outbox only    MCCTL_FN_SMTP_PORT  default 25
    MCCTL_FN_SMTP_FROM          default shop@example.com
    MCCTL_FN_SMTP_USER, MCCTL_FN_SMTP_PASSWORD (ref)  optional login; MCCTL_FN_SMTP_STARTTLS=1 to upgrade
    MCCTL_FN_OUTBOX_DIR         directory for the e-mail/SMS outbox (JSON lines); empty = in memory
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

PREFIX = "MCCTL_FN_"
# `<CONNECTION>__<property>`: how Azure Functions names the settings of an identity-based connection
# ("Configure an identity-based connection", learn.microsoft.com/azure/azure-functions/functions-reference).
IDENTITY_SEP = "__"
QUEUES = ("orders", "payments", "notifications", "analytics")


class ConfigError(ValueError):
    """A runtime setting is missing or malformed (the message names the variable)."""


def _choice(env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = env.get(PREFIX + name, "").strip() or default
    if value not in allowed:
        raise ConfigError(f"{PREFIX}{name}={value!r}: must be one of {', '.join(allowed)}")
    return value


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(PREFIX + name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{PREFIX}{name}={raw!r}: must be an integer") from exc


@dataclass(frozen=True)
class FunctionConfig:
    """Everything a function needs to know, read once from the environment (hashable: used as a cache key)."""

    cloud: Literal["aws", "azure"] = "aws"
    store: Literal["dynamodb", "sql"] = "dynamodb"
    region: str = "us-east-1"
    aws_endpoint: str | None = None
    table_products: str = "Products"
    table_inventory: str = "Inventory"
    table_orders: str = "Orders"
    table_users: str = "Users"
    table_idempotency: str = "Idempotency"
    bucket_images: str = "product-images"
    presign_ttl: int = 900
    sql_url: str = "sqlite:///mcctl-functions.db"
    bus_kind: Literal["sqs", "servicebus"] = "sqs"
    queue_urls: tuple[tuple[str, str], ...] = ()
    queue_names: tuple[tuple[str, str], ...] = ()
    servicebus_connection: str = ""
    servicebus_namespace: str = ""
    servicebus_credential: str = ""
    servicebus_client_id: str = ""
    max_deliveries: int = 5
    max_lock_renewal: int = 300
    redis_url: str = ""
    redis_password: str = ""
    cache_ttl: int = 30
    jwks_url: str = ""
    jwks_json: str = ""
    issuer: str = ""
    client_ids: tuple[str, ...] = ()
    token_use: Literal["access", "id", "any"] = "any"
    cloud_claim: str = ""
    service_api_keys: str = ""
    api_keys_ttl: int = 60
    peer_api_url: str = ""
    payment_provider: Literal["sandbox", "stripe"] = "sandbox"
    stripe_api_key: str = ""
    stripe_api_base: str = ""
    currency: str = "usd"
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "shop@example.com"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    outbox_dir: str = ""

    def queue_url(self, queue: str) -> str:
        """The SQS URL of a logical queue (orders, payments, notifications, analytics)."""
        found = dict(self.queue_urls).get(queue)
        if not found:
            raise ConfigError(f"{PREFIX}QUEUE_URL_{queue.upper()} is not set")
        return found

    def queue_name(self, queue: str) -> str:
        """The Service Bus queue name of a logical queue."""
        return dict(self.queue_names).get(queue, queue)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> FunctionConfig:
        """Read and validate every `MCCTL_FN_*` variable (see the module docstring)."""
        env = os.environ if env is None else env

        def s(name: str, default: str = "") -> str:
            return env.get(PREFIX + name, "").strip() or default

        cloud = _choice(env, "CLOUD", "aws", ("aws", "azure"))
        store = _choice(env, "STORE", "dynamodb" if cloud == "aws" else "sql", ("dynamodb", "sql"))
        region = s("REGION") or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
        return cls(
            cloud=cloud,  # type: ignore[arg-type]
            store=store,  # type: ignore[arg-type]
            region=region,
            aws_endpoint=s("AWS_ENDPOINT") or None,
            table_products=s("TABLE_PRODUCTS", "Products"),
            table_inventory=s("TABLE_INVENTORY", "Inventory"),
            table_orders=s("TABLE_ORDERS", "Orders"),
            table_users=s("TABLE_USERS", "Users"),
            table_idempotency=s("TABLE_IDEMPOTENCY", "Idempotency"),
            bucket_images=s("BUCKET_IMAGES", "product-images"),
            presign_ttl=_int(env, "PRESIGN_TTL", 900),
            sql_url=s("SQL_URL", "sqlite:///mcctl-functions.db"),
            bus_kind=_choice(env, "BUS_KIND", "sqs", ("sqs", "servicebus")),  # type: ignore[arg-type]
            queue_urls=tuple((q, s(f"QUEUE_URL_{q.upper()}")) for q in QUEUES if s(f"QUEUE_URL_{q.upper()}")),
            queue_names=tuple((q, s(f"QUEUE_{q.upper()}", q)) for q in QUEUES),
            servicebus_connection=s("SERVICEBUS_CONNECTION"),
            servicebus_namespace=s(f"SERVICEBUS_CONNECTION{IDENTITY_SEP}fullyQualifiedNamespace"),
            servicebus_credential=s(f"SERVICEBUS_CONNECTION{IDENTITY_SEP}credential"),
            servicebus_client_id=s(f"SERVICEBUS_CONNECTION{IDENTITY_SEP}clientId"),
            max_deliveries=max(1, _int(env, "MAX_DELIVERIES", 5)),
            max_lock_renewal=max(0, _int(env, "MAX_LOCK_RENEWAL", 300)),
            redis_url=s("REDIS_URL"),
            redis_password=s("REDIS_PASSWORD"),
            cache_ttl=_int(env, "CACHE_TTL", 30),
            jwks_url=s("COGNITO_JWKS_URL"),
            jwks_json=s("COGNITO_JWKS"),
            issuer=s("COGNITO_ISSUER"),
            client_ids=tuple(c.strip() for c in s("COGNITO_CLIENT_ID").split(",") if c.strip()),
            token_use=_choice(env, "COGNITO_TOKEN_USE", "any", ("access", "id", "any")),  # type: ignore[arg-type]
            cloud_claim=s("CLOUD_CLAIM"),
            service_api_keys=s("SERVICE_API_KEYS"),
            api_keys_ttl=max(0, _int(env, "API_KEYS_TTL", 60)),
            peer_api_url=s("PEER_API_URL").rstrip("/"),
            payment_provider=_choice(env, "PAYMENT_PROVIDER", "sandbox", ("sandbox", "stripe")),  # type: ignore[arg-type]
            stripe_api_key=s("STRIPE_API_KEY"),
            stripe_api_base=s("STRIPE_API_BASE"),
            currency=s("CURRENCY", "usd").lower(),
            smtp_host=s("SMTP_HOST"),
            smtp_port=_int(env, "SMTP_PORT", 25),
            smtp_from=s("SMTP_FROM", "shop@example.com"),
            smtp_user=s("SMTP_USER"),
            smtp_password=s("SMTP_PASSWORD"),
            smtp_starttls=s("SMTP_STARTTLS") in ("1", "true", "yes"),
            outbox_dir=s("OUTBOX_DIR"),
        )


def sql_create_schema(cfg: FunctionConfig, env: Mapping[str, str] | None = None) -> bool:
    """Create missing SQL tables at start-up? MCCTL_FN_SQL_CREATE_SCHEMA=1|0 (default: on for SQLite)."""
    raw = (os.environ if env is None else env).get(PREFIX + "SQL_CREATE_SCHEMA", "").strip()
    if raw:
        return raw in ("1", "true", "yes")
    return cfg.sql_url.startswith("sqlite")
