"""Make sure the sandbox has what the functions use: tables, the images bucket, queues with dead-letter
queues, and a Cognito user pool with an app client (the JWKS the handlers verify against); and the secrets the
shipped provision playbook refers to on `local`, in Secrets Manager: the VPN's pre-shared key
(`SANDBOX_VPN_PSK`) and the session cache's Redis AUTH token (`SANDBOX_REDIS_AUTH`).

Idempotent and sandbox-only (it refuses a cloud environment: there `mcctl provision` owns these). The
consumers dead-letter a message to `<name>-dlq` themselves on its Nth delivery, with the failure as reason;
each queue's redrive policy (N + 1 receives) is the safety net.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import UsageError
from multicloud_ctl.operations.deploy.fnenv import CognitoPool, find_pool, function_env
from multicloud_ctl.providers.aws.errors import aws_errors

if TYPE_CHECKING:
    from multicloud_ctl.config.environment import Environment
    from multicloud_ctl.providers.aws.session import AwsClients

APP_CLIENT = "mcctl-shop"
SANDBOX_VPN_PSK = "mcctl-local-vpn-psk"  # playbooks/provision.yaml: environments.local.kinds.vpn_connection
# playbooks/provision.yaml: environments.local.kinds.elasticache_replication_group
SANDBOX_REDIS_AUTH = "mcctl-local-redis-auth"
AUTH_FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def ensure_queues(aws: AwsClients, env: Environment, max_deliveries: int) -> dict[str, str]:
    """Queue name -> URL for every bus queue, each with its dead-letter queue and redrive policy."""
    sqs = aws.client("sqs")
    urls = {}
    for logical in ("orders", "payments", "notifications", "analytics"):
        name = getattr(env.aws.queues, logical)
        with aws_errors("CreateQueue", f"{name}-dlq"):
            dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
            dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        # the consumers dead-letter explicitly (with the reason) on the Nth delivery; redrive is the safety net
        policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_deliveries + 1)})
        with aws_errors("CreateQueue", name):
            try:
                url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
                sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": policy})
            except sqs.exceptions.QueueDoesNotExist:
                url = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": policy})["QueueUrl"]
        urls[name] = url
    return urls


def ensure_pool(aws: AwsClients, env: Environment) -> CognitoPool:
    """The environment's user pool and app client, created when missing."""
    found = find_pool(aws, env.aws.user_pool)
    idp = aws.client("cognito-idp")
    if found is None:
        with aws_errors("CreateUserPool", env.aws.user_pool):
            pool_id = idp.create_user_pool(
                PoolName=env.aws.user_pool,
                UsernameAttributes=["email"],
                AutoVerifiedAttributes=["email"],
                UserPoolTags=env.resource_tags(),
            )["UserPool"]["Id"]
        found = CognitoPool(pool_id, "")
    if not found.client_id:
        with aws_errors("CreateUserPoolClient", found.pool_id):
            client = idp.create_user_pool_client(
                UserPoolId=found.pool_id,
                ClientName=APP_CLIENT,
                GenerateSecret=False,
                ExplicitAuthFlows=AUTH_FLOWS,
            )
        found = CognitoPool(found.pool_id, client["UserPoolClient"]["ClientId"])
    return found


def ensure_sandbox(aws: AwsClients, env: Environment, max_deliveries: int = 5) -> CognitoPool:
    """Create whatever the functions need on the sandbox's moto; returns the user pool."""
    if not env.is_local:
        raise UsageError(
            f"environment {env.name!r} is not local: the functions host only serves the sandbox",
            hint="in the cloud, `mcctl provision` creates these resources",
        )
    from multicloud_ctl.functions.adapters.dynamo_schema import create_tables
    from multicloud_ctl.functions.config import FunctionConfig

    cfg = FunctionConfig.from_env(function_env(env, "aws", None))
    with aws_errors("CreateTable", "functions tables"):
        create_tables(aws.client("dynamodb"), cfg)
    s3 = aws.client("s3")
    for bucket in (env.aws.buckets.product_images,):
        with aws_errors("CreateBucket", bucket):
            existing: list[Any] = s3.list_buckets().get("Buckets", [])
            if bucket not in {b["Name"] for b in existing}:
                s3.create_bucket(Bucket=bucket)
    ensure_queues(aws, env, max_deliveries)
    ensure_sql_schema(env)
    ensure_vpn_psk(aws, env)
    ensure_redis_auth_token(aws, env)
    return ensure_pool(aws, env)


