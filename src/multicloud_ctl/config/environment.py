"""The environment model: what `config/<env>.yaml` may say (pydantic v2, unknown keys refused).

One file per environment: `local` (the sandbox on loopback, the default), `staging`, `prod`. Endpoints are
only set for `local` (or for a test double); in the cloud every SDK uses its real endpoint. Secrets appear
only as references (see `config.secrets`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from multicloud_ctl.config.secrets import SecretRef
from multicloud_ctl.config.specs.base import BucketName, ContainerName


class Model(BaseModel):
    """Base of every config model: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Regions(Model):
    primary: str
    secondary: str


class AwsTables(Model):
    products: str = "Products"
    users: str = "Users"
    inventory: str = "Inventory"
    orders: str = "Orders"
    idempotency: str = "Idempotency"
    locks: str = "mcctl-locks"


class AwsBuckets(Model):
    product_images: BucketName = "product-images"
    static_assets: BucketName = "static-assets"
    artifacts: BucketName = "mcctl-artifacts"


class AwsQueues(Model):
    orders: str = "orders"
    notifications: str = "notifications"
    payments: str = "payments"
    analytics: str = "analytics"


class AwsConfig(Model):
    account_id: str = Field(pattern=r"^\d{12}$")
    account_name: str | None = Field(
        default=None, description="Display name of the account (FOCUS SubAccountName; Cost Explorer does not return it)"
    )
    regions: Regions
    profile: str | None = None
    endpoint_url: str | None = Field(default=None, description="Override every AWS endpoint (the sandbox's moto)")
    access_key_id: SecretRef | None = None
    secret_access_key: SecretRef | None = None
    global_tables: bool = False
    s3_replication: bool = False
    tables: AwsTables = AwsTables()
    buckets: AwsBuckets = AwsBuckets()
    queues: AwsQueues = AwsQueues()
    cdc_failure_queue: str = Field(
        default="cdc-failures",
        pattern=r"^[A-Za-z0-9_-]{1,80}$",
        description="Standard SQS queue receiving the CDC Lambda's failed stream batches (`mcctl sync replay`)",
    )
    user_pool: str = "mcctl-users"
    functions: list[str] = ["product-service", "inventory-service", "order-service", "user-service"]
    max_attempts: int = Field(default=5, ge=1, le=20)
    max_pool_connections: int = Field(
        default=64, ge=1, le=1024, description="HTTP connections per client (sync reads shards concurrently)"
    )


class AzureSql(Model):
    url: str = Field(description="SQLAlchemy URL without a password, or a secret reference to one")
    server: str = "mcctl-sql"
    database: str = "mcctl"
    geo_replica: bool = False

    @field_validator("url")
    @classmethod
    def _no_password_in_url(cls, value: str) -> str:
        import re

        if re.match(r"^[a-z0-9+]+://[^/@:]+:[^/@]+@", value):
            raise ValueError("the URL carries a password: use a secret reference (env:NAME, azure-keyvault:URI)")
        return value


class AzureServiceBus(Model):
    namespace: str = "mcctl-bus"
    connection: SecretRef | None = Field(
        default=None,
        description="A Service Bus emulator's connection string, never deployed: cloud namespaces are "
        "provisioned with local (SAS) auth disabled and the functions connect with their managed identity",
    )
    queues: list[str] = ["orders", "payments", "notifications", "analytics"]


class AzureStorage(Model):
    account: str
    blob_endpoint: str | None = None
    connection: SecretRef | None = None
    backups_container: ContainerName = "backups"


class AzureConfig(Model):
    subscription_id: str
    subscription_name: str | None = Field(
        default=None, description="Display name of the subscription (FOCUS SubAccountName; the query omits it)"
    )
    tenant_id: str
    regions: Regions
    resource_group: str
    arm_endpoint: str | None = Field(default=None, description="Azure Resource Manager endpoint override")
    storage: AzureStorage
    sql: AzureSql
    service_bus: AzureServiceBus = AzureServiceBus()
    function_apps: list[str] = ["payment-processor", "notification-service", "analytics-processor", "backup-service"]
    client_id: str | None = None
    client_secret: SecretRef | None = None


