"""The `MCCTL_FN_*` settings a function gets in an environment (Lambda env vars, Azure app settings, the
local host's env file), derived from the Environment with read-only calls only.

Queue URLs follow from the account, region and endpoint; only the Cognito pool id has to be looked up (by
the environment's pool name, through `providers/aws/cognito.py`). Secret values never appear here: secret
settings carry references (`env:`, `aws-secretsmanager:`, `literal-dev:` for the sandbox) that the functions
resolve.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from multicloud_ctl.config.environment import Environment
    from multicloud_ctl.operations.deploy.cache_endpoint import CacheEndpoint
    from multicloud_ctl.providers.aws.session import AwsClients

SANDBOX_SERVICE_KEY = "literal-dev:sandbox-service-key"  # the sandbox's shared service key: not a secret


@dataclass(frozen=True)
class CognitoPool:
    pool_id: str
    client_id: str


def queue_url(env: Environment, name: str) -> str:
    """The SQS URL of queue `name` in the primary region (moto's form on the sandbox)."""
    endpoint = env.endpoints().aws
    base = endpoint.rstrip("/") if endpoint else f"https://sqs.{env.aws.regions.primary}.amazonaws.com"
    return f"{base}/{env.aws.account_id}/{name}"


SERVICEBUS_CONNECTION = "MCCTL_FN_SERVICEBUS_CONNECTION"  # the triggers' `connection` name (blueprints)


def servicebus_identity_settings(env: Environment) -> dict[str, str]:
    """The app settings of an identity-based Service Bus connection named MCCTL_FN_SERVICEBUS_CONNECTION.

    Provision creates the namespace with local (SAS) auth disabled, so a connection string is refused; the
    Service Bus trigger (identity-based connections need extension 5.x or later; host.json's bundle [4.*, 5)
    has it) and our adapter connect with the app's managed identity when `<CONNECTION>__fullyQualifiedNamespace`
    is set and no setting named exactly `<CONNECTION>` exists (an exact match wins, so deploy drops an old
    connection string: `azure_plan.superseded`).
    Sources: "Azure Service Bus bindings for Azure Functions", section identity-based connections
    (learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus), and "Configure an
    identity-based connection" (learn.microsoft.com/azure/azure-functions/functions-reference). The
    system-assigned identity is used by default, so `__credential`/`__clientId` are not written; the role
    assignments that let it receive and send come from provision (azure_role_assignment).
    """
    return {f"{SERVICEBUS_CONNECTION}__fullyQualifiedNamespace": servicebus_fqdn(env.azure.service_bus.namespace)}


def servicebus_fqdn(namespace: str) -> str:
    """`<namespace>.servicebus.windows.net`, the fully qualified namespace of the public cloud."""
    return f"{namespace}.servicebus.windows.net"


def find_pool(aws: AwsClients, name: str) -> CognitoPool | None:
    """The user pool called `name` (in the primary region) and its first app client, or None."""
    from multicloud_ctl.providers.aws.cognito import CognitoAdmin

    idp = CognitoAdmin(aws, aws.primary_region)
    pool_id = idp.pool_id(name)
    if pool_id is None:
        return None
    clients = idp.client_ids(pool_id)
    return CognitoPool(pool_id, clients[0] if clients else "")


def function_env(
    env: Environment, cloud: str, pool: CognitoPool | None, cache: CacheEndpoint | None = None
) -> dict[str, str]:
    """Every `MCCTL_FN_*` setting for a function running on `cloud` (aws | azure) in `env`; `cache` is the
    provisioned cache of that cloud (`cache_endpoint.find_cache`), on the sandbox the machine's Redis."""
    from multicloud_ctl.operations.deploy.cache_endpoint import redis_settings

    aws = env.aws
    region = aws.regions.primary
    out: dict[str, str] = {
        "MCCTL_FN_CLOUD": cloud,
        "MCCTL_FN_STORE": "dynamodb" if cloud == "aws" else "sql",
        "MCCTL_FN_REGION": region,
        "MCCTL_FN_TABLE_PRODUCTS": aws.tables.products,
        "MCCTL_FN_TABLE_INVENTORY": aws.tables.inventory,
        "MCCTL_FN_TABLE_ORDERS": aws.tables.orders,
        "MCCTL_FN_TABLE_USERS": aws.tables.users,
        "MCCTL_FN_TABLE_IDEMPOTENCY": aws.tables.idempotency,
        "MCCTL_FN_BUCKET_IMAGES": aws.buckets.product_images,
        "MCCTL_FN_SQL_URL": str(env.azure.sql.url),
        "MCCTL_FN_BUS_KIND": "sqs" if env.is_local or cloud == "aws" else "servicebus",
        "MCCTL_FN_PAYMENT_PROVIDER": "sandbox" if env.is_local else "stripe",
    }
    endpoint = env.endpoints().aws
    if endpoint:
        out["MCCTL_FN_AWS_ENDPOINT"] = endpoint
    for logical in ("orders", "payments", "notifications", "analytics"):
        name = getattr(aws.queues, logical)
        out[f"MCCTL_FN_QUEUE_URL_{logical.upper()}"] = queue_url(env, name)
        out[f"MCCTL_FN_QUEUE_{logical.upper()}"] = name
    if not env.is_local and cloud == "azure":
        out.update(servicebus_identity_settings(env))
    if pool is not None:
        issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool.pool_id}"
        jwks_base = f"{endpoint.rstrip('/')}/{pool.pool_id}" if endpoint else issuer
        out["MCCTL_FN_COGNITO_ISSUER"] = issuer
        out["MCCTL_FN_COGNITO_JWKS_URL"] = f"{jwks_base}/.well-known/jwks.json"
        if pool.client_id:
            out["MCCTL_FN_COGNITO_CLIENT_ID"] = pool.client_id
    if not env.is_local:
        # The rotated key list (`mcctl secrets rotate api-key`), re-read by the functions every few minutes.
        from multicloud_ctl.operations.security.apikey_store import aws_secret_name, keyvault_secret_url

        ref = (
            f"aws-secretsmanager:{aws_secret_name(env)}"
            if cloud == "aws"
            else f"azure-keyvault:{keyvault_secret_url(env)}"
        )
        out["MCCTL_FN_SERVICE_API_KEYS"] = ref
    out.update(redis_settings(env, cache))
    if env.is_local:
        out["MCCTL_FN_SERVICE_API_KEYS"] = SANDBOX_SERVICE_KEY
        ports = env.local.ports if env.local else None
        if ports is not None:
            peer = ports.functions_azure if cloud == "aws" else ports.functions_aws
            out["MCCTL_FN_PEER_API_URL"] = f"http://127.0.0.1:{peer}"
    return out
