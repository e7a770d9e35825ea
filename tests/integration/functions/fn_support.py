"""Helpers shared by the tests in this directory (imported by name: `from fn_support import ...`)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import boto3
import pytest

from multicloud_ctl.functions.adapters.dynamo_schema import create_tables
from multicloud_ctl.functions.config import FunctionConfig
from multicloud_ctl.functions.wiring import Services, services

REGION = "us-east-1"


QUEUES = ("orders", "payments", "notifications", "analytics")


API_KEY, OLD_API_KEY = "svc-key-current-7f3a", "svc-key-previous-19bd"


PASSWORD = "Passw0rd!x"


def apigw_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A REST API (v1) proxy integration event as API Gateway sends it to Lambda."""
    hdrs = {
        "Accept": "application/json",
        "Host": "abc123.execute-api.us-east-1.amazonaws.com",
        "User-Agent": "pytest",
        "X-Forwarded-Proto": "https",
        **(headers or {}),
    }
    if body is not None:
        hdrs["Content-Type"] = "application/json"
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": hdrs,
        "multiValueHeaders": {k: [v] for k, v in hdrs.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourceId": "xyz789",
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": f"/prod{path}",
            "stage": "prod",
            "requestId": str(uuid.uuid4()),
            "accountId": "123456789012",
            "apiId": "abc123",
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "pytest"},
        },
        "body": body if isinstance(body, str) or body is None else json.dumps(body),
        "isBase64Encoded": False,
    }


@dataclass
class Shop:
    url: str
    env: dict[str, str]
    pool_id: str
    client_id: str
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)
    idp: Any = None

    @property
    def cfg(self) -> FunctionConfig:
        return FunctionConfig.from_env()

    @property
    def services(self) -> Services:
        return services()

    def user(self, name: str) -> dict[str, str]:
        """Sign `name` up (admin_create_user) once and return its tokens from admin_initiate_auth."""
        if name not in self.tokens:
            self.idp.admin_create_user(
                UserPoolId=self.pool_id,
                Username=name,
                MessageAction="SUPPRESS",
                UserAttributes=[
                    {"Name": "email", "Value": f"{name}@example.com"},
                    {"Name": "custom:clouds", "Value": "aws azure"},
                ],
            )
            self.idp.admin_set_user_password(UserPoolId=self.pool_id, Username=name, Password=PASSWORD, Permanent=True)
            auth = self.idp.admin_initiate_auth(
                UserPoolId=self.pool_id,
                ClientId=self.client_id,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
            )
            self.tokens[name] = auth["AuthenticationResult"]
        return self.tokens[name]

    def bearer(self, name: str, kind: str = "IdToken") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.user(name)[kind]}"}


def make_shop(
    url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    cloud: str = "aws",
    sql_url: str | None = None,
) -> Shop:
    kw = {"endpoint_url": url, "region_name": REGION}
    sqs = boto3.client("sqs", **kw)
    idp = boto3.client("cognito-idp", **kw)
    env = {
        "MCCTL_FN_CLOUD": cloud,
        "MCCTL_FN_AWS_ENDPOINT": url,
        "MCCTL_FN_REGION": REGION,
        "MCCTL_FN_SQL_URL": sql_url or f"sqlite:///{tmp_path / 'azure-sql.db'}",
        "MCCTL_FN_SQL_CREATE_SCHEMA": "1",
        "MCCTL_FN_BUS_KIND": "sqs",
        "MCCTL_FN_MAX_DELIVERIES": "3",
        "MCCTL_FN_SERVICE_API_KEYS": f"{API_KEY},{OLD_API_KEY}",
        "MCCTL_FN_OUTBOX_DIR": str(tmp_path / "outbox"),
        "MCCTL_FN_PAYMENT_PROVIDER": "sandbox",
        "MCCTL_FN_CLOUD_CLAIM": "custom:clouds",
    }
    for q in QUEUES:
        dlq = sqs.create_queue(QueueName=f"{q}-dlq")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        policy = json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": "10"})
        env[f"MCCTL_FN_QUEUE_URL_{q.upper()}"] = sqs.create_queue(QueueName=q, Attributes={"RedrivePolicy": policy})[
            "QueueUrl"
        ]
    pool = idp.create_user_pool(
        PoolName=f"shop-{uuid.uuid4().hex[:6]}",
        Schema=[{"Name": "clouds", "AttributeDataType": "String", "Mutable": True}],
    )["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool,
        ClientName="web",
        ExplicitAuthFlows=[
            "ALLOW_ADMIN_USER_PASSWORD_AUTH",
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ],
    )
    client_id = client["UserPoolClient"]["ClientId"]
    env.update(
        {
            "MCCTL_FN_COGNITO_JWKS_URL": f"{url}/{pool}/.well-known/jwks.json",
            "MCCTL_FN_COGNITO_ISSUER": f"https://cognito-idp.{REGION}.amazonaws.com/{pool}",
            "MCCTL_FN_COGNITO_CLIENT_ID": client_id,
        }
    )
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    cfg = FunctionConfig.from_env()
    create_tables(boto3.client("dynamodb", **kw), cfg)
    boto3.client("s3", **kw).create_bucket(Bucket=cfg.bucket_images)
    return Shop(url, env, pool, client_id, idp=idp)


class _JwksHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(self.server.jwks).encode()  # type: ignore[attr-defined]
        self.server.hits += 1  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass
