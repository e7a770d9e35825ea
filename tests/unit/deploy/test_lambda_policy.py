"""The execution role's policy allows every AWS call the function code makes, and only on this environment.

Static by necessity: moto's IAM enforcement (INITIAL_NO_AUTH_ACTION_COUNT) checks requests signed with an IAM
user's keys, but the sandbox runs the handlers in our own host, not as the role, so no request is ever made
with the role's credentials. The calls are found in the source of `functions/` (botocore operation names
called on a client), and the document is evaluated the way IAM matches Action and Resource (wildcards).
"""

from __future__ import annotations

import ast
import fnmatch
from pathlib import Path
from typing import Any

import botocore.session
import pytest

from multicloud_ctl.config.loader import load_environment
from multicloud_ctl.operations.deploy.lambda_policy import policy_document, required_calls

REPO = Path(__file__).resolve().parents[3]
FUNCTIONS = REPO / "src" / "multicloud_ctl" / "functions"
SERVICES = {"dynamodb": "dynamodb", "sqs": "sqs", "secretsmanager": "secretsmanager", "s3": "s3"}
NAMES = ["product-service", "inventory-service", "order-service", "user-service", "cdc-sync"]
# table creation for the sandbox and tests (bootstrap.ensure_sandbox); no handler calls it: provision owns tables
NOT_IN_HANDLERS = {FUNCTIONS / "adapters" / "dynamo_schema.py"}


@pytest.fixture(scope="module")
def env() -> Any:
    return load_environment("local", REPO / "config")


def allowed(doc: dict[str, Any], action: str, resource: str) -> bool:
    """Whether an Allow statement matches (IAM: case-insensitive action, `*`/`?` wildcards in both)."""
    for st in doc["Statement"]:
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
        if (
            st["Effect"] == "Allow"
            and any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in actions)
            and any(fnmatch.fnmatchcase(resource, r) for r in resources)
        ):
            return True
    return False


def called_actions() -> set[str]:
    """service:Operation for every botocore operation the function code calls (presigned ones included)."""
    session = botocore.session.get_session()
    ops: dict[str, str] = {}
    for prefix, service in SERVICES.items():
        model = session.get_service_model(service)
        for name in model.operation_names:
            snake = botocore.xform_name(name)
            ops.setdefault(snake, f"{prefix}:{name}")
    found = set()
    for path in set(FUNCTIONS.rglob("*.py")) - NOT_IN_HANDLERS:
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr == "generate_presigned_url" and node.args and isinstance(node.args[0], ast.Constant):
                found.add(ops[str(node.args[0].value)])
            elif node.func.attr in ops and node.func.attr not in {"get", "list", "update", "delete", "put"}:
                found.add(ops[node.func.attr])
    return found


def test_the_code_calls_are_found() -> None:
    calls = called_actions()
    assert {"dynamodb:GetItem", "dynamodb:Query", "sqs:SendMessage", "sqs:ReceiveMessage"} <= calls
    assert {"secretsmanager:GetSecretValue", "s3:PutObject", "s3:GetObject"} <= calls


def test_policy_allows_every_action_the_code_calls(env: Any) -> None:
    secret = f"aws-secretsmanager:arn:aws:secretsmanager:{env.aws.regions.primary}:{env.aws.account_id}:secret:k"
    doc = policy_document(env, NAMES, {"MCCTL_FN_SERVICE_API_KEYS": secret})
    granted = {a for st in doc["Statement"] for a in st["Action"]}
    assert sorted(called_actions() - granted) == []


def test_policy_allows_the_calls_on_this_environment_only(env: Any) -> None:
    doc = policy_document(env, NAMES)
    for action, resource in required_calls(env, NAMES):
        assert allowed(doc, action, resource), (action, resource)
    region, account = env.aws.regions.primary, env.aws.account_id
    assert not allowed(doc, "dynamodb:GetItem", f"arn:aws:dynamodb:{region}:{account}:table/SomeoneElses")
    assert not allowed(
        doc, "dynamodb:DeleteTable", f"arn:aws:dynamodb:{region}:{account}:table/{env.aws.tables.orders}"
    )
    assert not allowed(doc, "sqs:SendMessage", f"arn:aws:sqs:{region}:{account}:unrelated-queue")
    assert not allowed(doc, "s3:GetObject", "arn:aws:s3:::another-bucket/x")
    assert not any(st["Resource"] == "*" for st in doc["Statement"] if st["Sid"] != "ListStreams")


def test_the_cdc_stream_mapping_permissions_are_granted(env: Any) -> None:
    doc = policy_document(env, NAMES)
    stream = f"arn:aws:dynamodb:{env.aws.regions.primary}:{env.aws.account_id}:table/{env.aws.tables.orders}/stream/x"
    for action in ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"):
        assert allowed(doc, action, stream)
    assert allowed(doc, "dynamodb:ListStreams", "*")


def test_secret_references_in_the_settings_are_granted(env: Any) -> None:
    arn = f"arn:aws:secretsmanager:{env.aws.regions.primary}:{env.aws.account_id}:secret:shop/stripe"
    doc = policy_document(env, NAMES, {"MCCTL_FN_STRIPE_API_KEY": f"aws-secretsmanager:{arn}"})
    assert allowed(doc, "secretsmanager:GetSecretValue", f"{arn}-AbC123")
    assert not allowed(doc, "secretsmanager:GetSecretValue", f"{arn}-other-AbC123")
