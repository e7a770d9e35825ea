"""The least-privilege inline policy of the functions' execution role, derived from what the code calls.

Each statement names the calls of `functions/` that need it and is scoped to this environment's resources:

    logs        the Lambda runtime's log capture: CreateLogGroup / CreateLogStream / PutLogEvents on
                /aws/lambda/<function> (AWSLambdaBasicExecutionRole, narrowed to our functions)
    dynamodb    dynamo_store: GetItem PutItem UpdateItem DeleteItem Query Scan on the tables (+ their indexes)
    streams     the CDC function's event source mapping: Lambda reads the streams with the *execution role*
                (DescribeStream GetRecords GetShardIterator on table/*/stream/*, ListStreams on "*", which has no
                resource-level permission; AWSLambdaDynamoDBExecutionRole). Without it CreateEventSourceMapping
                is refused ("cannot access stream ... check permissions")
    sqs         bus_sqs / notify: SendMessage; consumers and the SQS event source mapping: ReceiveMessage
                DeleteMessage ChangeMessageVisibility GetQueueAttributes GetQueueUrl; on the queues + `-dlq`
    cdc         the CDC function's event source mappings send failed batches to the CDC failure queue with the
                execution role: SendMessage on that queue only
    s3          S3ImageUrls presigns PUT/GET of product images: a presigned URL carries the signer's rights
    secrets     adapters/secrets: GetSecretValue on each `aws-secretsmanager:` reference in the settings

`required_calls` lists the same (action, resource) pairs the other way round, for the test that proves the
document allows every call the functions make.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multicloud_ctl.config.environment import Environment

POLICY_NAME = "mcctl-functions"
DYNAMODB_DATA = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
    "dynamodb:Scan",
)
STREAM_READ = ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator")
SQS_CALLS = (
    "sqs:SendMessage",
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
)
LOGS = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")


def _tables(env: Environment) -> list[str]:
    t = env.aws.tables
    return sorted({t.products, t.inventory, t.orders, t.users, t.idempotency})


def _queues(env: Environment) -> list[str]:
    q = env.aws.queues
    names = [q.orders, q.payments, q.notifications, q.analytics]
    return sorted({*names, *(f"{n}-dlq" for n in names)})


def _secret_arns(settings: dict[str, str]) -> list[str]:
    prefix = "aws-secretsmanager:"
    # a secret's ARN ends in a random 6-character suffix Secrets Manager adds: match it with -??????
    arns = {v[len(prefix) :] for v in settings.values() if v.startswith(prefix)}
    return sorted({a for arn in arns for a in (arn, f"{arn}-??????")})


def policy_document(env: Environment, functions: list[str], settings: dict[str, str] | None = None) -> dict[str, Any]:
    """The role's policy for `functions` of `env` (settings: the functions' MCCTL_FN_* values, for secrets)."""
    from multicloud_ctl.operations.deploy.fnenv import function_env

    settings = settings if settings is not None else function_env(env, "aws", None)
    region, account = env.aws.regions.primary, env.aws.account_id
    table = f"arn:aws:dynamodb:{region}:{account}:table"
    tables = _tables(env)
    statements: list[dict[str, Any]] = [
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": list(LOGS),
            "Resource": [
                arn
                for fn in sorted(functions)
                for arn in (
                    f"arn:aws:logs:{region}:{account}:log-group:/aws/lambda/{fn}",
                    f"arn:aws:logs:{region}:{account}:log-group:/aws/lambda/{fn}:*",
                )
            ],
        },
        {
            "Sid": "Tables",
            "Effect": "Allow",
            "Action": list(DYNAMODB_DATA),
            "Resource": [arn for t in tables for arn in (f"{table}/{t}", f"{table}/{t}/index/*")],
        },
        {
            "Sid": "Streams",
            "Effect": "Allow",
            "Action": list(STREAM_READ),
            "Resource": [f"{table}/{t}/stream/*" for t in tables],
        },
        {"Sid": "ListStreams", "Effect": "Allow", "Action": ["dynamodb:ListStreams"], "Resource": "*"},
        {
            "Sid": "Queues",
            "Effect": "Allow",
            "Action": list(SQS_CALLS),
            "Resource": [f"arn:aws:sqs:{region}:{account}:{q}" for q in _queues(env)],
        },
        {
            "Sid": "CdcFailures",
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": [f"arn:aws:sqs:{region}:{account}:{env.aws.cdc_failure_queue}"],
        },
        {
            "Sid": "ProductImages",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": [f"arn:aws:s3:::{env.aws.buckets.product_images}/*"],
        },
    ]
    secrets = _secret_arns(settings)
    if secrets:
        statements.append(
            {"Sid": "Secrets", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": secrets}
        )
    return {"Version": "2012-10-17", "Statement": statements}


def policy_json(env: Environment, functions: list[str]) -> str:
    """The document as IAM stores it (stable key order, so an unchanged policy compares equal)."""
    return json.dumps(policy_document(env, functions), sort_keys=True, separators=(",", ":"))


def required_calls(env: Environment, functions: list[str]) -> list[tuple[str, str]]:
    """Every (action, resource ARN) the deployed functions make, from the code's call sites."""
    region, account = env.aws.regions.primary, env.aws.account_id
    table = f"arn:aws:dynamodb:{region}:{account}:table"
    calls = [
        (a, f"arn:aws:logs:{region}:{account}:log-group:/aws/lambda/{fn}:log-stream:x")
        for fn in functions
        for a in LOGS[1:]
    ]
    calls += [
        ("logs:CreateLogGroup", f"arn:aws:logs:{region}:{account}:log-group:/aws/lambda/{fn}") for fn in functions
    ]
    for t in _tables(env):
        calls += [(a, f"{table}/{t}") for a in DYNAMODB_DATA]
        calls += [("dynamodb:Query", f"{table}/{t}/index/by-x")]
        calls += [(a, f"{table}/{t}/stream/2026-01-01T00:00:00.000") for a in STREAM_READ]
    calls += [("dynamodb:ListStreams", "*")]
    calls += [(a, f"arn:aws:sqs:{region}:{account}:{q}") for q in _queues(env) for a in SQS_CALLS]
    calls += [("sqs:SendMessage", f"arn:aws:sqs:{region}:{account}:{env.aws.cdc_failure_queue}")]
    calls += [
        (a, f"arn:aws:s3:::{env.aws.buckets.product_images}/products/p1.jpg") for a in ("s3:GetObject", "s3:PutObject")
    ]
    return calls