class CloudflareConfig(Model):
    account_id: str
    zone_id: str
    zone_name: str
    api_token: SecretRef
    base_url: str | None = None
    load_balancer: str = "api"
    pools: dict[str, list[str]] = Field(
        default_factory=dict,
        description="pool name -> origin addresses (host:port or hostname); on `local` derived from the "
        "functions hosts' ports when left out",
    )


Port = Annotated[int, Field(ge=1, le=65535)]  # 70000 and -1 were accepted and failed later, at bind time


class LocalPorts(Model):
    moto: Port = 5000
    azurite_blob: Port = 10000
    arm: Port = 5100
    edge_api: Port = 5200
    edge_proxy: Port = 5280
    functions_aws: Port = 7071
    functions_azure: Port = 7072
    smtp: Port = 2525


class LocalConfig(Model):
    ports: LocalPorts = LocalPorts()
    host: Literal["127.0.0.1"] = "127.0.0.1"
    redis_url: str = Field(
        default="redis://127.0.0.1:6379/0",
        pattern=r"^redis://(127\.0\.0\.1|localhost)(:\d+)?(/\d+)?$",
        description="The machine's Redis: where the sandbox's functions find both clouds' caches",
    )
    isolation: Literal["none", "namespaces"] = Field(
        default="none",
        description="namespaces: each cloud's processes in their own network namespace (root, iproute2, "
        "nftables; `mcctl local up --isolate-clouds` for one run), still reached at 127.0.0.1:<port>",
    )


class NetworkConfig(Model):
    """Deadlines of every network call mcctl makes (boto3, the Azure SDKs, the Cloudflare SDK and the urllib3
    paths for S3 reads and Blob listings): a connect and a read timeout per attempt, and a deadline per call:
    no retry starts that could not end within it (elapsed + connect + read timeouts), so a call fails within
    about `deadline_seconds` (plus at most one backoff pause) whatever the endpoint does: one that accepts
    connections and never answers fails after one read timeout when a second attempt would not fit. A read
    timeout is the longest silence within an answer, not its length: a large download is not cut by it."""

    connect_timeout_seconds: float = Field(default=5.0, gt=0, le=120)
    read_timeout_seconds: float = Field(default=30.0, gt=0, le=900)
    deadline_seconds: float = Field(
        default=60.0, gt=0, le=3600, description="no retry of a call starts this long after the call began"
    )

    @model_validator(mode="after")
    def _one_attempt_fits(self) -> NetworkConfig:
        if self.connect_timeout_seconds + self.read_timeout_seconds > self.deadline_seconds:
            raise ValueError("deadline_seconds must leave room for one attempt (connect + read timeouts)")
        return self


class LeaseConfig(Model):
    """The environment lease every mutating run takes (`engine/lock.py`).

    `stores`: where it lives. DynamoDB alone (the default) cannot be taken while AWS is dark; the three
    stores, one per cloud, make a quorum that any two can grant, so a failover runs with any one cloud gone.
    """

    ttl_seconds: int = Field(default=900, ge=30)
    stores: list[Literal["aws", "azure", "cloudflare"]] = Field(default=["aws"], min_length=1)
    azure_container: ContainerName = "mcctl-leases"
    cloudflare_database: str = Field(default="mcctl-leases", pattern=r"^[a-z0-9][a-z0-9-_]*$")
    store_timeout_seconds: float = Field(
        default=10.0, gt=0, le=120, description="how long one store may take to answer before it counts as down"
    )

    @field_validator("stores")
    @classmethod
    def _odd_and_distinct(cls, stores: list[str]) -> list[str]:
        if len(set(stores)) != len(stores):
            raise ValueError("each store may be listed once")
        if len(stores) % 2 == 0:
            raise ValueError("list 1 or 3 stores: with 2, losing either one loses the majority")
        return stores


def derive_local_pools(data: Any) -> Any:
    """Fill `cloudflare.pools` of a raw `local` environment from the functions hosts' ports when absent."""
    if not (isinstance(data, dict) and data.get("kind") == "local"):
        return data
    cloudflare = data.get("cloudflare")
    if not isinstance(cloudflare, dict) or cloudflare.get("pools"):
        return data
    local = data.get("local")
    ports = local.get("ports") if isinstance(local, dict) else None
    ports = ports if isinstance(ports, dict) else {}
    defaults = LocalPorts()
    aws = ports.get("functions_aws", defaults.functions_aws)
    azure = ports.get("functions_azure", defaults.functions_azure)
    pools = {"aws": [f"127.0.0.1:{aws}"], "azure": [f"127.0.0.1:{azure}"]}
    return {**data, "cloudflare": {**cloudflare, "pools": pools}}