def ensure_vpn_psk(aws: AwsClients, env: Environment) -> str:
    """The sandbox VPN's pre-shared key reference, its secret created with a random key on first use.

    A random key each sandbox, never a literal in a file: it is resolved and redacted like any secret. 32
    letters and digits, not starting with 0: what AWS and Azure both accept.
    """
    import secrets
    import string

    from multicloud_ctl.providers.aws.secretsmanager import SecretsManager

    sm = SecretsManager(aws)
    if not sm.describe(SANDBOX_VPN_PSK):
        alphabet = string.ascii_letters + string.digits
        key = secrets.choice(string.ascii_letters) + "".join(secrets.choice(alphabet) for _ in range(31))
        sm.create(SANDBOX_VPN_PSK, key, env.resource_tags())
    return f"aws-secretsmanager:{SANDBOX_VPN_PSK}"


def ensure_redis_auth_token(aws: AwsClients, env: Environment) -> str:
    """The sandbox session cache's AUTH token reference, its secret created with a random token on first use.

    40 letters and digits: inside what ElastiCache accepts (16-128 characters; letters, digits and !&#$^<>-).
    """
    import secrets
    import string

    from multicloud_ctl.providers.aws.secretsmanager import SecretsManager

    sm = SecretsManager(aws)
    if not sm.describe(SANDBOX_REDIS_AUTH):
        alphabet = string.ascii_letters + string.digits
        sm.create(SANDBOX_REDIS_AUTH, "".join(secrets.choice(alphabet) for _ in range(40)), env.resource_tags())
    return f"aws-secretsmanager:{SANDBOX_REDIS_AUTH}"


def ensure_sql_schema(env: Environment) -> list[str]:
    """Bring the sandbox's SQL database to the head migration (the migrations own the schema, not the functions)."""
    from multicloud_ctl.config.secrets import is_reference
    from multicloud_ctl.migrations.runner import upgrade

    url = str(env.azure.sql.url)
    if is_reference(url):
        return []
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):  # relative: pin it to our cwd
        url = "sqlite:///" + str(Path(url[len("sqlite:///") :]).resolve())
    return upgrade(url)


SANDBOX_KEYS_TTL_S = 2  # the hosts re-read the key stores this often: a sandbox rotation takes seconds


def ensure_service_keys(runtime: Any, cloud: str) -> str:
    """The `cloud` host's reference to the rotated service API key list, its store seeded on first use.

    As in the clouds, the functions read the key list from their cloud's store (Secrets Manager on moto, Key
    Vault on the local ARM) and re-read it every few seconds, so `mcctl secrets rotate api-key` works on the
    sandbox as it does in AWS and Azure. An empty store is seeded with what the other store holds, else with the
    sandbox's literal key (not a secret); the sandbox's own clients read the key back from the stores
    (`current_service_key`) rather than assuming it.
    """
    from multicloud_ctl.operations.deploy.fnenv import SANDBOX_SERVICE_KEY
    from multicloud_ctl.operations.security.apikey_store import (
        KV_SECRET,
        aws_secret_name,
        keyvault_secret_url,
        split_keys,
        vault_name,
    )
    from multicloud_ctl.providers.aws.secretsmanager import SecretsManager
    from multicloud_ctl.providers.azure.keyvault import KeyVaultSecrets, vault_url

    env = runtime.environment
    if not env.is_local:
        raise UsageError("the sandbox's key seeding is for a local environment")
    sm, name = SecretsManager(runtime.aws), aws_secret_name(env)
    aws_keys = split_keys(sm.value(name)) if sm.describe(name) else []
    if cloud == "aws":
        if not aws_keys:
            sm.create(name, runtime.secrets.resolve(SANDBOX_SERVICE_KEY), env.resource_tags())
        return f"aws-secretsmanager:{name}"
    vault = KeyVaultSecrets(runtime.azure, vault_url(env, vault_name(env)))
    current = vault.get(KV_SECRET)
    if current is None or not split_keys(current.value):
        value = ",".join(aws_keys) or runtime.secrets.resolve(SANDBOX_SERVICE_KEY)
        vault.set(KV_SECRET, value, env.resource_tags())
    return f"azure-keyvault:{keyvault_secret_url(env)}"


def current_service_key(runtime: Any) -> str:
    """The key the sandbox's clients present: the first one in the stores (after a rotation, the new one)."""
    from multicloud_ctl.operations.security.apikey_store import read_state

    state = read_state(runtime)
    keys = state.aws_keys or state.azure_keys
    if not keys:
        raise UsageError(
            "the sandbox's service API key stores are empty", hint="`mcctl local up` seeds them; is it running?"
        )
    return keys[0]
