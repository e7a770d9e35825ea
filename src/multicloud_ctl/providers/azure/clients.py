"""One factory for every Azure SDK client mcctl uses, built from the Environment.

    azure = AzureClients(environment, secrets, dry_run=True)     # runtime.azure builds this one
    with azure_errors("list resource groups"):
        groups = list(azure.resources.resource_groups.list())
    assert azure.guard.mutating == 0 and azure.guard.blocked == 0

On `local` the management clients talk to the sandbox's fake ARM (`env.endpoints().arm`) with a static
token (http allowed for loopback only, see `credential.py`) and blob talks to Azurite with the published
development account. In the cloud, management clients use `DefaultAzureCredential` (or the service
principal named in the environment) and blob uses the connection secret reference or the same credential.
Every client carries the dry-run guard (`guard.py`) and the SDK's own retry policy, tuned here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from multicloud_ctl.providers.dryrun import MutationGuard
from multicloud_ctl.providers.listing_cache import ListingCache

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential
    from azure.mgmt.costmanagement import CostManagementClient
    from azure.mgmt.resource.resources import ResourceManagementClient
    from azure.mgmt.servicebus import ServiceBusManagementClient
    from azure.mgmt.sql import SqlManagementClient
    from azure.mgmt.web import WebSiteManagementClient
    from azure.storage.blob import BlobServiceClient

    from multicloud_ctl.config.environment import Environment, NetworkConfig
    from multicloud_ctl.config.secrets import SecretResolver
    from multicloud_ctl.providers.azure.sharedkey import SharedKey

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# Microsoft's published Azurite/Storage Emulator account: public, documented, not a secret.
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def retry_settings(environment: Environment) -> dict[str, Any]:
    """Keyword arguments for azure-core's RetryPolicy: exponential backoff, Retry-After honoured, and as its
    `timeout` the whole call's deadline (`network.deadline_seconds`: azure-core stops retrying, and shortens the
    last attempt's timeouts, once it has passed: `RetryPolicy._configure_timeout`)."""
    local = environment.is_local
    return {
        "retry_total": 4,
        "retry_backoff_factor": 0.1 if local else 0.8,
        "retry_backoff_max": 2 if local else 60,
        "retry_on_status_codes": [408, 429, 500, 502, 503, 504],
        "timeout": environment.network.deadline_seconds,
    }


def transport_settings(network: NetworkConfig) -> dict[str, Any]:
    """azure-core transport keywords: the per-attempt connect and read timeouts."""
    return {"connection_timeout": network.connect_timeout_seconds, "read_timeout": network.read_timeout_seconds}


def bounded_storage_retry(policy: type[Any], deadline: float) -> type[Any]:
    """The storage SDK's retry policy (`LinearRetry`, `ExponentialRetry`) with a deadline per call: it has
    retry counts but no total time (`StorageRetryPolicy.increment` answers whether to retry; this answers no
    once the call is `deadline` seconds old: pass `deadline.last_retry_start`)."""
    import time

    class Bounded(policy):  # type: ignore[misc, valid-type]
        def configure_retries(self, request: Any) -> dict[str, Any]:
            settings: dict[str, Any] = super().configure_retries(request)
            settings["mcctl_deadline_at"] = time.monotonic() + deadline
            return settings

        def increment(self, settings: dict[str, Any], request: Any, response: Any = None, error: Any = None) -> bool:
            if time.monotonic() >= settings.get("mcctl_deadline_at", float("inf")):
                return False
            return bool(super().increment(settings, request, response=response, error=error))

    return Bounded


