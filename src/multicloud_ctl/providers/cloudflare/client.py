"""A thin typed Cloudflare client: the load-balancing and DNS calls mcctl uses, errors mapped, guarded.

    cf = CloudflareClient(environment, secrets, dry_run=False)   # runtime.cloudflare builds this one
    pool = cf.edit_pool(pool_id, enabled=False)

Built on the official SDK with `base_url` from the environment (the sandbox's `local/edge` on `local`)
the dry-run guard: under `--dry-run` any non-GET request is refused before it leaves the process and
counted (`cf.guard.blocked`). The guard runs in the SDK's pre-send hook (outside its retry loop, so a
refusal is not retried) and again, as a seatbelt, in the `httpx.Client` request event hook. SDK
exceptions become `errors.NotFound/AuthError/Throttled/EndpointUnreachable/ProviderError` with the
`cf-ray` as request id.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import EndpointUnreachable
from multicloud_ctl.providers.cloudflare.errors import cloudflare_errors
from multicloud_ctl.providers.cloudflare.models import (
    DnsRecord,
    LoadBalancer,
    Monitor,
    Origin,
    Pool,
    PoolHealth,
    SessionAffinityAttributes,
)
from multicloud_ctl.providers.dryrun import MutationGuard
from multicloud_ctl.providers.listing_cache import ListingCache

if TYPE_CHECKING:
    import ssl

    import httpx
    from cloudflare import Cloudflare

    from multicloud_ctl.config.environment import Environment
    from multicloud_ctl.config.secrets import SecretResolver


# The monitor's probe `timeout` (seconds, a body field) clashes with the `timeout` keyword every SDK method
# takes for its own HTTP request: the SDK takes the body field as `load_balancer_monitor_timeout` and sends
# it as `timeout`. Passed as `timeout=`, it would only shorten our request and never reach the monitor.
MONITOR_SDK_FIELDS = {"timeout": "load_balancer_monitor_timeout"}


def monitor_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Monitor body fields (as the API names them) as the SDK's keyword arguments."""
    return {MONITOR_SDK_FIELDS.get(k, k): v for k, v in fields.items()}


def tls_context() -> ssl.SSLContext:
    """The verifying TLS context every Cloudflare client of this process shares.

    httpx builds one per `httpx.Client` by loading a whole CA bundle (`httpx.create_ssl_context`, 25-70 ms of
    CPU here), before the first request and whether or not the base URL is https. The context is the one httpx
    would build (SSL_CERT_FILE or SSL_CERT_DIR when set, else certifi's bundle), made once per value of those
    variables; an `SSLContext` may be shared by connections on any thread.
    """
    return _tls_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@cache
def _tls_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    import httpx

    return httpx.create_ssl_context()  # reads the same variables, as they are now


def _origins(origins: list[Origin]) -> Any:
    """Origins as the SDK's request shape (its TypedDict is stricter than our plain dicts)."""
    return [o.to_api() for o in origins]


