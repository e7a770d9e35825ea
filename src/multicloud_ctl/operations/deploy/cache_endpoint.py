"""Where the functions' Redis is: the provisioned cache of their cloud, read with read-only calls.

The Lambda functions use the session cache (`elasticache_replication_group`, its primary endpoint in the primary
region; TLS, the AUTH token as a secret reference the functions resolve), the Azure functions the Azure Cache
for Redis (`azure_redis_cache`, its `hostName` and `sslPort`: TLS only). The names are fixed per environment so
deploy and provision agree without reading each other's files.

The sandbox has neither the clouds' DNS names nor a TLS Redis: there both resolve to the machine's Redis
(`local.redis_url`, redis://127.0.0.1:6379/0 by default), whether or not the caches are provisioned yet, and the
functions' Redis cache falls back to its in-process twin while that Redis is not running.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multicloud_ctl.config.environment import Environment

AZURE_CACHE_API = "2024-11-01"
# the tag on the replication group naming the reference its AUTH token came from (a reference is no secret)
AUTH_TOKEN_REF_TAG = "mcctl-auth-token-ref"


def session_cache_id(env: Environment) -> str:
    """The ElastiCache replication group id (`elasticache_replication_group`), the same in every region."""
    return f"mcctl-{env.name}-sessions"


def azure_cache_name(env: Environment) -> str:
    """The primary location's Azure Cache for Redis (`azure_redis_cache`; the secondary's is `<name>-<location>`)."""
    return f"mcctl-{env.name}-cache"


@dataclass(frozen=True)
class CacheEndpoint:
    host: str
    port: int
    tls: bool
    password_ref: str = ""  # a secret reference, never a value

    @property
    def url(self) -> str:
        return f"{'rediss' if self.tls else 'redis'}://{self.host}:{self.port}/0"


def find_cache(runtime: Any, cloud: str) -> CacheEndpoint | None:
    """The provisioned cache of `cloud` (aws | azure) in the primary region, or None when there is none (yet).

    The replication group's AUTH token reference is read from its `mcctl-auth-token-ref` tag (provision writes
    the playbook's `elasticache_replication_group.auth_token` there): the Lambda functions get that reference,
    never the token.
    """
    env = runtime.environment
    if cloud == "aws":
        from multicloud_ctl.providers.aws.elasticache import ElastiCache

        cache = ElastiCache(runtime.aws, env.aws.regions.primary)
        group = cache.replication_group(session_cache_id(env))
        found = primary_endpoint(group) if group else None
        if group is None or found is None:
            return None
        ref = cache.tags(group["ARN"]).get(AUTH_TOKEN_REF_TAG, "") if group.get("AuthTokenEnabled") else ""
        return CacheEndpoint(found["host"], found["port"], bool(group.get("TransitEncryptionEnabled")), ref)
    from multicloud_ctl.providers.azure.resources import ArmResources

    arm = ArmResources(runtime.azure)
    redis = arm.get(
        arm.resource_id(env.azure.resource_group, f"Microsoft.Cache/redis/{azure_cache_name(env)}"), AZURE_CACHE_API
    )
    props = (redis or {}).get("properties") or {}
    if not props.get("hostName"):
        return None
    if props.get("enableNonSslPort"):
        return CacheEndpoint(str(props["hostName"]), int(props.get("port") or 6379), False)
    return CacheEndpoint(str(props["hostName"]), int(props.get("sslPort") or 6380), True)


def primary_endpoint(group: dict[str, Any]) -> dict[str, Any] | None:
    """`{"host", "port"}` of a cluster-mode-disabled group's primary endpoint, None before it has one."""
    for node_group in group.get("NodeGroups") or []:
        found = node_group.get("PrimaryEndpoint") or {}
        if found.get("Address"):
            return {"host": str(found["Address"]), "port": int(found.get("Port") or 6379)}
    return None


def redis_settings(env: Environment, cache: CacheEndpoint | None) -> dict[str, str]:
    """`MCCTL_FN_REDIS_URL` (and `MCCTL_FN_REDIS_PASSWORD`, a reference) for a function's settings."""
    if env.is_local:
        return {"MCCTL_FN_REDIS_URL": env.local.redis_url if env.local else "redis://127.0.0.1:6379/0"}
    if cache is None:
        return {}  # no cloud cache provisioned: the functions use their in-process cache
    out = {"MCCTL_FN_REDIS_URL": cache.url}
    if cache.password_ref:
        out["MCCTL_FN_REDIS_PASSWORD"] = cache.password_ref
    return out