@dataclass
class AzureClients:
    """Lazily built Azure clients for one environment; `guard` counts (under dry run: refuses) mutations."""

    environment: Environment
    secrets: SecretResolver | None = None
    dry_run: bool = False
    credential_override: TokenCredential | None = None
    guard: MutationGuard = field(init=False)
    # resource groups' listings (`resources.ArmResources.listed`); a write under a group drops its listing
    listings: ListingCache = field(init=False, default_factory=ListingCache)

    def __post_init__(self) -> None:
        from multicloud_ctl.providers.azure.readonly import azure_guard
        from multicloud_ctl.providers.azure.resources import drop_group_listing

        self.guard = azure_guard(self.dry_run)
        self.guard.on_mutation = lambda _method, url: drop_group_listing(self.listings, url)

    @property
    def counter(self) -> MutationGuard:
        """The guard's call counts (`total`, `mutating`, `blocked`), named like `AwsClients.counter`."""
        return self.guard

    # ---- credentials ------------------------------------------------------------------------------
    @cached_property
    def credential(self) -> TokenCredential:
        """Static token on the sandbox; a service principal or DefaultAzureCredential in the cloud."""
        if self.credential_override is not None:
            return self.credential_override
        if self.environment.is_local:
            from multicloud_ctl.providers.azure.credential import StaticTokenCredential

            return StaticTokenCredential()
        az = self.environment.azure
        if az.client_id and az.client_secret:
            from azure.identity import ClientSecretCredential

            secret = self._resolver().resolve(az.client_secret)
            return ClientSecretCredential(az.tenant_id, az.client_id, secret)
        from azure.identity import DefaultAzureCredential

        return DefaultAzureCredential()

    def _resolver(self) -> SecretResolver:
        if self.secrets is None:
            from multicloud_ctl.config.secrets import SecretResolver

            self.secrets = SecretResolver()
        return self.secrets

    def mgmt_kwargs(self) -> dict[str, Any]:
        """Keyword arguments shared by every azure-mgmt client (endpoint, auth, guard, retries)."""
        from multicloud_ctl.providers.azure.credential import authentication_policy
        from multicloud_ctl.providers.azure.guard import DryRunPolicy

        local = self.environment.is_local
        kwargs: dict[str, Any] = {
            "authentication_policy": authentication_policy(self.credential),
            "custom_hook_policy": DryRunPolicy(self.guard),
            **retry_settings(self.environment),
            **transport_settings(self.environment.network),
        }
        arm = self.environment.endpoints().arm
        if arm:
            kwargs["base_url"] = arm
            if urlsplit(arm).hostname in LOOPBACK_HOSTS:
                # no proxy serves loopback, and requests' environment lookup (`trust_env`: proxies, no_proxy,
                # netrc, CA bundle) walks os.environ twice per request: ~0.7 ms of a ~3.7 ms ARM call's CPU
                kwargs["use_env_settings"] = False
        if local:
            # the sandbox ARM answers Retry-After: 0, which azure-core reads as "use polling_interval": every
            # long-running operation is polled (lro_polls=2 by default) on loopback, 0.2 s cost ~10 s per apply
            kwargs["polling_interval"] = 0.05
        return kwargs

    @property
    def subscription_id(self) -> str:
        return self.environment.azure.subscription_id

    # ---- management clients -----------------------------------------------------------------------
    @cached_property
    def resources(self) -> ResourceManagementClient:
        from azure.mgmt.resource.resources import ResourceManagementClient

        return ResourceManagementClient(self.credential, self.subscription_id, **self.mgmt_kwargs())

    @cached_property
    def web(self) -> WebSiteManagementClient:
        from azure.mgmt.web import WebSiteManagementClient

        # the api-version provision writes sites and plans with (kinds/azure_function_app.py), not the SDK's
        # newest (2025-05-01, which has no published deployment schema yet): one version across mcctl
        return WebSiteManagementClient(
            self.credential, self.subscription_id, api_version="2023-12-01", **self.mgmt_kwargs()
        )

    @cached_property
    def sql(self) -> SqlManagementClient:
        from azure.mgmt.sql import SqlManagementClient

        # one api-version for every SQL call, the one provision's SQL kinds use (the SDK's per-operation default
        # is newer than the fake ARM's vendored schemas)
        return SqlManagementClient(
            self.credential, self.subscription_id, api_version="2021-11-01", **self.mgmt_kwargs()
        )

    @cached_property
    def servicebus(self) -> ServiceBusManagementClient:
        from azure.mgmt.servicebus import ServiceBusManagementClient

        # the api-version provision writes namespaces with (kinds/azure_servicebus_namespace.py), not the SDK's
        # newest: one published version across mcctl, the one whose schema the sandbox validates against
        return ServiceBusManagementClient(
            self.credential, self.subscription_id, api_version="2024-01-01", **self.mgmt_kwargs()
        )

    @cached_property
    def cost(self) -> CostManagementClient:
        from azure.mgmt.costmanagement import CostManagementClient

        return CostManagementClient(self.credential, **self.mgmt_kwargs())

    # ---- data plane -------------------------------------------------------------------------------
    @cached_property
    def blob_key(self) -> SharedKey | None:
        """The storage account's Shared Key signer when blob is reached with an account key (Azurite's published
        one on `local`; a connection string's AccountKey), else None (SAS or token: the SDK signs). The wire
        path (`blobwire.py`) signs with it, so the calls it carries need no `azure.*` import."""
        from multicloud_ctl.providers.azure.sharedkey import SharedKey

        found = self._account_key()
        return SharedKey(*found) if found else None

    @cached_property
    def blob_url(self) -> str:
        """The blob service URL the SDK client would use (no trailing slash, SAS kept), without building it."""
        from multicloud_ctl.providers.azure.sharedkey import parse_connection_string

        storage = self.environment.azure.storage
        endpoint = self.environment.endpoints().blob
        if storage.connection is not None:
            parts = parse_connection_string(self._resolver().resolve(storage.connection))
            url = parts.get("BlobEndpoint") or "{}://{}.blob.{}".format(
                parts.get("DefaultEndpointsProtocol", "https"),
                parts.get("AccountName", ""),
                parts.get("EndpointSuffix", "core.windows.net"),
            )
            sas = parts.get("SharedAccessSignature", "").lstrip("?")
            return url.rstrip("/") + (f"?{sas}" if sas else "")
        if self.environment.is_local:
            return (endpoint or f"http://127.0.0.1:10000/{AZURITE_ACCOUNT}").rstrip("/")
        return (endpoint or f"https://{storage.account}.blob.core.windows.net").rstrip("/")

    def _account_key(self) -> tuple[str, str] | None:
        from multicloud_ctl.providers.azure.sharedkey import parse_connection_string

        storage = self.environment.azure.storage
        if storage.connection is not None:
            parts = parse_connection_string(self._resolver().resolve(storage.connection))
            if parts.get("AccountName") and parts.get("AccountKey") and not parts.get("SharedAccessSignature"):
                return parts["AccountName"], parts["AccountKey"]
            return None
        if self.environment.is_local:
            return AZURITE_ACCOUNT, AZURITE_KEY
        return None

    @cached_property
    def blob(self) -> BlobServiceClient:
        """Blob: Azurite's dev account on `local`; the connection secret or the credential in the cloud."""
        from azure.storage.blob import BlobServiceClient, ExponentialRetry, LinearRetry

        from multicloud_ctl.providers.azure.guard import DryRunPolicy
        from multicloud_ctl.providers.deadline import last_retry_start

        storage = self.environment.azure.storage
        # The storage SDK's default backoff starts at 15 s (minutes against a dead endpoint): bound it.
        network = self.environment.network
        retry: LinearRetry | ExponentialRetry
        if self.environment.is_local:
            retry = bounded_storage_retry(LinearRetry, last_retry_start(network))(
                backoff=1, random_jitter_range=0, retry_total=2
            )
        else:
            retry = bounded_storage_retry(ExponentialRetry, last_retry_start(network))(
                initial_backoff=2, increment_base=2, retry_total=5
            )
        extra: dict[str, Any] = {
            "_additional_pipeline_policies": [DryRunPolicy(self.guard)],
            "retry_policy": retry,
            **transport_settings(network),
        }
        endpoint = self.environment.endpoints().blob
        if self.environment.is_local and storage.connection is None:
            url = endpoint or f"http://127.0.0.1:10000/{AZURITE_ACCOUNT}"
            return BlobServiceClient(
                url, credential={"account_name": AZURITE_ACCOUNT, "account_key": AZURITE_KEY}, **extra
            )
        if storage.connection is not None:
            conn = self._resolver().resolve(storage.connection)
            return BlobServiceClient.from_connection_string(conn, **extra)
        url = endpoint or f"https://{storage.account}.blob.core.windows.net"
        return BlobServiceClient(url, credential=self.credential, **extra)


def azure_clients(environment: Environment, dry_run: bool = False, **kwargs: Any) -> AzureClients:
    """The Azure client factory for `environment` (a Runtime will hold one per run)."""
    return AzureClients(environment, dry_run=dry_run, **kwargs)