class Endpoints(Model):
    """Where each API answers; None means the SDK's real cloud endpoint."""

    aws: str | None
    arm: str | None
    blob: str | None
    cloudflare: str | None
    edge: str | None
    functions_aws: str | None
    functions_azure: str | None


class Environment(Model):
    """One environment: where every cloud resource is and how to reach it."""

    name: str = Field(pattern=r"^[a-z][a-z0-9-]{0,30}$")
    kind: Literal["local", "cloud"] = "cloud"
    state_dir: Path = Field(default=Path(".mcctl"), description="journals, locks and checkpoints")
    aws: AwsConfig
    azure: AzureConfig
    cloudflare: CloudflareConfig
    local: LocalConfig | None = None
    lease: LeaseConfig = LeaseConfig()
    network: NetworkConfig = NetworkConfig()
    tags: dict[str, str] = {}

    @model_validator(mode="before")
    @classmethod
    def _derive_local_pools(cls, data: Any) -> Any:
        """On `local`, the `aws` and `azure` pools default to the functions hosts on 127.0.0.1."""
        return derive_local_pools(data)

    def with_local_ports(self, **updates: Any) -> Environment:
        """A copy with some sandbox ports changed (and everything derived from them re-derived)."""
        if self.local is None:
            raise ValueError("not a local environment")
        data = self.model_dump(mode="python")
        derived = derive_local_pools({**data, "cloudflare": {**data["cloudflare"], "pools": {}}})
        if data["cloudflare"]["pools"] == derived["cloudflare"]["pools"]:
            data["cloudflare"]["pools"] = {}
        data["local"]["ports"].update(updates)
        return Environment.model_validate(data)

    @field_validator("state_dir")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()

    def anchored(self, root: Path) -> Environment:
        """Relative `state_dir` and SQLite paths made relative to `root`, the directory holding the config
        directory (config/home.py), so state lives beside the configuration, not in the current directory."""
        if root == Path("."):
            return self
        update: dict[str, Any] = {}
        if not self.state_dir.is_absolute():
            update["state_dir"] = root / self.state_dir
        url = self.azure.sql.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and url[len(prefix) :] not in ("", ":memory:"):
            sql = self.azure.sql.model_copy(update={"url": f"{prefix}{(root / url[len(prefix) :]).absolute()}"})
            update["azure"] = self.azure.model_copy(update={"sql": sql})
        return self.model_copy(update=update) if update else self

    @model_validator(mode="after")
    def _local_needs_ports(self) -> Environment:
        if self.kind == "local" and self.local is None:
            raise ValueError("a local environment needs a `local:` section (ports)")
        return self

    @property
    def is_local(self) -> bool:
        return self.kind == "local"

    @property
    def env_state_dir(self) -> Path:
        """The per-environment state directory (journals, locks, sandbox pids)."""
        return self.state_dir / self.name

    def endpoints(self) -> Endpoints:
        """Effective endpoints: explicit overrides first, then (for `local`) the sandbox ports on 127.0.0.1."""
        ports = self.local.ports if self.local else None
        host = self.local.host if self.local else "127.0.0.1"

        def loop(port: int | None, path: str = "") -> str | None:
            return f"http://{host}:{port}{path}" if port is not None else None

        return Endpoints(
            aws=self.aws.endpoint_url or (loop(ports.moto) if ports else None),
            arm=self.azure.arm_endpoint or (loop(ports.arm) if ports else None),
            blob=self.azure.storage.blob_endpoint
            or (loop(ports.azurite_blob, f"/{self.azure.storage.account}") if ports else None),
            cloudflare=self.cloudflare.base_url or (loop(ports.edge_api, "/client/v4") if ports else None),
            edge=loop(ports.edge_proxy) if ports else None,
            functions_aws=loop(ports.functions_aws) if ports else None,
            functions_azure=loop(ports.functions_azure) if ports else None,
        )

    def resource_tags(self) -> dict[str, str]:
        """The tags every managed resource carries."""
        return {"managed-by": "mcctl", "environment": self.name, **self.tags}
