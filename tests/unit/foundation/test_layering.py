"""SDK calls live only in `providers/` (ARCHITECTURE §2, §5): a scan of the syntax tree of every other module.

Outside `providers/` (and `functions/`, the deployed code, and `local/`, the sandbox's own servers) no module
imports boto3, botocore, azure or cloudflare, at any level (inside functions and under TYPE_CHECKING too), and
no module calls an AWS operation. An operation call is known by its name: the snake_case name of any operation
of the AWS services mcctl uses, read from botocore's own service models.

Our provider clients reuse some of those names for their methods (`LambdaClient.get_function(name)`,
`DynamoStreams.describe_stream(table, arn)`), and Alembic has `op.create_table(name, ...)`. A boto3 operation
takes keyword arguments only (botocore raises TypeError on a positional one), so a call with a positional
argument is never one: that rule stands in for an exclusion list. `NOT_SDK` is for a method of ours that has
an operation's name and is called with keywords only; it is empty today.

Also flagged: the boto3 client helpers (`get_paginator`, `get_waiter`, presigned URLs), `client.exceptions.X`,
and calls that reach through our Azure and Cloudflare factories into the SDK objects behind them
(`runtime.azure.web.web_apps.get(...)`, `cf.sdk.load_balancers.pools.list(...)`).
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[3] / "src" / "multicloud_ctl"
ALLOWED = ("providers/", "functions/", "local/")
SDK_PACKAGES = {"boto3", "botocore", "azure", "cloudflare"}

# Every AWS service mcctl makes a client for (`test_services_cover_every_client` keeps this complete).
SERVICES = (
    "apigateway",
    "ce",
    "cloudfront",
    "cloudwatch",
    "cognito-idp",
    "dynamodb",
    "dynamodbstreams",
    "ec2",
    "elasticache",
    "iam",
    "lambda",
    "logs",
    "s3",
    "secretsmanager",
    "sqs",
    "sts",
    "wafv2",
)
CLIENT_HELPERS = {"get_paginator", "get_waiter", "can_paginate", "generate_presigned_url", "generate_presigned_post"}
NOT_SDK: dict[str, str] = {}  # method name -> why a keyword-only call of it is ours, not boto3's
AZURE_SDK_CLIENTS = {"resources", "web", "sql", "servicebus", "cost", "blob", "credential"}  # AzureClients' SDK objects


@cache
def operation_names() -> frozenset[str]:
    """The boto3 method name (`xform_name`) of every operation of every service in SERVICES."""
    import botocore.session
    from botocore import xform_name

    session = botocore.session.get_session()
    return frozenset(
        xform_name(op) for service in SERVICES for op in session.get_service_model(service).operation_names
    )


def _chain(node: ast.expr) -> tuple[str, list[str]]:
    """`runtime.azure.web.get` -> ("runtime", ["azure", "web", "get"]); the base is "?" when not a name."""
    attrs: list[str] = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    base = node.id if isinstance(node, ast.Name) else "?"
    return base, attrs[::-1]


def offences(source: str, filename: str = "<src>") -> list[str]:
    """`line: what` for every SDK import or SDK call in one module's source."""
    out = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            out += [f"{node.lineno}: import {a.name}" for a in node.names if a.name.split(".")[0] in SDK_PACKAGES]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] in SDK_PACKAGES:
                out.append(f"{node.lineno}: from {node.module} import ...")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            if node.value.attr == "exceptions" and node.attr[:1].isupper():
                out.append(f"{node.lineno}: SDK exception class .exceptions.{node.attr}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = node.func.attr
            base, attrs = _chain(node.func)
            if name in CLIENT_HELPERS:
                out.append(f"{node.lineno}: boto3 client helper .{name}()")
            elif name in operation_names() and name not in NOT_SDK and not node.args:
                out.append(f"{node.lineno}: AWS operation .{name}()")
            elif "sdk" in attrs[:-1]:
                out.append(f"{node.lineno}: Cloudflare SDK call .{'.'.join(attrs)}()")
            else:
                names = [base, *attrs]
                for before, azure, sdk_client in zip(names, names[1:], names[2:-1], strict=False):
                    if before == "runtime" and azure == "azure" and sdk_client in AZURE_SDK_CLIENTS:
                        out.append(f"{node.lineno}: Azure SDK call .{'.'.join(attrs)}()")
                        break
    return sorted(out, key=lambda offence: int(offence.split(":")[0]))


def scanned_modules() -> list[Path]:
    return [p for p in sorted(SRC.rglob("*.py")) if not p.relative_to(SRC).as_posix().startswith(ALLOWED)]


def test_sdk_calls_live_only_in_providers() -> None:
    found = [
        f"{path.relative_to(SRC).as_posix()}:{offence}"
        for path in scanned_modules()
        for offence in offences(path.read_text(encoding="utf-8"), str(path))
    ]
    listing = "\n".join(found)
    assert not found, f"SDK imports or calls outside providers/ (move them into a provider client):\n{listing}"


def test_the_scan_covers_the_engine_operations_and_cli() -> None:
    rels = {p.relative_to(SRC).as_posix() for p in scanned_modules()}
    assert {"engine/lock.py", "engine/runtime.py", "operations/observability/metrics.py", "cli/app.py"} <= rels
    assert not any(r.startswith(ALLOWED) for r in rels)


def test_services_cover_every_client() -> None:
    """Each `.client("service")` anywhere in src names a service whose operations the scan knows."""
    named = {
        node.args[0].value
        for path in SRC.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("client", "resource")
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    }
    assert named <= set(SERVICES), f"add to SERVICES: {sorted(named - set(SERVICES))}"


@pytest.mark.parametrize(
    "source",
    [
        "import boto3",
        "import azure.storage.blob as blob",
        "def f():\n    from botocore.exceptions import ClientError",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from cloudflare import Cloudflare",
        "def f(rt):\n    rt.aws.client('dynamodb').put_item(TableName='t', Item={})",
        "def f(ddb):\n    return ddb.scan(**{'TableName': 't'})",
        "def f(idp):\n    return idp.list_user_pools(MaxResults=60)",
        "def f(s3):\n    return s3.list_buckets()",
        "def f(ddb):\n    ddb.get_waiter('table_exists').wait(TableName='t')",
        "def f(ddb):\n    try:\n        pass\n    except ddb.exceptions.ResourceNotFoundException:\n        pass",
        "def f(cf):\n    return cf.sdk.load_balancers.pools.list(account_id='a')",
        "def f(runtime):\n    return runtime.azure.web.web_apps.get('rg', 'app')",
        "def f(ctx):\n    return list(ctx.runtime.azure.resources.resource_groups.list())",
    ],
)
def test_the_scan_flags(source: str) -> None:
    assert offences(source)


@pytest.mark.parametrize(
    "source",
    [
        "def f(lam):\n    return lam.get_function('orders')",  # our LambdaClient: positional arguments
        "def f(op, sa):\n    op.create_table('orders', sa.Column('id', sa.Integer))",  # Alembic
        "def f(queues):\n    return queues.depth('orders')",
        "def f(env):\n    return env.azure.sql.model_dump()",  # the config model, not the SDK
        "def f(runtime):\n    return runtime.cloudflare.edit_pool('p1', enabled=False)",
        "def f(runtime):\n    _ = runtime.azure.resources",  # building a client is not a call on it
    ],
)
def test_the_scan_passes(source: str) -> None:
    assert offences(source) == []