class CloudflareClient:
    """The Cloudflare calls mcctl makes, returning our dataclasses."""

    def __init__(
        self,
        environment: Environment,
        secrets: SecretResolver | None = None,
        *,
        dry_run: bool = False,
        max_retries: int | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        self.environment = environment
        self.dry_run = dry_run
        self.guard = MutationGuard("cloudflare", dry_run=dry_run)
        self._secrets = secrets
        self._max_retries = max_retries if max_retries is not None else (1 if environment.is_local else 4)
        self._http_client = http_client
        self.listings = ListingCache()

    @property
    def counter(self) -> MutationGuard:
        return self.guard

    @property
    def account_id(self) -> str:
        return self.environment.cloudflare.account_id

    @property
    def zone_id(self) -> str:
        return self.environment.cloudflare.zone_id

    def _guard_hook(self, request: httpx.Request) -> None:
        """Seatbelt on the httpx client: refuses (without counting again) what slipped past the SDK hook."""
        if self.guard.dry_run and self.guard.is_mutating(request.method, str(request.url)):
            self.guard.check(request.method, str(request.url))

    @cached_property
    def sdk(self) -> Cloudflare:
        """The official SDK client (guarded http client, base_url from the environment)."""
        import httpx
        from cloudflare import Cloudflare

        if self._secrets is None:
            from multicloud_ctl.config.secrets import SecretResolver

            self._secrets = SecretResolver()
        token = self._secrets.resolve(self.environment.cloudflare.api_token)
        network = self.environment.network
        http = self._http_client or httpx.Client(
            timeout=httpx.Timeout(network.read_timeout_seconds, connect=network.connect_timeout_seconds),
            verify=tls_context(),
        )
        http.event_hooks.setdefault("request", []).append(self._guard_hook)
        kwargs: dict[str, Any] = {"api_token": token, "max_retries": self._max_retries, "http_client": http}
        base_url = self.environment.endpoints().cloudflare
        if base_url:
            kwargs["base_url"] = base_url
        guard = self.guard
        from multicloud_ctl.providers.deadline import last_retry_start

        deadline, last_start = network.deadline_seconds, last_retry_start(network)
        started = threading.local()

        class GuardedCloudflare(Cloudflare):
            # The SDK's pre-send hook runs outside its retry loop: a refusal is raised once, unwrapped. It runs
            # before every attempt, which is also where the call's deadline is kept: the SDK numbers its
            # attempts in `x-stainless-retry-count` (`_build_headers`), so attempt 0 starts the clock and no
            # retry starts that could not end within `network.deadline_seconds` (the SDK has counts, no total).
            def _prepare_request(self, request: httpx.Request) -> None:
                super()._prepare_request(request)
                guard.check(request.method, str(request.url))
                now = time.monotonic()
                if request.headers.get("x-stainless-retry-count", "0") == "0":
                    started.at = now
                elif now - getattr(started, "at", now) > last_start:
                    raise EndpointUnreachable(
                        f"cloudflare: {request.method} {request.url.path}: no answer within the {deadline:g}s "
                        "deadline (network.deadline_seconds)",
                        provider="cloudflare",
                        hint="is the Cloudflare API reachable from here? retry when it answers",
                    )

        return GuardedCloudflare(**kwargs)

    # ---- the API token ----------------------------------------------------------------------------
    def verify_token(self) -> str:
        """The API token's status (`active`, `disabled`, `expired`): GET /user/tokens/verify."""
        with cloudflare_errors("verify the API token"):
            got = self.sdk.user.tokens.verify()
        return str(getattr(got, "status", None) or "unknown")

    # ---- monitors ---------------------------------------------------------------------------------
    def list_monitors(self) -> list[Monitor]:
        with cloudflare_errors("list monitors"):
            return [Monitor.from_api(m) for m in self.sdk.load_balancers.monitors.list(account_id=self.account_id)]

    def get_monitor(self, monitor_id: str) -> Monitor:
        with cloudflare_errors(f"get monitor {monitor_id}"):
            return Monitor.from_api(self.sdk.load_balancers.monitors.get(monitor_id, account_id=self.account_id))

    def create_monitor(self, **fields: Any) -> Monitor:
        """Create a monitor from its API fields (`type`, `path`, `timeout` (the probe's), `expected_codes`...)."""
        with cloudflare_errors("create monitor"):
            mon = self.sdk.load_balancers.monitors.create(account_id=self.account_id, **monitor_fields(fields))
            return Monitor.from_api(mon)

    def update_monitor(self, monitor_id: str, **fields: Any) -> Monitor:
        with cloudflare_errors(f"update monitor {monitor_id}"):
            mon = self.sdk.load_balancers.monitors.update(
                monitor_id, account_id=self.account_id, **monitor_fields(fields)
            )
            return Monitor.from_api(mon)

    def edit_monitor(self, monitor_id: str, **fields: Any) -> Monitor:
        with cloudflare_errors(f"edit monitor {monitor_id}"):
            mon = self.sdk.load_balancers.monitors.edit(
                monitor_id, account_id=self.account_id, **monitor_fields(fields)
            )
            return Monitor.from_api(mon)

    def delete_monitor(self, monitor_id: str) -> None:
        with cloudflare_errors(f"delete monitor {monitor_id}"):
            self.sdk.load_balancers.monitors.delete(monitor_id, account_id=self.account_id)

    # ---- pools ------------------------------------------------------------------------------------
    def list_pools(self) -> list[Pool]:
        with cloudflare_errors("list pools"):
            return [Pool.from_api(p) for p in self.sdk.load_balancers.pools.list(account_id=self.account_id)]

    def get_pool(self, pool_id: str) -> Pool:
        with cloudflare_errors(f"get pool {pool_id}"):
            return Pool.from_api(self.sdk.load_balancers.pools.get(pool_id, account_id=self.account_id))

    def find_pool(self, name: str) -> Pool | None:
        """The pool called `name`, if any."""
        return next((p for p in self.list_pools() if p.name == name), None)

    def create_pool(self, name: str, origins: list[Origin], **fields: Any) -> Pool:
        with cloudflare_errors(f"create pool {name}"):
            pool = self.sdk.load_balancers.pools.create(
                account_id=self.account_id, name=name, origins=_origins(origins), **fields
            )
            return Pool.from_api(pool)

    def update_pool(self, pool_id: str, name: str, origins: list[Origin], **fields: Any) -> Pool:
        """Replace the pool (PUT): fields left out return to their defaults."""
        with cloudflare_errors(f"update pool {pool_id}"):
            pool = self.sdk.load_balancers.pools.update(
                pool_id,
                account_id=self.account_id,
                name=name,
                origins=_origins(origins),
                **fields,
            )
            return Pool.from_api(pool)

    def edit_pool(self, pool_id: str, **fields: Any) -> Pool:
        """Change some fields (PATCH), e.g. `enabled=False`; `origins` replaces the whole list."""
        if "origins" in fields:
            fields["origins"] = [o.to_api() if isinstance(o, Origin) else o for o in fields["origins"]]
        with cloudflare_errors(f"edit pool {pool_id}"):
            return Pool.from_api(self.sdk.load_balancers.pools.edit(pool_id, account_id=self.account_id, **fields))

    def delete_pool(self, pool_id: str) -> None:
        with cloudflare_errors(f"delete pool {pool_id}"):
            self.sdk.load_balancers.pools.delete(pool_id, account_id=self.account_id)

    def pool_health(self, pool_id: str) -> PoolHealth:
        with cloudflare_errors(f"get pool health {pool_id}"):
            raw = self.sdk.load_balancers.pools.health.get(pool_id, account_id=self.account_id)
            health = PoolHealth.from_api(raw)
            return health if health.pool_id else dataclasses.replace(health, pool_id=pool_id)

    # ---- load balancers (zone) --------------------------------------------------------------------
    def list_load_balancers(self) -> list[LoadBalancer]:
        with cloudflare_errors("list load balancers"):
            return [LoadBalancer.from_api(lb) for lb in self.sdk.load_balancers.list(zone_id=self.zone_id)]

    def get_load_balancer(self, lb_id: str) -> LoadBalancer:
        with cloudflare_errors(f"get load balancer {lb_id}"):
            return LoadBalancer.from_api(self.sdk.load_balancers.get(lb_id, zone_id=self.zone_id))

    def find_load_balancer(self, name: str) -> LoadBalancer | None:
        """The load balancer whose hostname is `name` (or starts with `name.`), if any."""
        for lb in self.list_load_balancers():
            if lb.name == name or lb.name.startswith(f"{name}."):
                return lb
        return None

    def create_load_balancer(
        self, name: str, default_pools: list[str], fallback_pool: str, **fields: Any
    ) -> LoadBalancer:
        with cloudflare_errors(f"create load balancer {name}"):
            lb = self.sdk.load_balancers.create(
                zone_id=self.zone_id,
                name=name,
                default_pools=default_pools,
                fallback_pool=fallback_pool,
                **fields,
            )
            return LoadBalancer.from_api(lb)

    def update_load_balancer(
        self, lb_id: str, name: str, default_pools: list[str], fallback_pool: str, **fields: Any
    ) -> LoadBalancer:
        with cloudflare_errors(f"update load balancer {lb_id}"):
            lb = self.sdk.load_balancers.update(
                lb_id,
                zone_id=self.zone_id,
                name=name,
                default_pools=default_pools,
                fallback_pool=fallback_pool,
                **fields,
            )
            return LoadBalancer.from_api(lb)

    def edit_load_balancer(self, lb_id: str, **fields: Any) -> LoadBalancer:
        """Change some fields (PATCH): `default_pools`, `fallback_pool`, `region_pools`...; the others stay."""
        if isinstance(attrs := fields.get("session_affinity_attributes"), SessionAffinityAttributes):
            fields["session_affinity_attributes"] = attrs.to_api()  # PATCH replaces that whole object
        with cloudflare_errors(f"edit load balancer {lb_id}"):
            return LoadBalancer.from_api(self.sdk.load_balancers.edit(lb_id, zone_id=self.zone_id, **fields))

    def edit_session_affinity_attributes(self, lb_id: str, attrs: SessionAffinityAttributes) -> LoadBalancer:
        """Set the load balancer's `session_affinity_attributes` alone (affinity sessions; not failover/failback)."""
        return self.edit_load_balancer(lb_id, session_affinity_attributes=attrs)

    def delete_load_balancer(self, lb_id: str) -> None:
        with cloudflare_errors(f"delete load balancer {lb_id}"):
            self.sdk.load_balancers.delete(lb_id, zone_id=self.zone_id)

    # ---- DNS records (zone) -----------------------------------------------------------------------
    def list_dns_records(self, *, name: str | None = None, type: str | None = None) -> list[DnsRecord]:
        params: dict[str, Any] = {}
        if name:
            params["name"] = {"exact": name}
        if type:
            params["type"] = type
        with cloudflare_errors("list DNS records"):
            return [DnsRecord.from_api(r) for r in self.sdk.dns.records.list(zone_id=self.zone_id, **params)]

    def get_dns_record(self, record_id: str) -> DnsRecord:
        with cloudflare_errors(f"get DNS record {record_id}"):
            return DnsRecord.from_api(self.sdk.dns.records.get(record_id, zone_id=self.zone_id))

    def create_dns_record(
        self, type: str, name: str, content: str, *, ttl: int = 1, proxied: bool = False, **fields: Any
    ) -> DnsRecord:
        with cloudflare_errors(f"create DNS record {name}"):
            rec = self.sdk.dns.records.create(
                zone_id=self.zone_id,
                type=type,
                name=name,  # type: ignore[call-overload]
                content=content,
                ttl=ttl,
                proxied=proxied,
                **fields,
            )
            return DnsRecord.from_api(rec)

    def update_dns_record(
        self,
        record_id: str,
        type: str,
        name: str,
        content: str,
        *,
        ttl: int = 1,
        proxied: bool = False,
        **fields: Any,
    ) -> DnsRecord:
        with cloudflare_errors(f"update DNS record {record_id}"):
            rec = self.sdk.dns.records.update(
                record_id,
                zone_id=self.zone_id,
                type=type,  # type: ignore[call-overload]
                name=name,
                content=content,
                ttl=ttl,
                proxied=proxied,
                **fields,
            )
            return DnsRecord.from_api(rec)

    def edit_dns_record(self, record_id: str, **fields: Any) -> DnsRecord:
        """Change some fields (PATCH). The API's patch body is still a whole record of its type (`type`,
        `name`, `content`, and in later API versions `ttl`, are required), so the current ones fill in."""
        current = self.get_dns_record(record_id)
        merged = {"type": current.type, "name": current.name, "ttl": current.ttl}
        if current.content:
            merged["content"] = current.content
        merged.update(fields)
        with cloudflare_errors(f"edit DNS record {record_id}"):
            rec = self.sdk.dns.records.edit(record_id, zone_id=self.zone_id, **merged)  # type: ignore[call-overload]
            return DnsRecord.from_api(rec)

    def delete_dns_record(self, record_id: str) -> None:
        with cloudflare_errors(f"delete DNS record {record_id}"):
            self.sdk.dns.records.delete(record_id, zone_id=self.zone_id)
